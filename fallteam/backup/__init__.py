"""Backup and restore: a database dump and, kept elsewhere, the keys to read it."""
