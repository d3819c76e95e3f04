"""A team of two (the case's owner and a colleague), a case of the owner, and sessions of the
team put on chosen days; Wiedervorlagen set through the operations with a frozen "now"."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from fallteam.auth.models import User
from fallteam.cases.models import Case
from fallteam.extensions import db
from fallteam.meetings.models import Meeting, MeetingStatus
from fallteam.resubmissions import operations
from fallteam.teams.models import Team
from tests.conftest import Account

BERLIN = ZoneInfo("Europe/Berlin")
#: "now" of the tests: well before every session and due day below
NOW = datetime(2027, 1, 1, 10, 0, tzinfo=UTC)
TOPIC = "Hat die Schulbegleitung für Kind 1 begonnen?"


@dataclass
class Setting:
    owner: Account
    colleague: Account
    team_id: uuid.UUID
    case_id: uuid.UUID
    pseudonym: str


@pytest.fixture
def setting(create_account, create_team, create_case) -> Setting:
    owner = create_account(["fachkraft", "member"])
    colleague = create_account(["fachkraft", "member"])
    team_id, _ = create_team([(owner, "permanent"), (colleague, "permanent")])
    case = create_case(owner)
    return Setting(owner, colleague, team_id, case.id, case.pseudonym)


@pytest.fixture
def add_meeting(app):
    """``add_meeting(team_id, date(2027, 1, 13), cancelled=False, moderator=None)`` -> id: a
    session at 09:00 Berlin on that day."""

    def make(team_id, day: date, *, cancelled=False, moderator: Account | None = None):
        with app.app_context():
            starts = datetime.combine(day, time(9, 0), tzinfo=BERLIN).astimezone(UTC)
            meeting = Meeting(
                team_id=team_id,
                starts_dt=starts,
                ends_dt=starts + timedelta(hours=3),
                place="Rathaus",
                status=MeetingStatus.CANCELLED if cancelled else MeetingStatus.PLANNED,
                change_reason="illness" if cancelled else None,
                moderator_id=moderator.id if moderator else None,
                moderation_published=moderator is not None,
            )
            db.session.add(meeting)
            db.session.commit()
            return meeting.id

    return make


@pytest.fixture
def add_resubmission(app):
    """``add_resubmission(setting, date(2027, 1, 20), topic=..., responsible=account)`` -> id."""

    def make(setting: Setting, due: date, *, topic=TOPIC, responsible=None, case_id=None):
        with app.app_context():
            owner = db.session.get(User, setting.owner.id)
            resubmission = operations.set_resubmission(
                db.session.get(Case, case_id or setting.case_id),
                db.session.get(Team, setting.team_id),
                due,
                topic,
                db.session.get(User, (responsible or setting.owner).id),
                owner,
                now=NOW,
            )
            db.session.commit()
            return resubmission.id

    return make
