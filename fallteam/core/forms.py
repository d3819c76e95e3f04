"""Forms shared by every domain, and the input rules every form follows.

Every form of the application derives from :class:`BaseForm` (a Flask-WTF form with CSRF) or,
inside another form (``FormField``), from :class:`SubForm`. Both apply the same rules to every
field after its own validators, so no form can forget them:

- single-line text (every ``StringField`` but a ``TextAreaField``) has no control characters:
  no NUL, no line break, no escape;
- multi-line text keeps its line breaks (LF, CR LF) and tabs but no other control characters;
- no text has invisible characters (zero-width space and joiners, soft hyphen, direction
  marks): they hide names from the re-identification guard and make equal names unequal;
- every date lies between 1900 and 2100 (a date beyond that is a typing error, and dates near
  year 1 or 9999 overflow when converted between time zones);
- WTForms' own messages ("Kein gültiges Datum.") come in the visitor's language, in sub-forms
  too (Flask-WTF's translations, which follow Flask-Babel's locale).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.i18n import translations as flask_wtf_translations
from werkzeug.datastructures import FileStorage
from wtforms import (
    DateField,
    DateTimeField,
    Field,
    FieldList,
    Form,
    PasswordField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.meta import DefaultMeta
from wtforms.validators import StopValidation

from fallteam.core.documents import DocumentRefused, inspect_document
from fallteam.core.text import control_characters, invisible_characters

#: the range every date field accepts
EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2100, 12, 31)

SINGLE_LINE_CONTROL = _l("Bitte keine Steuerzeichen (wie Zeilenumbrüche) in dieses Feld eingeben.")
MULTI_LINE_CONTROL = _l(
    "Der Text enthält Steuerzeichen (z. B. Nullzeichen). Bitte entfernen Sie sie."
)
INVISIBLE = _l(
    "Der Text enthält unsichtbare Zeichen (z. B. Leerzeichen ohne Breite oder weiche "
    "Trennstriche), oft aus kopiertem Text. Bitte geben Sie ihn neu ein."
)
DATE_RANGE = _l(
    "Bitte ein Datum zwischen dem %(earliest)s und dem %(latest)s angeben.",
    earliest=EARLIEST_DATE.strftime("%d.%m.%Y"),
    latest=LATEST_DATE.strftime("%d.%m.%Y"),
)


def choices_from(mapping: Mapping) -> list[SelectChoice]:
    """Select options from value -> label (the form WTForms expects)."""
    return [SelectChoice(str(value), label) for value, label in mapping.items()]


def _is_date(field: Field) -> bool:
    return isinstance(field, DateField | DateTimeField) and not isinstance(field, TimeField)


def input_errors(field: Field) -> list[str]:
    """What the shared rules find wrong with one field's input (empty: nothing)."""
    if isinstance(field, StringField):
        values = [v for v in field.raw_data or () if isinstance(v, str)]
        multiline = isinstance(field, TextAreaField)
        if any(control_characters(v, multiline=multiline) for v in values):
            return [str(MULTI_LINE_CONTROL if multiline else SINGLE_LINE_CONTROL)]
        # Passwords are never shown, and may be made of anything printable.
        if not isinstance(field, PasswordField) and any(map(invisible_characters, values)):
            return [str(INVISIBLE)]
    if _is_date(field) and field.data is not None:
        day = field.data.date() if isinstance(field.data, datetime) else field.data
        if not EARLIEST_DATE <= day <= LATEST_DATE:
            return [str(DATE_RANGE)]
    return []


def _apply_input_rules(form: Form) -> bool:
    """Add the rules' errors to the form's fields; whether none was found. Sub-forms
    (``FormField``) check themselves; rows of a ``FieldList`` are checked here."""
    valid = True
    for field in form:
        for entry in field.entries if isinstance(field, FieldList) else (field,):
            errors = input_errors(entry)
            if errors:
                entry.errors = [*entry.errors, *errors]
                valid = False
    return valid


class _InputRulesMeta(DefaultMeta):
    """Date inputs tell the browser the accepted range too."""

    def render_field(self, field, render_kw):
        if _is_date(field):
            suffix = "T00:00" if isinstance(field, DateTimeField) else ""
            render_kw = {
                "min": EARLIEST_DATE.isoformat() + suffix,
                "max": LATEST_DATE.isoformat() + suffix.replace("00:00", "23:59"),
                **render_kw,
            }
        return super().render_field(field, render_kw)


class _InputRules:
    """Mixin of both base forms: the shared rules run after every field's own validators."""

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        return _apply_input_rules(self) and valid


class BaseForm(_InputRules, FlaskForm):
    """The base of every form of the application (CSRF, shared input rules)."""

    class Meta(_InputRulesMeta):
        pass


class SubForm(_InputRules, Form):
    """The base of a form inside another form (``FormField``): no CSRF token of its own,
    the same input rules and translated messages as :class:`BaseForm`."""

    class Meta(_InputRulesMeta):
        def get_translations(self, form):
            if not current_app.config.get("WTF_I18N_ENABLED", True):
                return super().get_translations(form)
            return flask_wtf_translations


class DocumentUpload:
    """Validator of a file field: the chosen file is a whole PDF, PNG or JPEG within the size
    limit the setting ``limit_setting`` names (:func:`fallteam.core.documents.inspect_document`:
    truncated, disguised, two-in-one and active files are refused). No file chosen passes
    (``FileRequired`` says when one is needed); an empty chosen file does not."""

    def __init__(self, limit_setting: str = "CONSENT_DOCUMENT_MAX_BYTES") -> None:
        self.limit_setting = limit_setting

    def __call__(self, form: Form, field: Field) -> None:
        upload = field.data
        if not isinstance(upload, FileStorage):
            return
        limit = current_app.config[self.limit_setting]
        content = upload.stream.read(limit + 1)  # one byte more tells "too big"
        upload.stream.seek(0)
        try:
            inspect_document(content, max_bytes=limit)
        except DocumentRefused as exc:
            raise StopValidation(str(exc)) from exc


class ActionForm(BaseForm):
    """A button that changes state (POST): carries only the CSRF token."""
