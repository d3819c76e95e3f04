"""The Sitzung domain's forms."""
