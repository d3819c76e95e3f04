"""Fallteams: members, absences, moderation and writer rotation."""
