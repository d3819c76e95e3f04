"""Who may see which session and agenda item, and what a registration still lacks."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from fallteam.cases.models import Case, CaseParticipant
from fallteam.consent.models import DataCategory
from fallteam.consent.queries import (
    active_participation,
    consents_in_force,
    consents_in_force_for,
    released_categories,
)
from fallteam.core.models import utcnow
from fallteam.crypto.envelope import prime_keys
from fallteam.extensions import db
from fallteam.meetings.models import AgendaGuest, AgendaItem, Meeting, MeetingStatus
from fallteam.meetings.operations.schedule import (
    office_zone,
    registration_deadline,
    session_day_end,
)
from fallteam.teams.models import Team, TeamMember


def items_of(meeting: Meeting) -> list[AgendaItem]:
    """The agenda of ``meeting`` in the agreed order, with each item's case and guests (a
    constant number of queries however long the agenda)."""
    prime_keys(db.session, select(AgendaItem.case_id).where(AgendaItem.meeting_id == meeting.id))
    return list(
        db.session.scalars(
            select(AgendaItem)
            .where(AgendaItem.meeting_id == meeting.id)
            .order_by(AgendaItem.position, AgendaItem.created_dt)
            .options(selectinload(AgendaItem.case), selectinload(AgendaItem.guests))
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
    return _may_see(
        user,
        item,
        at,
        participates=lambda: active_participation(user, item.case, at) is not None,
        member=lambda: is_team_member_of(user, item.meeting),
    )


def _may_see(
    user: Any,
    item: AgendaItem,
    at: datetime | None,
    *,
    participates: Callable[[], bool],
    member: Callable[[], bool],
) -> bool:
    # may_see_item's rule; the two facts that need the database are asked only when needed
    if item.case.case_manager_id == user.id:
        return True
    if not participates():
        return False
    if member():
        return True
    guest = _guest_entry(user, item)
    return guest is not None and guest_window_open(guest, item.meeting, at)


def may_see_meeting(user: Any, meeting: Meeting, at: datetime | None = None) -> bool:
    """Team members, presenters of an item, and guests of an item within their window."""
    if is_team_member_of(user, meeting):
        return True
    return any(may_see_item(user, item, at) for item in items_of(meeting))


def visible_items(meeting: Meeting, viewer: Any, at: datetime | None = None) -> list[AgendaItem]:
    """The items of the agenda ``viewer`` may see (a guest: only their own, in the window).

    ``may_see_item`` for every item, with the viewer's team membership and participations
    read once for the whole agenda.
    """
    items = items_of(meeting)
    if not items:
        return []
    at = at or utcnow()
    participating = set()
    if getattr(viewer, "is_authenticated", False):
        participating = set(
            db.session.scalars(
                select(CaseParticipant.case_id).where(
                    CaseParticipant.user_id == viewer.id,
                    CaseParticipant.case_id.in_({item.case_id for item in items}),
                    CaseParticipant.valid_from_dt <= at,
                    CaseParticipant.valid_until_dt > at,
                )
            )
        )
    member: list[bool] = []

    def is_member() -> bool:
        if not member:
            member.append(is_team_member_of(viewer, meeting))
        return member[0]

    return [
        item
        for item in items
        if _may_see(
            viewer,
            item,
            at,
            participates=lambda item=item: item.case_id in participating,
            member=is_member,
        )
    ]


def guest_covered(
    item: AgendaItem,
    guest_user: Any,
    at: datetime | None = None,
    *,
    in_force: dict | None = None,
) -> bool:
    """Whether a consent in force — now and at the session — releases the family's identity
    to this guest for the case conference (SGB VIII § 64 Abs. 2a, § 65).

    ``in_force``: moment -> case id -> consents in force, when already loaded for an agenda.
    """
    moments = [at or utcnow(), item.meeting.starts_dt]

    def consents(moment: datetime):
        if in_force is not None:
            return in_force[moment][item.case_id]
        return consents_in_force(item.case, moment)

    return all(
        DataCategory.IDENTITY
        in released_categories(guest_user, consents(moment), item.purpose, "guest")
        for moment in moments
    )


def uncovered_guests(
    item: AgendaItem,
    at: datetime | None = None,
    *,
    in_force: dict | None = None,
    users: dict | None = None,
) -> list[AgendaGuest]:
    """The item's guests no consent in force covers: they see the pseudonymised presentation
    only, and the presenter must confirm that. (``in_force``, ``users``: loaded for a whole
    agenda by ``unfinished_reasons_for``.)"""
    # why: import cycle between the session modules (removed by issue 9 §2)
    from fallteam.auth.models import User

    def user_of(guest: AgendaGuest):
        return users[guest.user_id] if users is not None else db.session.get(User, guest.user_id)

    return [g for g in item.guests if not guest_covered(item, user_of(g), at, in_force=in_force)]


def unfinished_reasons(item: AgendaItem, at: datetime | None = None, **loaded) -> list[str]:
    """What the registration still lacks (empty: complete); the day-before reminder names it."""
    reasons = []
    if not (item.question or "").strip():
        reasons.append("Die Fragestellung fehlt.")
    if not (item.presentation or "").strip():
        reasons.append("Die Falldarstellung fehlt.")
    if not item.pseudonymised_confirmed and uncovered_guests(item, at, **loaded):
        reasons.append(
            "Für Gäste ohne Schweigepflichtsentbindung fehlt die Bestätigung der "
            "pseudonymisierten Vorstellung."
        )
    return reasons


def unfinished_reasons_for(
    items: list[AgendaItem], at: datetime | None = None
) -> dict[uuid.UUID, list[str]]:
    """``unfinished_reasons`` of every item of an agenda: the consents in force and the
    guests' accounts are read once for all items."""
    from fallteam.auth.models import User

    at = at or utcnow()
    cases = list({item.case_id: item.case for item in items}.values())
    moments = {at} | {item.meeting.starts_dt for item in items}
    in_force = {moment: consents_in_force_for(cases, moment) for moment in moments}
    guest_ids = {g.user_id for item in items for g in item.guests}
    users = (
        {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(guest_ids)))}
        if guest_ids
        else {}
    )
    return {item.id: unfinished_reasons(item, at, in_force=in_force, users=users) for item in items}


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
