"""The Sitzung domain's views."""
