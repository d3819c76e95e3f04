"""Who may see which session and agenda item, and what a registration still lacks."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select

from fallteam import access
from fallteam.auth.models import User
from fallteam.cases.queries import record_read
from fallteam.consent.models import DataCategory, Purpose
from fallteam.consent.queries import consents_in_force, released_categories
from fallteam.core.models import utcnow
from fallteam.extensions import db
from fallteam.meetings.models import AgendaGuest, AgendaItem, Meeting, MeetingStatus
from fallteam.meetings.rules import registration_deadline
from fallteam.teams.models import Team

#: the agenda of a session in the agreed order
items_of = access.agenda_of


def visible_items(meeting: Meeting, viewer: Any, at: datetime | None = None) -> list[AgendaItem]:
    """The items of the agenda ``viewer`` may see (a guest: only their own, in the window)."""
    return [item for item in items_of(meeting) if access.may_see_item(viewer, item, at)]


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
