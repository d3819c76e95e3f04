"""Pure rules of the Sitzung domain: the session day, the registration deadline, the
rhythm's days, how long a guest sees their item, how the office writes a moment.

Imports only the standard library, models and core: operations, queries, forms, access and
mail use them.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta

from fallteam.core.i18n import office_zone
from fallteam.core.models import utcnow
from fallteam.meetings.models import AgendaGuest, AgendaItem, Meeting, MeetingStatus
from fallteam.teams.models import WEEKDAYS, Rhythm, Team

#: the longest a single item may be planned for
MAX_ITEM_MINUTES = 180

__all__ = [
    "MAX_ITEM_MINUTES",
    "before_meeting_day",
    "day_start",
    "local_day",
    "guest_window_open",
    "local_text",
    "office_zone",
    "registration_deadline",
    "meeting_day",
    "meeting_day_end",
    "meeting_day_start",
    "meeting_days",
]


def meeting_day(meeting: Meeting) -> date:
    """The session's calendar day in the office's time zone."""
    return meeting.starts_dt.astimezone(office_zone()).date()


def day_start(day: date) -> datetime:
    """Midnight of ``day`` in the office's time zone (as UTC)."""
    return datetime.combine(day, time(0, 0), tzinfo=office_zone()).astimezone(UTC)


def local_day(moment: datetime) -> date:
    """The office's calendar day of a moment."""
    return moment.astimezone(office_zone()).date()


def meeting_day_start(meeting: Meeting) -> datetime:
    """The start of the session's day in the office's time zone (as UTC)."""
    return day_start(meeting_day(meeting))


def meeting_day_end(meeting: Meeting) -> datetime:
    """The end of the session's day in the office's time zone (as UTC): guests see their item
    until then."""
    return day_start(meeting_day(meeting) + timedelta(days=1))


def registration_deadline(meeting: Meeting, team: Team) -> datetime:
    """When registration for the session closes: the team's number of days before the start,
    at the same wall-clock time in the office's time zone (so a daylight saving change in
    between moves it by no hour)."""
    zone = office_zone()
    local = meeting.starts_dt.astimezone(zone)
    day = local.date() - timedelta(days=team.registration_deadline_days)
    return datetime.combine(day, local.timetz().replace(tzinfo=None), tzinfo=zone).astimezone(UTC)


def meeting_days(team: Team, start: date, until: date) -> Iterator[date]:
    """The team's session days from ``start`` to ``until`` (inclusive), by its rhythm."""
    step = 14 if team.rhythm == Rhythm.FORTNIGHTLY else 7
    first = team.rhythm_anchor + timedelta(days=(team.weekday - team.rhythm_anchor.weekday()) % 7)
    if first < start:
        first += timedelta(days=((start - first).days + step - 1) // step * step)
    day = first
    while day <= until:
        yield day
        day += timedelta(days=step)


def before_meeting_day(meeting: Meeting, at: datetime | None = None) -> bool:
    """Whether the session's day has not begun yet (it is run only on its day)."""
    return (at or utcnow()) < meeting_day_start(meeting)


def method_open(item: AgendaItem, meeting: Meeting, at: datetime | None = None) -> bool:
    """Whether the item's method can still be settled: on the session day, before the item's
    clock has counted any time (it is settled at the start of the presentation)."""
    at = at or utcnow()
    return (
        meeting.status == MeetingStatus.PLANNED
        and not before_meeting_day(meeting, at)
        and at < meeting_day_end(meeting)
        and item.elapsed_seconds == 0
    )


def guest_window_open(guest: AgendaGuest, meeting: Meeting, at: datetime | None = None) -> bool:
    """A guest sees their item from the invitation until the end of the session day."""
    at = at or utcnow()
    return guest.invited_dt is not None and guest.invited_dt <= at < meeting_day_end(meeting)


def local_text(moment: datetime) -> str:
    """A moment as the office reads it, for messages written outside a request:
    "Sonntag, 28.03.2027, 09:00"."""
    local = moment.astimezone(office_zone())
    return f"{WEEKDAYS[local.weekday()]}, {local:%d.%m.%Y, %H:%M}"
