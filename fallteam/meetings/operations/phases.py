"""The phase guide: the moderator, as "Wächter des Verfahrens", moves an item to the next or
the previous phase of its method, so that the run view follows the real course."""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _

from fallteam.audit.models import AuditAction
from fallteam.audit.operations import record
from fallteam.extensions import db
from fallteam.meetings.models import AgendaItem, Meeting, MeetingStatus
from fallteam.meetings.operations import MeetingError
from fallteam.meetings.queries.meeting import clock_seconds
from fallteam.meetings.rules import before_meeting_day, local_day, neighbour_phase, phases_of


def move_phase(meeting: Meeting, item: AgendaItem, *, shown: str, step: int, now: datetime) -> str:
    """Move the item from the phase the moderator sees as current (``shown``) to the next
    (``step`` 1) or the previous one (-1); returns the phase it is in now. The phase is kept
    on the item with the clock reading at which it began (and audited). Sending the same move
    twice (a double click) moves once."""
    if meeting.status == MeetingStatus.CANCELLED:
        raise MeetingError(_("Die Sitzung ist abgesagt und kann nicht durchgeführt werden."))
    if item.meeting_id != meeting.id:
        raise MeetingError(_("Dieser Tagesordnungspunkt gehört nicht zu dieser Sitzung."))
    if before_meeting_day(meeting, now):
        raise MeetingError(
            _(
                "Die Sitzung wird erst am Sitzungstag (%(day)s) durchgeführt.",
                day=local_day(meeting.starts_dt).strftime("%d.%m.%Y"),
            )
        )
    if step not in (1, -1) or shown not in {phase.key for phase in phases_of(item.method)}:
        raise MeetingError(
            _("Diese Phase gehört nicht zur Methode dieses Punktes; bitte laden Sie die Seite neu.")
        )
    target = neighbour_phase(item.method, shown, step)
    if target is None:
        raise MeetingError(
            _("Das ist bereits die letzte Phase.")
            if step == 1
            else _("Das ist bereits die erste Phase.")
        )
    if item.current_phase == target:
        return target
    previous = item.current_phase
    item.current_phase = target
    item.phase_started_seconds = clock_seconds(item, now)
    db.session.flush()
    record(
        AuditAction.UPDATE,
        item,
        purpose="Phase gewechselt",
        details={
            "from": previous or shown,
            "to": target,
            "clock_seconds": item.phase_started_seconds,
        },
    )
    return target
