"""Wiedervorlagen: the team's promise to look at a case again on a set day."""
