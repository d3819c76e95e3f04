"""Sessions: generated from the team's rhythm, moderated in rotation, moved or cancelled."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select

from fallteam import access
from fallteam.audit.models import AuditAction
from fallteam.audit.operations import record
from fallteam.auth.models import User
from fallteam.extensions import db
from fallteam.meetings.models import (
    AgendaGuest,
    AgendaItem,
    Meeting,
    MeetingAttendance,
    MeetingStatus,
)
from fallteam.teams import rotation
from fallteam.teams.models import Rhythm, Team
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
    # why: import cycle between the session modules (removed by issue 9 §2)
    from fallteam.mail.invitations import notify_plan_published  # mail imports this module

    notify_plan_published(team, meetings)
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


# --- running a session: order, attendance, clock, writers ---------------------------------
# ``fallteam.agenda.queries`` and ``fallteam.meetings.queries`` import this module, so the
# functions below import them where they are used.


def _require_planned(meeting: Meeting) -> None:
    if meeting.status == MeetingStatus.CANCELLED:
        raise MeetingError("Die Sitzung ist abgesagt und kann nicht durchgeführt werden.")


def _require_item_of(meeting: Meeting, item: AgendaItem) -> None:
    if item.meeting_id != meeting.id:
        raise MeetingError("Dieser Tagesordnungspunkt gehört nicht zu dieser Sitzung.")


def reorder_agenda(meeting: Meeting, item_ids: Sequence[uuid.UUID]) -> list[AgendaItem]:
    """Put the agenda in the order of ``item_ids``, which must name every item of the session
    exactly once; returns the items in their new order."""
    # why: import cycle between the session modules (removed by issue 9 §2)
    from fallteam.meetings.queries.agenda import items_of

    _require_planned(meeting)
    items = {item.id: item for item in items_of(meeting)}
    if len(item_ids) != len(set(item_ids)) or set(item_ids) != set(items):
        raise MeetingError(
            "Die Reihenfolge muss jeden Tagesordnungspunkt dieser Sitzung genau einmal nennen. "
            "Die Tagesordnung hat sich vielleicht inzwischen geändert: bitte laden Sie die "
            "Seite neu."
        )
    ordered = [items[item_id] for item_id in item_ids]
    for position, item in enumerate(ordered):
        item.position = position
    db.session.flush()
    record(
        AuditAction.UPDATE,
        meeting,
        purpose="Reihenfolge der Tagesordnung festgelegt",
        details={"order": [str(item.id) for item in ordered]},
    )
    return ordered


def mark_attendance(meeting: Meeting, user: User, *, present: bool) -> MeetingAttendance:
    """Note whether a member of the session's team is there."""
    # why: import cycle between the session modules (removed by issue 9 §2)
    from fallteam.meetings.queries.agenda import is_team_member_of

    _require_planned(meeting)
    if not is_team_member_of(user, meeting):
        raise MeetingError("Anwesenheit wird hier nur für Mitglieder dieses Fallteams erfasst.")
    attendance = db.session.scalar(
        select(MeetingAttendance).where(
            MeetingAttendance.meeting_id == meeting.id, MeetingAttendance.user_id == user.id
        )
    )
    if attendance is None:
        attendance = MeetingAttendance(meeting_id=meeting.id, user_id=user.id, present=present)
        db.session.add(attendance)
    attendance.present = present
    db.session.flush()
    record(
        AuditAction.UPDATE,
        meeting,
        purpose="Anwesenheit erfasst",
        details={"user": str(user.id), "present": present},
    )
    return attendance


def mark_guest_attendance(
    meeting: Meeting, item: AgendaItem, user: User, *, present: bool
) -> AgendaGuest:
    """Note whether an invited guest came for their item."""
    _require_planned(meeting)
    _require_item_of(meeting, item)
    guest = next((g for g in item.guests if g.user_id == user.id), None)
    if guest is None:
        raise MeetingError("Diese Person ist zu diesem Tagesordnungspunkt nicht eingeladen.")
    guest.present = present
    db.session.flush()
    record(
        AuditAction.UPDATE,
        item,
        purpose="Anwesenheit erfasst",
        details={"user": str(user.id), "present": present},
    )
    return guest


