"""The Sitzung domain's operations."""
