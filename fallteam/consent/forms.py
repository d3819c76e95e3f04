"""Forms for Schweigepflichtsentbindungen."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (
    DateField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
    widgets,
)
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from fallteam.cases.forms import not_in_future
from fallteam.consent.models import (
    CAPACITY_LABELS,
    CATEGORY_LABELS,
    FORM_LABELS,
    PURPOSE_LABELS,
)
from fallteam.consent.rules import PARTICIPANT_KINDS
from fallteam.core.forms import BaseForm, DocumentUpload, choices_from

_REQUIRED = _l("Bitte ausfüllen.")


class CheckboxesField(SelectMultipleField):
    """Several choices as checkboxes (works without JavaScript)."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class ConsentForm(BaseForm):
    """Who released whom to whom, for which purpose and data, from when until when."""

    grantor = SelectField(
        _l("Erteilt von (Person der Familie)"), validators=[DataRequired(_REQUIRED)]
    )
    grantor_capacity = SelectField(
        _l("in der Eigenschaft als"), choices=choices_from(CAPACITY_LABELS)
    )
    custody_for = CheckboxesField(
        _l("sorgeberechtigt für … (die Schweigepflichtsentbindung gilt auch für diese Kinder)"),
        choices=[],
    )
    recipient_users = CheckboxesField(_l("Namentlich benannte Personen"), choices=[])
    recipient_institutions = CheckboxesField(_l("Institutionen"), choices=[])
    recipient_kinds = CheckboxesField(
        _l("Teilnehmendengruppen"), choices=choices_from(PARTICIPANT_KINDS)
    )
    purposes = CheckboxesField(
        _l("Zweck"),
        choices=choices_from(PURPOSE_LABELS),
        validators=[DataRequired(_l("Bitte mindestens einen Zweck wählen."))],
    )
    data_categories = CheckboxesField(
        _l("Freigegebene Daten"),
        choices=choices_from(CATEGORY_LABELS),
        validators=[DataRequired(_l("Bitte mindestens eine Datenkategorie wählen."))],
    )
    valid_from = DateField(
        _l("Gültig ab"), validators=[DataRequired(_REQUIRED)], default=date.today
    )
    valid_until = DateField(_l("Gültig bis (leer: bis auf Widerruf)"), validators=[Optional()])
    form = RadioField(_l("Form"), choices=choices_from(FORM_LABELS), default="schriftlich")
    witness = StringField(
        _l("Zeugin/Zeuge (bei mündlicher Erklärung)"), validators=[Optional(), Length(max=200)]
    )
    document = FileField(
        _l("Unterschriebenes Dokument (PDF, PNG oder JPEG, höchstens 10 MB)"),
        validators=[DocumentUpload()],
    )
    submit = SubmitField(_l("Schweigepflichtsentbindung speichern"))

    def validate_valid_until(self, field) -> None:
        if field.data and self.valid_from.data and field.data < self.valid_from.data:
            raise ValidationError(_l("Das Ende der Gültigkeit liegt vor ihrem Beginn."))

    def recipients(self) -> list[dict]:
        """The chosen recipients in the stored form."""
        return (
            [{"type": "user", "value": v} for v in self.recipient_users.data]
            + [{"type": "institution", "value": v} for v in self.recipient_institutions.data]
            + [{"type": "participant_kind", "value": v} for v in self.recipient_kinds.data]
        )

    def validate_recipient_kinds(self, field) -> None:
        if not (self.recipient_users.data or self.recipient_institutions.data or field.data):
            raise ValidationError(
                _l("Bitte mindestens eine Empfängerin oder einen Empfänger angeben.")
            )


class RevokeForm(BaseForm):
    """A Widerruf: effective immediately."""

    revoked_on = DateField(
        _l("Widerruf erklärt am"),
        validators=[DataRequired(_REQUIRED), not_in_future],
        default=date.today,
    )
    received_by = SelectField(_l("Entgegengenommen von"), validators=[DataRequired(_REQUIRED)])
    note = TextAreaField(_l("Anmerkung"), validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("Widerruf erfassen"))
