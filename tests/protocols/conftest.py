"""A session of a team of three members (moderator, writer, another member), the case of a
Fachkraft on its agenda with an invited guest, and the item's Fallprotokoll opened by its
writer; helpers to sign in and to read the protocol back from the database."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import select

from fallteam.auth.models import User
from fallteam.cases.models import Case
from fallteam.core.models import utcnow
from fallteam.extensions import db
from fallteam.meetings.models import (
    AgendaItem,
    ItemAttendance,
    Meeting,
    MeetingAttendance,
    Presence,
)
from fallteam.meetings.operations import agenda
from fallteam.protocols import operations
from fallteam.protocols.models import CaseProtocol
from tests.conftest import Account, sign_in
from tests.protocols.three_cases import three_cases  # noqa: F401  (fixture: three cases)


@dataclass
class Setting:
    owner: Account
    moderator: Account
    writer: Account
    member: Account
    guest: Account
    item_id: uuid.UUID
    protocol_id: uuid.UUID


@pytest.fixture
def setting(app, create_account, create_team, create_case, create_meeting) -> Setting:
    owner = create_account(["fachkraft"])
    moderator, writer, member = (create_account(["member"]) for _ in range(3))
    guest = create_account(["guest"])
    case = create_case(
        owner,
        participants=[(guest, "guest")],
        consent={"recipients": [{"type": "participant_kind", "value": "guest"}]},
    )
    team_id, _ = create_team([(a, "permanent") for a in (moderator, writer, member)])
    session = create_meeting(team_id, case, moderator=moderator, guests=[guest])
    with app.app_context():
        item = db.session.get(AgendaItem, session.item_id)
        item.writer_id = writer.id
        # the other member was there for the item (the protocol is read by those present)
        item.attendance.append(
            ItemAttendance(item_id=item.id, user_id=member.id, presence=Presence.PRESENT)
        )
        protocol = operations.open_protocol(item, db.session.get(User, writer.id))
        db.session.commit()
        protocol_id = protocol.id
    return Setting(owner, moderator, writer, member, guest, session.item_id, protocol_id)


@pytest.fixture
def client_of(app):
    """``client_of(account)``: a test client signed in as ``account``."""

    def make(account: Account):
        client = app.test_client()
        sign_in(client, app, account)
        return client

    return make


def stored(app, protocol_id: uuid.UUID) -> CaseProtocol:
    """The protocol as the database holds it now (a fresh load, decrypted)."""
    with app.app_context():
        db.session.expire_all()
        protocol = db.session.scalar(select(CaseProtocol).where(CaseProtocol.id == protocol_id))
        db.session.expunge(protocol)
        return protocol


def act(app, protocol_id: uuid.UUID, account: Account, action, *args):
    """Run ``operations.<action>(protocol, *args, actor)`` and commit, as a view would."""
    with app.app_context():
        protocol = db.session.get(CaseProtocol, protocol_id)
        result = getattr(operations, action)(protocol, *args, db.session.get(User, account.id))
        db.session.commit()
        return result


@dataclass
class TeamSession:
    """A session with several cases of one Fachkraft, each written by ``writer``; the
    moderator, the writer and ``member`` were there for every item, ``absent`` for none;
    ``guest`` came for the first item."""

    owner: Account
    moderator: Account
    writer: Account
    member: Account
    absent: Account
    guest: Account
    meeting_id: uuid.UUID
    item_ids: list[uuid.UUID]
    pseudonyms: list[str]
    protocol_ids: list[uuid.UUID]


@pytest.fixture
def team_session(app, create_account, create_team, create_case, create_meeting):
    """``team_session(n)``: a ``TeamSession`` with ``n`` case items (planned 20, 25, 30 …
    minutes; their clocks counted 15, 16, 17 … minutes), every Fallprotokoll opened."""

    def make(n: int = 3, *, purpose: str = "fallberatung") -> TeamSession:
        owner = create_account(["fachkraft"])
        moderator, writer, member, absent = (create_account(["member"]) for _ in range(4))
        guest = create_account(["guest"])
        consent = {"recipients": [{"type": "participant_kind", "value": "guest"}]}
        cases = [create_case(owner, participants=[(guest, "guest")], consent=consent)]
        cases += [create_case(owner, consent=consent) for _ in range(n - 1)]
        team_id, _ = create_team([(a, "permanent") for a in (moderator, writer, member, absent)])
        first = create_meeting(team_id, cases[0], moderator=moderator, guests=[guest])
        with app.app_context():
            meeting = db.session.get(Meeting, first.meeting_id)
            owner_user = db.session.get(User, owner.id)
            items = [db.session.get(AgendaItem, first.item_id)]
            for case in cases[1:]:
                items.append(
                    agenda.register_case_for_meeting(
                        db.session.get(Case, case.id),
                        meeting,
                        agenda.Registration(
                            method="kollegiale_beratung",
                            question="Wie kann die Fachkraft die Mutter erreichen?",
                            presentation="Die Mutter lebt mit zwei Kindern allein.",
                            expected_minutes=30,
                        ),
                        actor=owner_user,
                        now=utcnow(),
                    )
                )
            for position, item in enumerate(items):
                item.position = position
                item.purpose = purpose
                item.writer_id = writer.id
                item.expected_minutes = 20 + 5 * position
                item.elapsed_seconds = 60 * (15 + position)
                for account, presence in (
                    (moderator, Presence.PRESENT),
                    (writer, Presence.PRESENT),
                    (member, Presence.LATE),
                    (absent, Presence.ABSENT),
                ):
                    item.attendance.append(
                        ItemAttendance(item_id=item.id, user_id=account.id, presence=presence)
                    )
            items[0].guests[0].present = True
            for account, present in ((moderator, True), (writer, True), (member, True)):
                db.session.add(
                    MeetingAttendance(meeting_id=meeting.id, user_id=account.id, present=present)
                )
            db.session.add(
                MeetingAttendance(meeting_id=meeting.id, user_id=absent.id, present=False)
            )
            db.session.flush()
            writer_user = db.session.get(User, writer.id)
            protocol_ids = [operations.open_protocol(item, writer_user).id for item in items]
            db.session.commit()
            return TeamSession(
                owner,
                moderator,
                writer,
                member,
                absent,
                guest,
                meeting.id,
                [item.id for item in items],
                [case.pseudonym for case in cases],
                protocol_ids,
            )

    return make


def move_to_the_past(app, meeting_id: uuid.UUID, days: int = 10) -> None:
    """The session took place ``days`` ago (its windows have ended)."""
    with app.app_context():
        meeting = db.session.get(Meeting, meeting_id)
        length = meeting.ends_dt - meeting.starts_dt
        meeting.starts_dt = utcnow() - timedelta(days=days)
        meeting.ends_dt = meeting.starts_dt + length
        db.session.commit()
