"""Who may see which session and agenda item, and what a registration still lacks."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from fallteam import access
from fallteam.auth.models import User
from fallteam.cases.models import Case, ParticipantKind
from fallteam.cases.queries import record_read
from fallteam.consent.models import DataCategory
from fallteam.consent.queries import consents_in_force, consents_in_force_for, released_by_member
from fallteam.core.models import utcnow
from fallteam.crypto.envelope import prime_keys
from fallteam.extensions import db
from fallteam.meetings.models import AgendaGuest, AgendaItem, Meeting, MeetingStatus
from fallteam.meetings.rules import registration_deadline
from fallteam.teams.models import Team


def items_of(meeting: Meeting) -> list[AgendaItem]:
    """The agenda of ``meeting`` in the agreed order, with each item's case and guests and
    the cases' data keys unwrapped at once (a constant number of queries however long the
    agenda)."""
    prime_keys(db.session, select(AgendaItem.case_id).where(AgendaItem.meeting_id == meeting.id))
    return access.agenda_of(meeting)


def visible_items(meeting: Meeting, viewer: Any, at: datetime | None = None) -> list[AgendaItem]:
    """The items of the agenda ``viewer`` may see (a guest: only their own, in the window).

    ``access.may_see_item`` for every item, with the viewer's team membership and
    participations read once for the whole agenda.
    """
    items = items_of(meeting)
    if not items:
        return []
    at = at or utcnow()
    participating = access.participating_case_ids(viewer, {item.case_id for item in items}, at)
    member: list[bool] = []

    def is_member() -> bool:
        if not member:
            member.append(access.team_member_of(viewer, meeting))
        return member[0]

    return [
        item
        for item in items
        if access.may_see_item(
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
    """Whether the consents in force — now and at the session — release the family's
    identity to this guest for the case conference (SGB VIII § 64 Abs. 2a, § 65): the identity
    of every family member, since a consent releases persons, not the family.

    ``in_force``: moment -> case id -> consents in force, when already loaded for an agenda.
    """
    moments = [at or utcnow(), item.meeting.starts_dt]

    def consents(moment: datetime):
        if in_force is not None:
            return in_force[moment][item.case_id]
        return consents_in_force(item.case, moment)

    return all(
        DataCategory.IDENTITY in categories
        for moment in moments
        for categories in released_by_member(
            guest_user, item.case, consents(moment), item.purpose, ParticipantKind.GUEST
        ).values()
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

    def user_of(guest: AgendaGuest):
        return users[guest.user_id] if users is not None else db.session.get(User, guest.user_id)

    return [g for g in item.guests if not guest_covered(item, user_of(g), at, in_force=in_force)]


def unfinished_reasons(item: AgendaItem, at: datetime | None = None, **loaded) -> list[str]:
    """What the registration still lacks (empty: complete); the day-before reminder names it."""
    reasons = []
    if not (item.question or "").strip():
        reasons.append(_("Die Fragestellung fehlt."))
    if not (item.presentation or "").strip():
        reasons.append(_("Die Falldarstellung fehlt."))
    if not item.pseudonymised_confirmed and uncovered_guests(item, at, **loaded):
        reasons.append(
            _(
                "Für Gäste ohne Schweigepflichtsentbindung fehlt die Bestätigung der "
                "pseudonymisierten Vorstellung."
            )
        )
    return reasons


def unfinished_reasons_for(
    items: list[AgendaItem], at: datetime | None = None
) -> dict[uuid.UUID, list[str]]:
    """``unfinished_reasons`` of every item of an agenda: the consents in force and the
    guests' accounts are read once for all items."""
    at = at or utcnow()
    cases = list({item.case_id: item.case for item in items}.values())
    # coverage is decided per family member: the members of all cases at once
    db.session.scalars(
        select(Case).where(Case.id.in_([c.id for c in cases])).options(selectinload(Case.members))
    ).all()
    moments = {at} | {item.meeting.starts_dt for item in items}
    in_force = {moment: consents_in_force_for(cases, moment) for moment in moments}
    guest_ids = {g.user_id for item in items for g in item.guests}
    users = (
        {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(guest_ids)))}
        if guest_ids
        else {}
    )
    return {item.id: unfinished_reasons(item, at, in_force=in_force, users=users) for item in items}


def item_for_editing(item: AgendaItem, viewer: Any) -> AgendaItem:
    """The registration for its presenter's edit page (question and presentation): records
    the read."""
    record_read(
        viewer,
        item.case,
        "agenda.register",
        purpose="Anmeldung zur Sitzung",
        fields=["question", "presentation"],
    )
    return item


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


def meetings_open_for_registration(case_id: uuid.UUID, *, now: datetime) -> list[Meeting]:
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
