"""Sessions: generated from the team's rhythm, moderated in rotation, moved or cancelled."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select

from fallteam.audit.models import AuditAction
from fallteam.audit.operations import record
from fallteam.auth.models import User
from fallteam.extensions import db
from fallteam.meetings.models import Meeting, MeetingStatus
from fallteam.teams import rotation
from fallteam.teams.models import Rhythm, Team, TeamMember
from fallteam.teams.operations import absences_of, permanent_members


class MeetingError(ValueError):
    """A change the rules do not allow; the message is for the user."""


def office_zone() -> ZoneInfo:
    """The office's time zone (Europe/Berlin): sessions keep their wall-clock time across
    daylight saving changes."""
    return ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])


def session_day_end(meeting: Meeting) -> datetime:
    """The end of the session's day in the office's time zone (as UTC): guests see their item
    until then."""
    zone = office_zone()
    day = meeting.starts_dt.astimezone(zone).date()
    return datetime.combine(day + timedelta(days=1), time(0, 0), tzinfo=zone).astimezone(UTC)


def registration_deadline(meeting: Meeting, team: Team) -> datetime:
    """When registration for the session closes: the team's number of days before the start,
    at the same wall-clock time in the office's time zone (so a daylight saving change in
    between moves it by no hour)."""
    zone = office_zone()
    local = meeting.starts_dt.astimezone(zone)
    day = local.date() - timedelta(days=team.registration_deadline_days)
    return datetime.combine(day, local.timetz().replace(tzinfo=None), tzinfo=zone).astimezone(UTC)


def session_days(team: Team, start: date, until: date) -> Iterator[date]:
    """The team's session days from ``start`` to ``until`` (inclusive), by its rhythm."""
    step = 14 if team.rhythm == Rhythm.FORTNIGHTLY else 7
    first = team.rhythm_anchor + timedelta(days=(team.weekday - team.rhythm_anchor.weekday()) % 7)
    if first < start:
        first += timedelta(days=((start - first).days + step - 1) // step * step)
    day = first
    while day <= until:
        yield day
        day += timedelta(days=step)


def _start_of(team: Team, day: date) -> datetime:
    local = datetime.combine(day, team.start_time, tzinfo=office_zone())
    return local.astimezone(UTC)


def generate_meetings(team: Team, *, start: date, until: date) -> list[Meeting]:
    """Create the sessions the rhythm gives between ``start`` and ``until`` that do not exist
    yet (a second run adds nothing)."""
    zone = office_zone()
    existing = {
        m.starts_dt.astimezone(zone).date()
        for m in db.session.scalars(select(Meeting).where(Meeting.team_id == team.id))
    }
    created = []
    for day in session_days(team, start, until):
        if day in existing:
            continue
        starts = _start_of(team, day)
        meeting = Meeting(
            team_id=team.id,
            starts_dt=starts,
            place=team.place,
            ends_dt=starts + timedelta(minutes=team.duration_minutes),
        )
        db.session.add(meeting)
        created.append(meeting)
    db.session.flush()
    if created:
        record(AuditAction.CREATE, team, details={"meetings_created": len(created)})
    return created


def upcoming_meetings(team: Team, *, after: datetime) -> list[Meeting]:
    """Planned sessions of the team after ``after``, in order."""
    return list(
        db.session.scalars(
            select(Meeting)
            .where(
                Meeting.team_id == team.id,
                Meeting.starts_dt > after,
                Meeting.status == MeetingStatus.PLANNED,
            )
            .order_by(Meeting.starts_dt)
        )
    )


def _moderation_inputs(team: Team, meetings: list[Meeting], now: datetime):
    zone = office_zone()
    slots = [rotation.Slot(str(m.id), m.starts_dt.astimezone(zone).date()) for m in meetings]
    members = permanent_members(team, now.date())
    absences = absences_of([m.user_id for m in members])
    names = {
        u.id: u.display_name
        for u in db.session.scalars(select(User).where(User.id.in_([m.user_id for m in members])))
    }
    candidates = [
        rotation.Candidate(str(m.user_id), tuple(absences[m.user_id]), name=names.get(m.user_id))
        for m in members
    ]
    past = db.session.scalars(
        select(Meeting)
        .where(
            Meeting.team_id == team.id,
            Meeting.starts_dt <= now,
            Meeting.status == MeetingStatus.PLANNED,
            Meeting.moderator_id.is_not(None),
        )
        .order_by(Meeting.starts_dt)
    ).all()
    prior: dict[str, int] = {}
    for m in past:
        prior[str(m.moderator_id)] = prior.get(str(m.moderator_id), 0) + 1
    previous = str(past[-1].moderator_id) if past else None
    return slots, candidates, previous, prior


def plan_moderation(team: Team, *, now: datetime) -> list[rotation.PlanProblem]:
    """Propose moderators for the upcoming sessions not yet published; returns the rules
    the plan could not meet (with German explanations)."""
    meetings = [m for m in upcoming_meetings(team, after=now) if not m.moderation_published]
    published = [m for m in upcoming_meetings(team, after=now) if m.moderation_published]
    slots, candidates, previous, prior = _moderation_inputs(team, meetings, now)
    if published:
        previous = str(published[-1].moderator_id) if published[-1].moderator_id else previous
        for m in published:
            if m.moderator_id:
                prior[str(m.moderator_id)] = prior.get(str(m.moderator_id), 0) + 1
    plan = rotation.propose_moderation(slots, candidates, previous=previous, prior_counts=prior)
    by_id = {str(m.id): m for m in meetings}
    for key, moderator in plan.assignment.items():
        by_id[key].moderator_id = _uuid(moderator)
    db.session.flush()
    record(
        AuditAction.UPDATE,
        team,
        purpose="Moderationsplan vorgeschlagen",
        details={"meetings": len(meetings), "problems": len(plan.problems)},
    )
    return plan.problems


def publish_moderation(team: Team, *, now: datetime) -> int:
    """Publish the planned moderators of the upcoming sessions to the team."""
    meetings = [
        m
        for m in upcoming_meetings(team, after=now)
        if m.moderator_id and not m.moderation_published
    ]
    for m in meetings:
        m.moderation_published = True
    db.session.flush()
    record(
        AuditAction.UPDATE,
        team,
        purpose="Moderationsplan veröffentlicht",
        details={"meetings": len(meetings)},
    )
    return len(meetings)


def swap_moderators(first: Meeting, second: Meeting) -> None:
    """Two sessions exchange their moderators: one action, one audit event."""
    if first.team_id != second.team_id or first.id == second.id:
        raise MeetingError("Getauscht wird zwischen zwei Sitzungen desselben Fallteams.")
    first.moderator_id, second.moderator_id = second.moderator_id, first.moderator_id
    db.session.flush()
    record(
        AuditAction.UPDATE, first, purpose="Moderation getauscht", details={"with": str(second.id)}
    )


def cancel_meeting(meeting: Meeting, *, reason: str) -> None:
    """Cancel a session, with a reason."""
    if not reason.strip():
        raise MeetingError("Bitte einen Grund für die Absage angeben.")
    meeting.status = MeetingStatus.CANCELLED
    meeting.change_reason = reason.strip()
    db.session.flush()
    record(AuditAction.UPDATE, meeting, purpose="Sitzung abgesagt")


def move_meeting(meeting: Meeting, *, starts: datetime, reason: str) -> None:
    """Move a session to another time, keeping its length."""
    if not reason.strip():
        raise MeetingError("Bitte einen Grund für die Verlegung angeben.")
    length = meeting.ends_dt - meeting.starts_dt
    meeting.starts_dt, meeting.ends_dt = starts, starts + length
    meeting.change_reason = reason.strip()
    db.session.flush()
    record(AuditAction.UPDATE, meeting, purpose="Sitzung verlegt")


def _uuid(value: str | None) -> uuid.UUID | None:
    return uuid.UUID(value) if value else None


def next_meetings_of(user_id: uuid.UUID, *, after: datetime, limit: int = 5) -> list[Meeting]:
    """The next planned sessions of the teams ``user_id`` belongs to."""
    return list(
        db.session.scalars(
            select(Meeting)
            .join(TeamMember, TeamMember.team_id == Meeting.team_id)
            .where(
                TeamMember.user_id == user_id,
                Meeting.starts_dt > after,
                Meeting.status == MeetingStatus.PLANNED,
            )
            .order_by(Meeting.starts_dt)
            .limit(limit)
        )
    )
