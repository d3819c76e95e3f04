"""Schweigepflichtsentbindungen: who released whom to whom, for what, until when."""
