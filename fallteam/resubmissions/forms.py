"""Forms of the Wiedervorlage: set one, record its outcome (closed or renewed)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from fallteam.core.forms import BaseForm
from fallteam.resubmissions.operations import MAX_TEXT

_REQUIRED = _l("Bitte ausfüllen.")


class SetResubmissionForm(BaseForm):
    """Team, due day, what to look at, who is responsible."""

    team = SelectField(_l("Fallteam"), validators=[DataRequired(_REQUIRED)])
    due = DateField(
        _l("Fällig am"), validators=[DataRequired(_l("Bitte ein gültiges Datum angeben."))]
    )
    topic = TextAreaField(
        _l("Was soll betrachtet werden?"),
        validators=[DataRequired(_REQUIRED), Length(max=MAX_TEXT)],
    )
    responsible = SelectField(_l("Verantwortlich"), validators=[DataRequired(_REQUIRED)])
    submit = SubmitField(_l("Wiedervorlage setzen"))


class OutcomeForm(BaseForm):
    """How it was dealt with; closed, or renewed with a new due day."""

    outcome = TextAreaField(
        _l("Ergebnis"), validators=[DataRequired(_REQUIRED), Length(max=MAX_TEXT)]
    )
    new_due = DateField(_l("Neues Datum (nur zum Erneuern)"), validators=[Optional()])
    close = SubmitField(_l("Erledigt"))
    renew = SubmitField(_l("Erneuern"))


class AgreeInProtocolForm(BaseForm):
    """Agreed in the Fallprotokoll: due day, what to look at, who is responsible."""

    due = DateField(
        _l("Fällig am"), validators=[DataRequired(_l("Bitte ein gültiges Datum angeben."))]
    )
    topic = TextAreaField(
        _l("Was soll betrachtet werden?"),
        validators=[DataRequired(_REQUIRED), Length(max=MAX_TEXT)],
    )
    responsible = SelectField(_l("Verantwortlich"), validators=[DataRequired(_REQUIRED)])
    submit = SubmitField(_l("Wiedervorlage vereinbaren"))
