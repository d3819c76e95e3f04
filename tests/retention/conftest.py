"""Fixtures of the retention tests: closing cases by their owner, the retention run as the CLI
runs it, and every encrypted value a case owns (to show that none decrypts after deletion)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

import pytest
from flask import Flask
from sqlalchemy import select

from fallteam.auth.models import User
from fallteam.cases import operations as cases
from fallteam.cases.models import Case
from fallteam.crypto.aead import Place
from fallteam.crypto.operations import encrypted_columns
from fallteam.extensions import db
from fallteam.retention import rules
from tests.conftest import family_of_four


def close(app: Flask, case_id: uuid.UUID, closed_on: date, reason: str = "ziel_erreicht") -> None:
    """The case's owner closes it on ``closed_on`` (as the case page does); a case closed
    before today's registration is made as old as that (registered on the closing day)."""
    backdate(app, case_id, closed_on)
    with app.app_context():
        case = db.session.get(Case, case_id)
        owner = db.session.get(User, case.case_manager_id)
        cases.close_case(
            case, closed_on=closed_on, reason=reason, note="Akte an Archiv", actor=owner
        )
        db.session.commit()


def backdate(app: Flask, case_id: uuid.UUID, day: date) -> None:
    """Make the case as old as ``day`` (registered then), if it is younger."""
    with app.app_context():
        case = db.session.get(Case, case_id)
        if day < rules.office_day(case.created_dt):
            case.created_dt = datetime.combine(day, time(12), tzinfo=UTC)
            db.session.commit()


def register(app: Flask, owner_id: uuid.UUID, *, category: str = "sonstige", members=None):
    """A case of ``owner_id`` (the suite's family of four unless ``members``); its id."""
    with app.app_context():
        case = cases.register_case(
            db.session.get(User, owner_id),
            category=category,
            child_protection=False,
            file_number="AZ-51-4711",
            members=family_of_four() if members is None else members,
        )
        db.session.commit()
        return case.id


def run_retention(app: Flask, *args: str):
    """``flask retention run ARGS`` as cron runs it."""
    return app.test_cli_runner().invoke(args=["retention", "run", *args])


@dataclass(frozen=True)
class StoredValue:
    """One encrypted value as it lies in the database, with its place."""

    place: Place
    blob: bytes


def stored_values(case_id: uuid.UUID) -> list[StoredValue]:
    """Every encrypted value the case owns, read raw (inside an application context)."""
    found = []
    for column in encrypted_columns():
        if column.owner_column is None:
            continue
        table = column.table
        rows = db.session.execute(
            select(table.c.id, table.c[column.column]).where(
                table.c[column.owner_column] == case_id, table.c[column.column].is_not(None)
            )
        )
        for row_id, sealed in rows:
            found.append(
                StoredValue(Place(table.name, column.column, row_id, case_id), sealed.blob)
            )
    return found


@pytest.fixture
def owner(create_account):
    """A Fachkraft who manages the test's cases."""
    return create_account(["fachkraft"])


@pytest.fixture
def dpo(create_account):
    """The data protection officer, the second person of the four-eyes step."""
    return create_account(["dpo"])


@pytest.fixture
def today(app) -> date:
    """The office's day now, as the retention rules read it."""
    with app.app_context():
        return rules.today()


@dataclass(frozen=True)
class Scene:
    """A case on a session's agenda: its owner, a member taking part, the session's
    moderator (also the item's writer), an invited guest who came, the item's Fallprotokoll."""

    case: object
    meeting_id: uuid.UUID
    item_id: uuid.UUID
    protocol_id: uuid.UUID
    owner: object
    member: object
    moderator: object
    guest: object


@pytest.fixture
def scene(app, create_account, create_case, create_team, create_meeting) -> Scene:
    """The case's presentation with everyone who sees it, the session held today (it began
    four hours ago and ended an hour ago, or earlier today after midnight: the windows last
    until the end of the day)."""
    from datetime import timedelta

    from fallteam.core.models import utcnow
    from fallteam.meetings.models import AgendaGuest, AgendaItem, Meeting
    from fallteam.meetings.rules import day_start, local_day
    from fallteam.protocols.models import CaseProtocol

    owner = create_account(["fachkraft"])
    member = create_account(["member"])
    moderator = create_account(["member"])
    guest = create_account(["guest"])
    case = create_case(owner, participants=[(member, "member")])
    team_id, _ = create_team([(moderator, "permanent"), (member, "permanent")])
    session = create_meeting(team_id, case, moderator=moderator, guests=[guest])
    with app.app_context():
        meeting = db.session.get(Meeting, session.meeting_id)
        # today in the office's time zone also in the small hours: never before its midnight
        now = utcnow()
        midnight = day_start(local_day(now))
        starts = max(now - timedelta(hours=4), midnight + (now - midnight) / 4)
        meeting.starts_dt = starts.replace(microsecond=0)
        meeting.ends_dt = (starts + (now - starts) * 3 / 4).replace(microsecond=0)
        item = db.session.get(AgendaItem, session.item_id)
        item.writer_id = moderator.id
        db.session.get(AgendaGuest, session.guest_ids[0]).present = True
        protocol = CaseProtocol(
            item_id=item.id,
            case_id=case.id,
            writer_id=moderator.id,
            status="draft",
            version=1,
            sections={"ergebnis": "Die Mutter nimmt das Beratungsangebot an."},
        )
        db.session.add(protocol)
        db.session.commit()
        return Scene(case, meeting.id, item.id, protocol.id, owner, member, moderator, guest)
