"""A team of two (the case's owner and a colleague), a case of the owner, and sessions of the
team put on chosen days; Wiedervorlagen set through the operations with a frozen "now"."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from fallteam.auth.models import User
from fallteam.cases.models import Case
from fallteam.core.models import utcnow
from fallteam.extensions import db
from fallteam.meetings.models import AgendaItem, Meeting, MeetingStatus
from fallteam.meetings.models.agenda import ItemAttendance, Presence
from fallteam.protocols import operations as protocols
from fallteam.protocols.models import CaseProtocol, ProtocolStatus
from fallteam.resubmissions import operations
from fallteam.resubmissions.models import Resubmission
from fallteam.teams.models import Team, TeamMember
from tests.conftest import Account, csrf_token, sign_in
from tests.mail.conftest import smtp_server  # noqa: F401  (the real SMTP server fixture)

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


# --- Wiedervorlagen in the Fallprotokoll ----------------------------------------------------


@dataclass
class ProtocolScene:
    """A session of a team of three members (moderator, writer, member) with the case of a
    Fachkraft (not on the team) on its agenda, an invited guest, and the item's Fallprotokoll
    opened by its writer; a member of another team and another Fachkraft."""

    owner: Account
    moderator: Account
    writer: Account
    member: Account
    guest: Account
    outsider: Account
    other_fachkraft: Account
    team_id: uuid.UUID
    case_id: uuid.UUID
    pseudonym: str
    meeting_id: uuid.UUID
    item_id: uuid.UUID
    protocol_id: uuid.UUID


def open_protocol_for(app, item_id: uuid.UUID, writer: Account) -> uuid.UUID:
    """The item gets ``writer`` as its writer, who opens its Fallprotokoll."""
    with app.app_context():
        item = db.session.get(AgendaItem, item_id)
        item.writer_id = writer.id
        protocol = protocols.open_protocol(item, db.session.get(User, writer.id))
        db.session.commit()
        return protocol.id


@pytest.fixture
def protocol_scene(app, create_account, create_team, create_case, create_meeting) -> ProtocolScene:
    owner = create_account(["fachkraft"])
    moderator, writer, member = (create_account(["member"]) for _ in range(3))
    guest = create_account(["guest"])
    outsider = create_account(["member"])
    create_team([(outsider, "permanent")])
    other_fachkraft = create_account(["fachkraft", "member"])
    case = create_case(
        owner,
        participants=[(guest, "guest")],
        consent={"recipients": [{"type": "participant_kind", "value": "guest"}]},
    )
    team_id, _ = create_team([(a, "permanent") for a in (moderator, writer, member)])
    session = create_meeting(team_id, case, moderator=moderator, guests=[guest])
    with app.app_context():  # the three were there for the item (they read its protocol)
        for account in (moderator, writer, member):
            db.session.add(
                ItemAttendance(
                    item_id=session.item_id, user_id=account.id, presence=Presence.PRESENT
                )
            )
        db.session.commit()
    protocol_id = open_protocol_for(app, session.item_id, writer)
    return ProtocolScene(
        owner,
        moderator,
        writer,
        member,
        guest,
        outsider,
        other_fachkraft,
        team_id,
        case.id,
        case.pseudonym,
        session.meeting_id,
        session.item_id,
        protocol_id,
    )


def mark_befangen(app, item_id: uuid.UUID, account: Account) -> None:
    """``account`` is marked befangen for the item (they know the family)."""
    with app.app_context():
        attendance = db.session.scalar(
            select(ItemAttendance).where(
                ItemAttendance.item_id == item_id, ItemAttendance.user_id == account.id
            )
        )
        if attendance is None:
            attendance = ItemAttendance(item_id=item_id, user_id=account.id)
            db.session.add(attendance)
        attendance.presence = Presence.CONFLICTED
        db.session.commit()


def leaves_team(app, team_id: uuid.UUID, account: Account) -> None:
    """``account``'s membership ended yesterday."""
    with app.app_context():
        membership = db.session.scalar(
            select(TeamMember).where(
                TeamMember.team_id == team_id, TeamMember.user_id == account.id
            )
        )
        membership.until = today() - timedelta(days=1)
        db.session.commit()


def lock(app, protocol_id: uuid.UUID) -> None:
    """The Fallprotokoll is finalised (set directly: the finalising rules are not this
    suite's subject)."""
    with app.app_context():
        protocol = db.session.get(CaseProtocol, protocol_id)
        protocol.status = ProtocolStatus.FINALISED
        protocol.content_hash = "0" * 64
        protocol.finalised_by_id = protocol.writer_id
        protocol.finalised_dt = utcnow()
        db.session.commit()


@pytest.fixture
def client_of(app):
    """``client_of(account)``: a test client signed in as ``account``."""

    def make(account: Account):
        client = app.test_client()
        sign_in(client, app, account)
        return client

    return make


def post_form(client, url: str, **data):
    """POST ``data`` with the page's CSRF token."""
    return client.post(url, data={**data, "csrf_token": csrf_token(client)})


def resubmissions_of(app, case_id: uuid.UUID) -> list[Resubmission]:
    """The case's Wiedervorlagen as stored now (decrypted, detached), oldest first."""
    with app.app_context():
        db.session.expire_all()
        rows = list(
            db.session.scalars(
                select(Resubmission)
                .where(Resubmission.case_id == case_id)
                .order_by(Resubmission.created_dt)
            )
        )
        for row in rows:
            _ = row.topic, row.outcome
            db.session.expunge(row)
        return rows


def today() -> date:
    """The office's day now (Europe/Berlin)."""
    return datetime.now(BERLIN).date()
