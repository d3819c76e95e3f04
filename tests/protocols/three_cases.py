"""A session with three cases of three Fachkräfte, each with a finalised Fallprotokoll of
distinctive text and a Wiedervorlage; the team's moderator, writer and a member were present,
the first item's guest too, the member came late for the first item. Shared by the
Protokollauszug and case-history tests."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta

import pytest

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
from fallteam.resubmissions.models import Resubmission
from tests.conftest import PRESENTATION, QUESTION, Account, SampleCase

#: per case: a text of the Falldarstellung, of the Empfehlung, the Wiedervorlage's topic
TEXTS = [
    ("Schulweg-Begleitung Marker-Alpha", "Empfehlung Marker-Anton", "Prüfauftrag Marker-Ahorn"),
    ("Kita-Eingewöhnung Marker-Bravo", "Empfehlung Marker-Berta", "Prüfauftrag Marker-Birke"),
    ("Ausbildungsplatz Marker-Charlie", "Empfehlung Marker-Cäsar", "Prüfauftrag Marker-Ceder"),
]


@dataclass
class ThreeCases:
    owners: list[Account]
    moderator: Account
    writer: Account
    member: Account
    guest: Account
    cases: list[SampleCase]
    meeting_id: uuid.UUID
    team_id: uuid.UUID
    item_ids: list[uuid.UUID]
    protocol_ids: list[uuid.UUID]


def finalise_item(app, item_id, writer: Account, moderator: Account, texts) -> uuid.UUID:
    """Open, write, submit and finalise the item's Fallprotokoll, as the people would."""
    with app.app_context():
        item = db.session.get(AgendaItem, item_id)
        item.writer_id = writer.id
        writer_user = db.session.get(User, writer.id)
        protocol = operations.open_protocol(item, writer_user)
        operations.save_draft(
            protocol, {"falldarstellung": texts[0], "empfehlung": texts[1]}, 1, writer_user
        )
        operations.submit(protocol, writer_user)
        operations.finalise(protocol, db.session.get(User, moderator.id))
        db.session.commit()
        return protocol.id


@pytest.fixture
def three_cases(app, create_account, create_team, create_case, create_meeting) -> ThreeCases:
    owners = [create_account(["fachkraft"]) for _ in range(3)]
    moderator, writer, member = (create_account(["member"]) for _ in range(3))
    guest = create_account(["guest"])
    cases = [
        create_case(
            owners[0],
            participants=[(guest, "guest")],
            consent={"recipients": [{"type": "participant_kind", "value": "guest"}]},
        ),
        create_case(owners[1]),
        create_case(owners[2]),
    ]
    team_id, _ = create_team([(a, "permanent") for a in (moderator, writer, member)])
    session = create_meeting(team_id, cases[0], moderator=moderator, guests=[guest])
    item_ids = [session.item_id]
    with app.app_context():
        meeting = db.session.get(Meeting, session.meeting_id)
        for case in cases[1:]:
            row = db.session.get(Case, case.id)
            item = agenda.register_case_for_meeting(
                row,
                meeting,
                agenda.Registration(
                    method="kollegiale_beratung",
                    question=QUESTION,
                    presentation=PRESENTATION,
                    expected_minutes=30,
                ),
                actor=db.session.get(User, row.case_manager_id),
                now=utcnow(),
            )
            item_ids.append(item.id)
        for account in (moderator, writer, member):
            db.session.add(
                MeetingAttendance(meeting_id=meeting.id, user_id=account.id, present=True)
            )
        # the moderator records who was there for each item; the member came late to the first
        for n, item_id in enumerate(item_ids):
            for account in (moderator, writer, member):
                late = n == 0 and account is member
                presence = Presence.LATE if late else Presence.PRESENT
                db.session.add(
                    ItemAttendance(item_id=item_id, user_id=account.id, presence=presence)
                )
        first = db.session.get(AgendaItem, item_ids[0])
        first.guests[0].present = True
        for i, case in enumerate(cases):
            db.session.add(
                Resubmission(
                    case_id=case.id,
                    team_id=team_id,
                    due=date.today() + timedelta(days=40 + i),
                    topic=TEXTS[i][2],
                    responsible_id=owners[i].id,
                    created_by_id=owners[i].id,
                )
            )
        db.session.commit()
    protocol_ids = [
        finalise_item(app, item_id, writer, moderator, TEXTS[i])
        for i, item_id in enumerate(item_ids)
    ]
    return ThreeCases(
        owners,
        moderator,
        writer,
        member,
        guest,
        cases,
        session.meeting_id,
        team_id,
        item_ids,
        protocol_ids,
    )
