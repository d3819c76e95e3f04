"""Forms of the team pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, IntegerField, SelectField, StringField, SubmitField, TimeField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from fallteam.core.forms import BaseForm, choices_from
from fallteam.teams.models import MEMBER_KIND_LABELS, RHYTHM_LABELS, WEEKDAYS

_REQUIRED = _l("Bitte ausfüllen.")


class TeamForm(BaseForm):
    """Name, place and rhythm of a Fallteam."""

    name = StringField(_l("Name"), validators=[DataRequired(_REQUIRED), Length(max=120)])
    region = StringField(_l("Region/Standort"), validators=[Optional(), Length(max=120)])
    rhythm = SelectField(_l("Rhythmus"), choices=choices_from(RHYTHM_LABELS))
    weekday = SelectField(
        _l("Wochentag"), choices=choices_from(dict(enumerate(WEEKDAYS))), default="2"
    )
    start_time = TimeField(_l("Beginn"), validators=[DataRequired(_REQUIRED)])
    duration_minutes = IntegerField(
        _l("Dauer (Minuten)"),
        default=180,
        validators=[NumberRange(30, 600, _l("30 bis 600 Minuten."))],
    )
    place = StringField(_l("Ort"), validators=[Optional(), Length(max=200)])
    registration_deadline_days = IntegerField(
        _l("Anmeldefrist (Tage vor der Sitzung)"),
        default=1,
        validators=[NumberRange(0, 14, _l("0 bis 14 Tage."))],
    )
    rhythm_anchor = DateField(
        _l("Erste Sitzung am oder nach"), validators=[DataRequired(_REQUIRED)]
    )
    submit = SubmitField(_l("Fallteam anlegen"))


class MemberForm(BaseForm):
    """Add a member."""

    user = SelectField(_l("Person"), validators=[DataRequired(_REQUIRED)])
    kind = SelectField(_l("Mitgliedschaft"), choices=choices_from(MEMBER_KIND_LABELS))
    until = DateField(_l("bis (nur zeitweilig)"), validators=[Optional()])
    submit = SubmitField(_l("Aufnehmen"))


class AbsenceForm(BaseForm):
    """Note an absence of a member."""

    user = SelectField(_l("Person"), validators=[DataRequired(_REQUIRED)])
    starts_on = DateField(_l("von"), validators=[DataRequired(_REQUIRED)])
    ends_on = DateField(_l("bis"), validators=[DataRequired(_REQUIRED)])
    submit = SubmitField(_l("Abwesenheit eintragen"))
