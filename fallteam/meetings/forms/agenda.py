"""Forms of the agenda: registering a case for a session, guests, documents, late items."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    EmailField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional

from fallteam.auth.institutions import institution_choices
from fallteam.core.forms import BaseForm, DocumentUpload, choices_from
from fallteam.meetings.models import ITEM_PURPOSE_LABELS, METHOD_LABELS
from fallteam.meetings.rules import MAX_ITEM_MINUTES

_REQUIRED = _l("Bitte ausfüllen.")
_MINUTES = _l("Bitte eine Dauer zwischen 5 und 180 Minuten angeben.")


class ItemForm(BaseForm):
    """What the presenter says about the TOP."""

    method = SelectField(_l("Methode"), choices=choices_from(METHOD_LABELS))
    purpose = SelectField(
        _l("Zweck der Vorstellung"),
        choices=choices_from(ITEM_PURPOSE_LABELS),
        default="fallberatung",
        description=_l(
            "Es zählen nur Schweigepflichtsentbindungen für diesen Zweck (bei § 8a auch "
            "solche für die Fallberatung)."
        ),
    )
    expected_minutes = IntegerField(
        _l("Erwartete Dauer (Minuten)"),
        default=30,
        validators=[DataRequired(_MINUTES), NumberRange(5, MAX_ITEM_MINUTES, _MINUTES)],
    )
    question = TextAreaField(
        _l("Fragestellung an das Fallteam"), validators=[Optional(), Length(max=2000)]
    )
    presentation = TextAreaField(
        _l("Falldarstellung (pseudonymisiert)"), validators=[Optional(), Length(max=10000)]
    )
    health_note = TextAreaField(
        _l("Gesundheit"),
        validators=[Optional(), Length(max=4000)],
        description=_l(
            "Nur sichtbar, wem eine Schweigepflichtsentbindung „Gesundheit“ für "
            "diese Person freigibt."
        ),
    )
    health_member = SelectField(_l("betrifft"), choices=[], validate_choice=False)
    school_note = TextAreaField(
        _l("Schule/Kita"),
        validators=[Optional(), Length(max=4000)],
        description=_l(
            "Nur sichtbar, wem eine Schweigepflichtsentbindung „Schule/Kita“ für "
            "diese Person freigibt."
        ),
    )
    school_member = SelectField(_l("betrifft"), choices=[], validate_choice=False)
    finances_note = TextAreaField(
        _l("Finanzen/Leistungsbezug"),
        validators=[Optional(), Length(max=4000)],
        description=_l(
            "Nur sichtbar, wem eine Schweigepflichtsentbindung "
            "„Finanzen/Leistungsbezug“ für diese Person freigibt."
        ),
    )
    finances_member = SelectField(_l("betrifft"), choices=[], validate_choice=False)
    include_genogram = BooleanField(_l("Genogramm des Falls zeigen"), default=True)
    include_resource_map = BooleanField(_l("Ressourcenkarte des Falls zeigen"), default=True)
    pseudonymised_confirmed = BooleanField(
        _l(
            "Ich bestätige: Gästen, die von keiner Schweigepflichtsentbindung erfasst sind, stelle "
            "ich "
            "den Fall nur pseudonymisiert vor (SGB VIII § 64 Abs. 2a, § 65)."
        )
    )
    submit = SubmitField(_l("Speichern"))


class RegistrationForm(ItemForm):
    """Register one's own case for a session."""

    meeting = SelectField(
        _l("Sitzung"), validators=[DataRequired(_l("Bitte eine Sitzung wählen."))]
    )
    submit = SubmitField(_l("Fall anmelden"))


class LateItemForm(BaseForm):
    """The moderator adds a case after the deadline (the presenter completes it)."""

    pseudonym = StringField(
        _l("Pseudonym des Falls"),
        validators=[DataRequired(_REQUIRED), Length(max=20)],
        description=_l("z. B. FT-2026-0042; die fallführende Fachkraft nennt es Ihnen."),
    )
    method = SelectField(_l("Methode"), choices=choices_from(METHOD_LABELS))
    expected_minutes = IntegerField(
        _l("Erwartete Dauer (Minuten)"),
        default=30,
        validators=[DataRequired(_MINUTES), NumberRange(5, MAX_ITEM_MINUTES, _MINUTES)],
    )
    reason = StringField(
        _l("Grund der Nachmeldung"), validators=[DataRequired(_REQUIRED), Length(max=500)]
    )
    submit = SubmitField(_l("Fall nachmelden"))


class GuestForm(BaseForm):
    """Invite a person with an account to one item."""

    user = SelectField(_l("Person"), validators=[DataRequired(_l("Bitte eine Person wählen."))])
    submit = SubmitField(_l("Einladen"))


class OutsideGuestForm(BaseForm):
    """Invite an outside person: they get a guest account for this item."""

    name = StringField(_l("Name"), validators=[DataRequired(_REQUIRED), Length(max=200)])
    institution = SelectField(
        _l("Institution"), validators=[DataRequired(_l("Bitte eine Institution wählen."))]
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.institution.choices = [("", _l("– bitte wählen –"))] + institution_choices()

    email = EmailField(
        _l("E-Mail"),
        validators=[
            DataRequired(_REQUIRED),
            Email(_l("Bitte eine gültige E-Mail-Adresse angeben.")),
            Length(max=254),
        ],
    )
    submit = SubmitField(_l("Gastzugang anlegen und einladen"))


class DocumentForm(BaseForm):
    """Attach a further document (PDF or image)."""

    document = FileField(
        _l("Weitere Unterlage (PDF, PNG, JPEG)"),
        validators=[FileRequired(_l("Bitte eine Datei wählen.")), DocumentUpload()],
    )
    submit = SubmitField(_l("Hochladen"))
