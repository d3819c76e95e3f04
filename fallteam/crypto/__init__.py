"""Field-level envelope encryption and the key ring it draws on."""
