"""iCalendar (RFC 5545) for invitations and the private calendar feed.

An event says when and where a team meets and how many agenda items it has — nothing else.
No pseudonym, name, question or method of a case ever reaches a calendar: calendars are synced
to phones and mail servers far outside the office's protection.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta

from flask import current_app
from icalendar import Calendar, Event, vCalAddress
from sqlalchemy import func, select

from fallteam.auth.models import User
from fallteam.core.i18n import office_zone
from fallteam.core.models import utcnow
from fallteam.extensions import db
from fallteam.meetings.models import AgendaItem, Meeting, MeetingStatus
from fallteam.teams.models import Team

PRODID = "-//Fallteam//Fallteam Einladungen//DE"

#: how far around the events the generated VTIMEZONE describes the zone's offsets
_ZONE_MARGIN = timedelta(days=366)


class Method(enum.StrEnum):
    """The iTIP method (RFC 5546): a new or changed session, or a cancelled one."""

    REQUEST = "REQUEST"
    CANCEL = "CANCEL"
    PUBLISH = "PUBLISH"


def event_uid(meeting: Meeting) -> str:
    """The session's UID: the same for invitation, update and cancellation, so calendars
    replace their entry instead of adding a second one."""
    return f"fallteam-sitzung-{meeting.id}@fallteam"


def team_title(team: Team) -> str:
    """ "Fallteam <name>", without doubling a name that already says "Fallteam"."""
    if team.name.casefold().startswith("fallteam"):
        return team.name
    return f"Fallteam {team.name}"


def item_counts(meetings: Iterable[Meeting]) -> dict:
    """Number of agenda items per session id, counted without loading (and so without
    decrypting) a single item."""
    ids = [m.id for m in meetings]
    if not ids:
        return {}
    rows = db.session.execute(
        select(AgendaItem.meeting_id, func.count())
        .where(AgendaItem.meeting_id.in_(ids))
        .group_by(AgendaItem.meeting_id)
    )
    return dict(rows.all())


def items_text(count: int) -> str:
    """The whole description of an event: how many agenda items there are."""
    if count == 1:
        return "1 Tagesordnungspunkt"
    return f"{count} Tagesordnungspunkte"


def _address(address: str, name: str | None = None, **params: str) -> vCalAddress:
    value = vCalAddress(f"mailto:{address}")
    if name:
        value.params["CN"] = name
    for key, param in params.items():
        value.params[key.replace("_", "-").upper()] = param
    return value


def _event(meeting: Meeting, team: Team, count: int, *, cancelled: bool, stamp: datetime) -> Event:
    zone = office_zone()
    event = Event()
    event.add("uid", event_uid(meeting))
    event.add("dtstamp", stamp)
    event.add("sequence", meeting.calendar_sequence)
    # Local wall-clock times with their zone: calendars show 9:00 even across a DST change.
    event.add("dtstart", meeting.starts_dt.astimezone(zone))
    event.add("dtend", meeting.ends_dt.astimezone(zone))
    event.add("summary", team_title(team))
    if meeting.place:
        event.add("location", meeting.place)
    event.add("description", items_text(count))
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("transp", "TRANSPARENT" if cancelled else "OPAQUE")
    return event


def _calendar(method: Method | None, events: list[Event], name: str | None = None) -> str:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    if method is not None:
        calendar.add("method", str(method))
    if name:
        calendar.add("x-wr-calname", name)
        calendar.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
        calendar.add("x-published-ttl", timedelta(hours=1))
    for event in events:
        calendar.add_component(event)
    if events:
        starts = [e.start.date() for e in events]
        calendar.add_missing_timezones(
            first_date=min(starts) - _ZONE_MARGIN, last_date=max(starts) + _ZONE_MARGIN
        )
    return calendar.to_ical().decode("utf-8")


def meeting_event_calendar(meeting: Meeting, *, method: Method | str, recipient: User | str) -> str:
    """The iTIP message for one recipient: METHOD REQUEST (invitation or update) or CANCEL,
    one VEVENT with the session's stable UID and current SEQUENCE."""
    method = Method(method)
    team = db.session.get(Team, meeting.team_id)
    cancelled = method == Method.CANCEL or meeting.status == MeetingStatus.CANCELLED
    count = item_counts([meeting]).get(meeting.id, 0)
    event = _event(meeting, team, count, cancelled=cancelled, stamp=utcnow())
    sender = current_app.config["MAIL_DEFAULT_SENDER"]
    event.add("organizer", _address(sender, "Fallteam"))
    if isinstance(recipient, User):
        attendee = _address(
            recipient.email,
            recipient.display_name,
            role="REQ-PARTICIPANT",
            partstat="NEEDS-ACTION",
            rsvp="FALSE",
        )
    else:
        attendee = _address(recipient, role="REQ-PARTICIPANT", rsvp="FALSE")
    event.add("attendee", attendee)
    return _calendar(method, [event])


def feed_calendar(user: User, meetings: Iterable[Meeting]) -> str:
    """The private feed of ``user``'s sessions (METHOD PUBLISH, no attendees)."""
    meetings = list(meetings)
    counts = item_counts(meetings)
    teams: Mapping = {}
    if meetings:
        team_ids = {m.team_id for m in meetings}
        teams = {t.id: t for t in db.session.scalars(select(Team).where(Team.id.in_(team_ids)))}
    stamp = utcnow()
    events = [
        _event(
            m,
            teams[m.team_id],
            counts.get(m.id, 0),
            cancelled=m.status == MeetingStatus.CANCELLED,
            stamp=stamp,
        )
        for m in meetings
    ]
    # The name tells apart the feeds of several people in one calendar application.
    return _calendar(Method.PUBLISH, events, name=f"Fallteam – {user.display_name}")
