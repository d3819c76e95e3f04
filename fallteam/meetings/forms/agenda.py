"""Forms of the agenda: registering a case for a session, guests, documents, late items."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
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

from fallteam.auth.models import INSTITUTIONS
from fallteam.core.forms import choices_from
from fallteam.meetings.models import METHOD_LABELS
from fallteam.meetings.rules import MAX_ITEM_MINUTES

_REQUIRED = _l("Bitte ausfüllen.")
_MINUTES = _l("Bitte eine Dauer zwischen 5 und 180 Minuten angeben.")


class ItemForm(FlaskForm):
    """What the presenter says about the TOP."""

    method = SelectField(_l("Methode"), choices=choices_from(METHOD_LABELS))
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
    include_genogram = BooleanField(_l("Genogramm des Falls zeigen"), default=True)
    include_resource_map = BooleanField(_l("Ressourcenkarte des Falls zeigen"), default=True)
    pseudonymised_confirmed = BooleanField(
        _l(
            "Ich bestätige: Gästen, die keine Schweigepflichtsentbindung erfasst, stelle ich "
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


class LateItemForm(FlaskForm):
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


class GuestForm(FlaskForm):
    """Invite a person with an account to one item."""

    user = SelectField(_l("Person"), validators=[DataRequired(_l("Bitte eine Person wählen."))])
    submit = SubmitField(_l("Einladen"))


class OutsideGuestForm(FlaskForm):
    """Invite an outside person: they get a guest account for this item."""

    name = StringField(_l("Name"), validators=[DataRequired(_REQUIRED), Length(max=200)])
    institution = SelectField(_l("Institution"), choices=choices_from(INSTITUTIONS))
    email = EmailField(
        _l("E-Mail"),
        validators=[
            DataRequired(_REQUIRED),
            Email(_l("Bitte eine gültige E-Mail-Adresse angeben.")),
            Length(max=254),
        ],
    )
    submit = SubmitField(_l("Gastzugang anlegen und einladen"))


class DocumentForm(FlaskForm):
    """Attach a further document (PDF or image)."""

    document = FileField(
        _l("Weitere Unterlage (PDF, PNG, JPEG)"),
        validators=[FileRequired(_l("Bitte eine Datei wählen."))],
    )
    submit = SubmitField(_l("Hochladen"))
