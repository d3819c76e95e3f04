"""Forms shared by every domain."""

from __future__ import annotations

from flask_wtf import FlaskForm


class ActionForm(FlaskForm):
    """A button that changes state (POST): carries only the CSRF token."""
