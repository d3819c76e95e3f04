"""Forms of the session pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from fallteam.core.forms import BaseForm, choices_from
from fallteam.meetings.models import (
    CHANGE_REASON_LABELS,
    METHOD_LABELS,
    PRESENCE_LABELS,
    TOPIC_KIND_LABELS,
    TOPIC_TEXT_MAX,
    TopicKind,
)

_REQUIRED = _l("Bitte ausfüllen.")

#: what the clock button does
CLOCK_ACTIONS = {"start": _l("Uhr starten"), "stop": _l("Uhr anhalten")}
#: attendance as sent by the buttons
PRESENCE = {"1": _l("anwesend"), "0": _l("abwesend")}


class OrderForm(BaseForm):
    """The agenda's new order: every item id once (the operation checks the set)."""

    # The choices are the item ids; the operation gives the German message for a wrong set.
    order = SelectMultipleField(validate_choice=False)


class AttendanceForm(BaseForm):
    """Present or absent: a team member, or a guest for their item (``item_id``)."""

    user_id = HiddenField(validators=[DataRequired(_REQUIRED)])
    present = SelectField(choices=choices_from(PRESENCE), validators=[InputRequired(_REQUIRED)])
    item_id = HiddenField(validators=[Optional()])


class ItemAttendanceForm(BaseForm):
    """A team member's attendance for one item: present, late, left early, absent, befangen."""

    user_id = HiddenField(validators=[DataRequired(_REQUIRED)])
    presence = SelectField(
        _l("Anwesenheit zu diesem Punkt"),
        choices=choices_from(PRESENCE_LABELS),
        validators=[InputRequired(_REQUIRED)],
    )
    submit = SubmitField(_l("Erfassen"))


class PledgeForm(BaseForm):
    """The confirmation of the Verschwiegenheitspflicht."""

    confirm = BooleanField(
        _l("Ich habe die Verpflichtung gelesen und bestätige sie."),
        validators=[DataRequired(_l("Bitte bestätigen Sie die Verschwiegenheitspflicht."))],
    )
    next = HiddenField()
    submit = SubmitField(_l("Bestätigen"))


class MethodForm(BaseForm):
    """The method, settled at the start of the presentation."""

    method = SelectField(
        _l("Methode"), choices=choices_from(METHOD_LABELS), validators=[InputRequired(_REQUIRED)]
    )
    submit = SubmitField(_l("Methode festlegen"))


class TopicForm(BaseForm):
    """A topic without a case: title, a short text, its kind, and whether it goes to the
    Regionalteam."""

    kind = SelectField(
        _l("Art"),
        choices=choices_from(TOPIC_KIND_LABELS),
        # without a choice sent, a topic (the operation checks the value again)
        default=TopicKind.TOPIC,
    )
    title = StringField(_l("Thema"), validators=[DataRequired(_REQUIRED), Length(max=200)])
    text = TextAreaField(
        _l("Kurzbeschreibung (ohne Falldaten, keine Namen)"),
        validators=[Optional(), Length(max=TOPIC_TEXT_MAX)],
    )
    for_regional_team = BooleanField(_l("für das Regionalteam"))
    submit = SubmitField(_l("Thema anmelden"))


class TopicEditForm(TopicForm):
    """Change a topic without a case (until the session begins)."""

    submit = SubmitField(_l("Änderungen speichern"))


#: the phase guide's buttons
PHASE_STEPS = {"next": _l("Nächste Phase"), "previous": _l("Vorige Phase")}


class PhaseForm(BaseForm):
    """Move an item to the next or the previous phase, from the phase shown as current."""

    shown = HiddenField(validators=[DataRequired(_REQUIRED)])
    direction = SelectField(choices=choices_from(PHASE_STEPS), validators=[InputRequired()])


class ClockForm(BaseForm):
    """Start or stop an item's clock."""

    action = SelectField(choices=choices_from(CLOCK_ACTIONS), validators=[InputRequired()])


class WriterForm(BaseForm):
    """Who writes the item's case protocol (empty: nobody yet)."""

    # Choices are the session's members without the presenter; the operation enforces the
    # rules with German messages, so a forged value gets one too.
    writer_id = SelectField(_l("Protokollführung (Fallprotokoll)"), validate_choice=False)
    submit = SubmitField(_l("Zuteilen"))


class CancelForm(BaseForm):
    """Cancel a session, with a reason."""

    reason = SelectField(
        _l("Grund der Absage"),
        choices=[SelectChoice("", _l("– bitte wählen –")), *choices_from(CHANGE_REASON_LABELS)],
        validators=[DataRequired(_REQUIRED)],
    )
    submit = SubmitField(_l("Sitzung absagen"))


class MoveForm(BaseForm):
    """Move a session to another day and time (Europe/Berlin), with a reason."""

    day = DateField(_l("Neues Datum"), validators=[DataRequired(_REQUIRED)])
    start_time = TimeField(_l("Beginn"), validators=[DataRequired(_REQUIRED)])
    reason = SelectField(
        _l("Grund der Verlegung"),
        choices=[SelectChoice("", _l("– bitte wählen –")), *choices_from(CHANGE_REASON_LABELS)],
        validators=[DataRequired(_REQUIRED)],
    )
    submit = SubmitField(_l("Sitzung verlegen"))
