"""Forms of the DPO's workspace, one module per part."""
