"""A session of a team of three members (moderator, writer, another member), the case of a
Fachkraft on its agenda with an invited guest, and the item's Fallprotokoll opened by its
writer; helpers to sign in and to read the protocol back from the database."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from fallteam.auth.models import User
from fallteam.extensions import db
from fallteam.meetings.models import AgendaItem, ItemAttendance, Presence
from fallteam.protocols import operations
from fallteam.protocols.models import CaseProtocol
from tests.conftest import Account, sign_in


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