def _stop(item: AgendaItem, now: datetime) -> None:
    if item.clock_started_dt is not None:
        used = int((now - item.clock_started_dt).total_seconds())
        item.elapsed_seconds += max(0, used)
        item.clock_started_dt = None


def start_clock(meeting: Meeting, item: AgendaItem, *, now: datetime) -> None:
    """Start the item's clock; a clock running on another item of the session stops (one item
    is discussed at a time). Starting a running clock changes nothing."""
    # why: import cycle between the session modules (removed by issue 9 §2)
    from fallteam.meetings.queries.agenda import items_of

    _require_planned(meeting)
    _require_item_of(meeting, item)
    if item.clock_started_dt is not None:
        return
    for other in items_of(meeting):
        if other.id != item.id and other.clock_started_dt is not None:
            _stop(other, now)
            record(AuditAction.UPDATE, other, purpose="Uhr angehalten")
    item.clock_started_dt = now
    db.session.flush()
    record(AuditAction.UPDATE, item, purpose="Uhr gestartet")


def stop_clock(meeting: Meeting, item: AgendaItem, *, now: datetime) -> None:
    """Stop the item's clock and add the time to what it has used."""
    _require_planned(meeting)
    _require_item_of(meeting, item)
    if item.clock_started_dt is None:
        return
    _stop(item, now)
    db.session.flush()
    record(AuditAction.UPDATE, item, purpose="Uhr angehalten")


def _check_writer(meeting: Meeting, item: AgendaItem, writer: User) -> None:
    # why: import cycle between the session modules (removed by issue 9 §2)
    from fallteam.meetings.queries.agenda import is_team_member_of

    if writer.id == item.presenter_id:
        raise MeetingError(
            "Wer den Fall vorstellt, schreibt nicht das Fallprotokoll dazu. Bitte jemand "
            "anderen auswählen."
        )
    if not is_team_member_of(writer, meeting) or not access.allowed(writer, "protocol.write"):
        raise MeetingError("Fallprotokolle schreiben nur Mitglieder dieses Fallteams.")


def assign_writer(meeting: Meeting, item: AgendaItem, writer: User | None) -> None:
    """Assign who writes the item's case protocol (None: nobody yet); never the presenter."""
    _require_planned(meeting)
    _require_item_of(meeting, item)
    if writer is not None:
        _check_writer(meeting, item, writer)
    item.writer_id = writer.id if writer is not None else None
    db.session.flush()
    record(
        AuditAction.UPDATE,
        item,
        purpose="Protokollführung zugeteilt",
        details={"writer": str(writer.id) if writer is not None else None},
    )


def propose_writers(meeting: Meeting) -> tuple[int, int]:
    """Fill the items without a writer by rotation: among the members marked present (all
    members while nobody is marked), never the presenter, the moderator (who keeps the
    Teamprotokoll) only where nobody else could write, as even as possible within the
    session, whoever wrote fewest protocols in the team's earlier sessions first. Writers
    already assigned count as a turn taken. Returns (items filled, items left without a
    writer because nobody but their presenter is there)."""
    # why: import cycle between the session modules (removed by issue 9 §2)
    from fallteam.meetings.queries import meeting as queries
    from fallteam.meetings.queries.agenda import items_of

    _require_planned(meeting)
    members = queries.writer_candidates(meeting)
    attendance = queries.attendance_of(meeting)
    present = [u for u in members if attendance.get(u.id)]
    candidates = present or members
    items = items_of(meeting)
    open_items = [item for item in items if item.writer_id is None]
    prior = queries.protocols_written_before(meeting)
    for item in items:
        if item.writer_id is not None:
            prior[str(item.writer_id)] = prior.get(str(item.writer_id), 0) + 1
    proposal = rotation.propose_writers(
        [(str(item.id), str(item.presenter_id)) for item in open_items],
        [str(u.id) for u in candidates],
        prior_counts=prior,
        moderator=str(meeting.moderator_id) if meeting.moderator_id else None,
    )
    filled = 0
    for item in open_items:
        writer = proposal.get(str(item.id))
        if writer is not None:
            item.writer_id = uuid.UUID(writer)
            filled += 1
    db.session.flush()
    record(
        AuditAction.UPDATE,
        meeting,
        purpose="Protokollführung vorgeschlagen",
        details={"filled": filled, "candidates": len(candidates)},
    )
    return filled, len(open_items) - filled
