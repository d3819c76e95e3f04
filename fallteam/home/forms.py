"""The language switch."""

from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, SelectField, SubmitField

from fallteam.core.forms import BaseForm


class LanguageForm(BaseForm):
    """Choose the interface language (German or English)."""

    language = SelectField(_l("Sprache"), choices=[])
    next = HiddenField()
    submit = SubmitField(_l("Übernehmen"))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.language.choices = list(current_app.config["LANGUAGES"].items())
