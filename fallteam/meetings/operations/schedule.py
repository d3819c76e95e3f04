"""Sessions: generated from the team's rhythm, moderated in rotation, moved or cancelled."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select

from fallteam.audit.models import AuditAction
from fallteam.audit.operations import record
from fallteam.auth.models import User
from fallteam.core.models import utcnow
from fallteam.extensions import db
from fallteam.mail import invitations as mail
from fallteam.meetings.models import (
    AgendaItem,
    ChangeReason,
    Meeting,
    MeetingStatus,
)
from fallteam.meetings.operations import MeetingError, invitations, windows
from fallteam.meetings.queries.agenda import items_of
from fallteam.meetings.rules import meeting_day, meeting_day_end, meeting_days, office_zone
from fallteam.protocols.models import ProtocolStatus, TeamProtocol
from fallteam.teams import rotation
from fallteam.teams.models import Team
from fallteam.teams.operations import absences_of, permanent_members
from fallteam.teams.queries import upcoming_meetings


def _start_of(team: Team, day: date) -> datetime:
    local = datetime.combine(day, team.start_time, tzinfo=office_zone())
    return local.astimezone(UTC)


def generate_meetings(team: Team, *, start: date, until: date) -> list[Meeting]:
    """Create the sessions the rhythm gives between ``start`` and ``until`` that do not exist
    yet (a second run adds nothing)."""
    existing = {
        meeting_day(m)
        for m in db.session.scalars(select(Meeting).where(Meeting.team_id == team.id))
    }
    created = []
    for day in meeting_days(team, start, until):
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


def _moderation_inputs(team: Team, meetings: list[Meeting], now: datetime):
    slots = [rotation.Slot(str(m.id), meeting_day(m)) for m in meetings]
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
    mail.notify_plan_published(team, meetings)
    return len(meetings)


def swap_moderators(first: Meeting, second: Meeting) -> None:
    """Two sessions exchange their moderators: one action, one audit event."""
    if first.team_id != second.team_id or first.id == second.id:
        raise MeetingError(_("Getauscht wird zwischen zwei Sitzungen desselben Fallteams."))
    first.moderator_id, second.moderator_id = second.moderator_id, first.moderator_id
    db.session.flush()
    record(
        AuditAction.UPDATE, first, purpose="Moderation getauscht", details={"with": str(second.id)}
    )


def _uuid(value: str | None) -> uuid.UUID | None:
    return uuid.UUID(value) if value else None


# --- cancelled and moved sessions -----------------------------------------------------------


def next_meeting_after(meeting: Meeting) -> Meeting | None:
    """The team's next planned session after ``meeting`` that is not sealed with its
    Teamprotokoll (nothing moves into a sealed record)."""
    sealed = select(TeamProtocol.id).where(
        TeamProtocol.meeting_id == Meeting.id, TeamProtocol.status == ProtocolStatus.FINALISED
    )
    return db.session.scalar(
        select(Meeting)
        .where(
            Meeting.team_id == meeting.team_id,
            Meeting.starts_dt > meeting.starts_dt,
            Meeting.status == MeetingStatus.PLANNED,
            Meeting.id != meeting.id,
            ~sealed.exists(),
        )
        .order_by(Meeting.starts_dt)
        .limit(1)
    )


def _carry_over(item: AgendaItem, old: Meeting, new: Meeting, position: int) -> None:
    # The people who were to see the case at the old session see it until the new one.
    windows.move_windows(item, meeting_day_end(old), meeting_day_end(new))
    item.moved_from_id = old.id
    item.meeting_id = new.id
    item.position = position
    item.clock_started_dt = None


def cancel_meeting(meeting: Meeting, *, reason: str, now: datetime | None = None):
    """Cancel a session with a reason. Its registered items move to the team's next planned
    session (after that session's own items), their presenters are told, and everyone
    invited gets the calendar cancellation. Returns the session the items moved to."""
    now = now or utcnow()
    if reason not in set(ChangeReason):
        raise MeetingError(_("Bitte einen Grund für die Absage aus der Liste wählen."))
    if meeting.starts_dt <= now:
        raise MeetingError(_("Eine Sitzung, die schon begonnen hat, kann nicht abgesagt werden."))
    items = items_of(meeting)
    target = next_meeting_after(meeting)
    if target is not None:
        registered = {i.case_id for i in items_of(target)}
        twice = [i for i in items if i.case_id in registered]
        if twice:
            raise MeetingError(
                ngettext(
                    "%(num)d angemeldeter Fall steht schon auf der folgenden Sitzung. Bitte die "
                    "doppelte Anmeldung zuerst zurückziehen lassen.",
                    "%(num)d angemeldete Fälle stehen schon auf der folgenden Sitzung. Bitte die "
                    "doppelten Anmeldungen zuerst zurückziehen lassen.",
                    len(twice),
                )
            )
    if items and target is None:
        raise MeetingError(
            _(
                "Es gibt keine folgende Sitzung, in die die angemeldeten Fälle verschoben werden "
                "können. Bitte zuerst weitere Sitzungen anlegen."
            )
        )
    meeting.status = MeetingStatus.CANCELLED
    meeting.change_reason = reason
    db.session.flush()
    record(AuditAction.UPDATE, meeting, purpose="Sitzung abgesagt")
    if items:
        start = len(items_of(target))
        for offset, item in enumerate(items):
            _carry_over(item, meeting, target, start + offset)
        db.session.flush()
        record(
            AuditAction.UPDATE,
            meeting,
            purpose="Angemeldete Fälle verschoben",
            details={"items": len(items), "to": str(target.id)},
        )
    invitations.announce_cancellation(meeting)
    if items:
        mail.notify_items_moved(items, old=meeting, new=target)
        for item in items:
            for guest in item.guests:
                invitations.invite_guest(guest, now=now)
    return target


def move_meeting(meeting: Meeting, *, starts: datetime, reason: str, now: datetime | None = None):
    """Move a session to another time (same length). The windows of the people who see its
    items follow the new session day; invitees get a calendar update with the same UID."""
    now = now or utcnow()
    if reason not in set(ChangeReason):
        raise MeetingError(_("Bitte einen Grund für die Verlegung aus der Liste wählen."))
    if meeting.status != MeetingStatus.PLANNED:
        raise MeetingError(_("Eine abgesagte Sitzung kann nicht verlegt werden."))
    if meeting.starts_dt <= now:
        raise MeetingError(_("Eine Sitzung, die schon begonnen hat, kann nicht verlegt werden."))
    if starts <= now:
        raise MeetingError(_("Der neue Termin liegt in der Vergangenheit."))
    old_end = meeting_day_end(meeting)
    length = meeting.ends_dt - meeting.starts_dt
    meeting.starts_dt, meeting.ends_dt = starts, starts + length
    meeting.change_reason = reason
    db.session.flush()
    record(AuditAction.UPDATE, meeting, purpose="Sitzung verlegt")
    new_end = meeting_day_end(meeting)
    for item in items_of(meeting):
        windows.move_windows(item, old_end, new_end)
    db.session.flush()
    invitations.announce_change(meeting)
