"""The Sitzung domain's queries."""
