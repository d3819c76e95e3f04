"""Agenda items (TOPs): cases registered for a session, their guests and documents."""
