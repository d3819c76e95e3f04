"""Fallprotokolle: the protocol of one case on one agenda item."""
