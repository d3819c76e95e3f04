"""Who may see which session and agenda item, and what a registration still lacks."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select

from fallteam.cases.models import Case
from fallteam.consent.models import DataCategory, Purpose
from fallteam.consent.queries import active_participation, consents_in_force, released_categories
from fallteam.core.models import utcnow
from fallteam.extensions import db
from fallteam.meetings.models import AgendaGuest, AgendaItem, Meeting, MeetingStatus
from fallteam.meetings.operations.schedule import (
    office_zone,
    registration_deadline,
    session_day_end,
)
from fallteam.teams.models import Team, TeamMember


def items_of(meeting: Meeting) -> list[AgendaItem]:
    """The agenda of ``meeting`` in the agreed order."""
    return list(
        db.session.scalars(
            select(AgendaItem)
            .where(AgendaItem.meeting_id == meeting.id)
            .order_by(AgendaItem.position, AgendaItem.created_dt)
        )
    )


def is_team_member_of(user: Any, meeting: Meeting) -> bool:
    """Whether ``user`` belongs to the session's team on the session day."""
    membership = db.session.scalar(
        select(TeamMember).where(
            TeamMember.team_id == meeting.team_id, TeamMember.user_id == user.id
        )
    )
    day = meeting.starts_dt.astimezone(office_zone()).date()
    return membership is not None and membership.active_on(day)


def guest_window_open(guest: AgendaGuest, meeting: Meeting, at: datetime | None = None) -> bool:
    """A guest sees their item from the invitation until the end of the session day."""
    at = at or utcnow()
    return guest.invited_dt is not None and guest.invited_dt <= at < session_day_end(meeting)


def _guest_entry(user: Any, item: AgendaItem) -> AgendaGuest | None:
    return next((g for g in item.guests if g.user_id == user.id), None)


def may_see_item(user: Any, item: AgendaItem, at: datetime | None = None) -> bool:
    """The presenting case manager; team members of the session once the presentation is
    opened to them (a late item the moderator added opens only when the case manager
    completes it); the item's own guests within their window."""
    if item.case.case_manager_id == user.id:
        return True
    if active_participation(user, item.case, at) is None:
        return False
    if is_team_member_of(user, item.meeting):
        return True
    guest = _guest_entry(user, item)
    return guest is not None and guest_window_open(guest, item.meeting, at)


def may_see_meeting(user: Any, meeting: Meeting, at: datetime | None = None) -> bool:
    """Team members, presenters of an item, and guests of an item within their window."""
    if is_team_member_of(user, meeting):
        return True
    return any(may_see_item(user, item, at) for item in items_of(meeting))


def visible_items(meeting: Meeting, viewer: Any, at: datetime | None = None) -> list[AgendaItem]:
    """The items of the agenda ``viewer`` may see (a guest: only their own, in the window)."""
    return [item for item in items_of(meeting) if may_see_item(viewer, item, at)]


def guest_covered(item: AgendaItem, guest_user: Any, at: datetime | None = None) -> bool:
    """Whether a consent in force — now and at the session — releases the family's identity
    to this guest for the case conference (SGB VIII § 64 Abs. 2a, § 65)."""
    moments = [at or utcnow(), item.meeting.starts_dt]
    return all(
        DataCategory.IDENTITY
        in released_categories(
            guest_user, consents_in_force(item.case, moment), Purpose.FALLBERATUNG, "guest"
        )
        for moment in moments
    )


def uncovered_guests(item: AgendaItem, at: datetime | None = None) -> list[AgendaGuest]:
    """The item's guests no consent in force covers: they see the pseudonymised presentation
    only, and the presenter must confirm that."""
    # why: import cycle between the session modules (removed by issue 9 §2)
    from fallteam.auth.models import User

    return [g for g in item.guests if not guest_covered(item, db.session.get(User, g.user_id), at)]


def unfinished_reasons(item: AgendaItem, at: datetime | None = None) -> list[str]:
    """What the registration still lacks (empty: complete); the day-before reminder names it."""
    reasons = []
    if not (item.question or "").strip():
        reasons.append("Die Fragestellung fehlt.")
    if not (item.presentation or "").strip():
        reasons.append("Die Falldarstellung fehlt.")
    if not item.pseudonymised_confirmed and uncovered_guests(item, at):
        reasons.append(
            "Für Gäste ohne Schweigepflichtsentbindung fehlt die Bestätigung der "
            "pseudonymisierten Vorstellung."
        )
    return reasons


def items_presented_by(user_id: uuid.UUID, *, after: datetime) -> list[AgendaItem]:
    """The items ``user_id`` presents in sessions after ``after``, earliest first."""
    return list(
        db.session.scalars(
            select(AgendaItem)
            .join(Meeting, Meeting.id == AgendaItem.meeting_id)
            .where(AgendaItem.presenter_id == user_id, Meeting.starts_dt > after)
            .order_by(Meeting.starts_dt, AgendaItem.position)
        )
    )


def sessions_open_for_registration(case_id: uuid.UUID, *, now: datetime) -> list[Meeting]:
    """Planned sessions of every team whose registration deadline has not passed and that do
    not have the case on their agenda yet, earliest first."""
    registered = select(AgendaItem.meeting_id).where(AgendaItem.case_id == case_id)
    candidates = db.session.scalars(
        select(Meeting)
        .where(
            Meeting.starts_dt > now,
            Meeting.status == MeetingStatus.PLANNED,
            Meeting.id.not_in(registered),
        )
        .order_by(Meeting.starts_dt)
    ).all()
    teams = {t.id: t for t in db.session.scalars(select(Team))}
    return [m for m in candidates if registration_deadline(m, teams[m.team_id]) > now]


def registrations_of(case: Case) -> list[AgendaItem]:
    """The case's registrations for sessions from today on, earliest first."""
    today_start = utcnow().replace(hour=0, minute=0, second=0, microsecond=0)
    return list(
        db.session.scalars(
            select(AgendaItem)
            .join(Meeting, Meeting.id == AgendaItem.meeting_id)
            .where(AgendaItem.case_id == case.id, Meeting.starts_dt >= today_start)
            .order_by(Meeting.starts_dt)
        )
    )
