"""The Sitzung domain's blueprint."""
