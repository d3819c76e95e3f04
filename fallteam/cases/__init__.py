"""Cases: families, pseudonyms, genogram, resource map."""
