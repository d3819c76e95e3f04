"""Forms shared by every domain."""

from __future__ import annotations

from collections.abc import Mapping

from flask_wtf import FlaskForm
from wtforms.fields.choices import SelectChoice


def choices_from(mapping: Mapping) -> list[SelectChoice]:
    """Select options from value -> label (the form WTForms expects)."""
    return [SelectChoice(str(value), label) for value, label in mapping.items()]


class ActionForm(FlaskForm):
    """A button that changes state (POST): carries only the CSRF token."""
