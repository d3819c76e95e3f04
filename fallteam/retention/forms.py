"""Forms of the retention pages: restriction, the reason before reading a restricted case,
the DPO's decisions on deletion proposals (CSRF by Flask-WTF)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from fallteam.core.forms import BaseForm, choices_from
from fallteam.retention.rules import READ_REASON_LABELS, RESTRICTION_REASON_LABELS

_REQUIRED = _l("Bitte ausfüllen.")


class RestrictionForm(BaseForm):
    """Restrict instead of delete: the ground from the legal list."""

    reason = SelectField(
        _l("Grund der Sperrung"),
        choices=choices_from(RESTRICTION_REASON_LABELS),
        validators=[DataRequired(_REQUIRED)],
    )
    submit = SubmitField(_l("Sperrung beantragen"))


class ReadReasonForm(BaseForm):
    """Why the owner opens the restricted case now (recorded with the read)."""

    reason = SelectField(
        _l("Grund des Zugriffs"),
        choices=choices_from(READ_REASON_LABELS),
        validators=[DataRequired(_REQUIRED)],
    )
    submit = SubmitField(_l("Fall öffnen"))


class RejectProposalForm(BaseForm):
    """The DPO rejects a deletion proposal: why, and until when the case is kept."""

    reason = TextAreaField(
        _l("Grund der Ablehnung (ohne Falldaten)"),
        validators=[DataRequired(_REQUIRED), Length(max=500)],
    )
    keep_until = DateField(_l("Aufbewahren bis (optional)"), validators=[Optional()])
    submit = SubmitField(_l("Löschung ablehnen"))
