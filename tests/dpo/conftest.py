"""The DPO's scenario: a Fachkraft, two team members and a guest work on one case across two
sessions, each through the pages they would open; the test knows every read it caused."""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from flask.testing import FlaskClient

from fallteam.core.models import utcnow
from tests.conftest import Account, SampleCase, SampleMeeting, sign_in

#: the scenario case's free text (the background the team reads)
BACKGROUND = "Die Familie wurde im Frühjahr vom Kinderarzt wegen wiederholter Fehlzeiten gemeldet."


@dataclass
class Scenario:
    """Who took part, the case and its two sessions, and the reads the test caused, by
    (person, session id or None for "outside a session")."""

    owner: Account
    members: list[Account]
    guest: Account
    dpo: Account
    case: SampleCase
    first: SampleMeeting
    second: SampleMeeting
    clients: dict[uuid.UUID, FlaskClient]
    reads: Counter = field(default_factory=Counter)

    def open(self, account: Account, path: str, *, session: uuid.UUID | None, reads: int = 1):
        """``account`` opens ``path`` (which shows the case ``reads`` times)."""
        response = self.clients[account.id].get(path)
        assert response.status_code == 200, (
            path,
            response.status_code,
            response.headers.get("Location"),
            account.roles,
        )
        self.reads[(account.id, session)] += reads
        return response


@pytest.fixture
def dpo_scenario(app, create_account, create_case, create_team, create_meeting) -> Scenario:
    """The case, registered for two sessions of one team (a week and two weeks ahead),
    the guest invited to the first; nobody has opened anything yet."""
    owner = create_account(["fachkraft"])
    members = [create_account(["member"]), create_account(["member"])]
    guest = create_account(["guest"])
    dpo = create_account(["dpo"])
    case = create_case(
        owner,
        background=BACKGROUND,
        consent={"recipients": [{"type": "participant_kind", "value": "member"}]},
    )
    team_id, _ = create_team([(members[0], "permanent"), (members[1], "permanent")])
    now = utcnow().replace(microsecond=0)
    first = create_meeting(
        team_id, case, moderator=members[0], guests=[guest], starts=now + timedelta(days=7)
    )
    second = create_meeting(team_id, case, moderator=members[1], starts=now + timedelta(days=14))
    clients = {}
    for account in (owner, *members, guest, dpo):
        client = app.test_client()
        sign_in(client, app, account)
        clients[account.id] = client
    return Scenario(owner, members, guest, dpo, case, first, second, clients)


@pytest.fixture
def worked_scenario(dpo_scenario) -> Scenario:
    """The scenario after everyone did their part: the Fachkraft opens her case and both
    agendas, each member the agenda and item of the session they moderate (the first
    member the item twice), the guest the agenda and their item."""
    s = dpo_scenario
    first, second = s.first, s.second
    s.open(s.owner, f"/faelle/{s.case.id}", session=None)
    s.open(s.owner, f"/sitzungen/{first.meeting_id}", session=first.meeting_id)
    s.open(s.owner, f"/sitzungen/{second.meeting_id}", session=second.meeting_id)
    s.open(s.members[0], f"/sitzungen/{first.meeting_id}", session=first.meeting_id)
    s.open(s.members[0], f"/tagesordnung/{first.item_id}", session=first.meeting_id)
    s.open(s.members[0], f"/tagesordnung/{first.item_id}", session=first.meeting_id)
    s.open(s.members[1], f"/sitzungen/{second.meeting_id}", session=second.meeting_id)
    s.open(s.members[1], f"/tagesordnung/{second.item_id}", session=second.meeting_id)
    s.open(s.guest, f"/sitzungen/{first.meeting_id}", session=first.meeting_id)
    s.open(s.guest, f"/tagesordnung/{first.item_id}", session=first.meeting_id)
    return s


#: the scenario's Fallprotokoll, the released background's reason and the Widerruf's note
PROTOCOL_TEXT = "Vereinbart: Frühstück in der Schule über den Förderverein, Termin beim Kinderarzt."
RELEASE_REASON = "Freigabe: der Vorname ist in der Gemeinde häufig, keine Wiedererkennung."
REVOCATION_NOTE = "Widerruf telefonisch, die Mutter will keine Weitergabe an die Kita."
#: background naming the family: the re-identification guard flags it, the owner releases it
FLAGGED_BACKGROUND = "Sabine Krautwurst zog 2023 nach Teltow; die Großmutter hilft."


@dataclass
class Disclosed:
    """The scenario after one decision of every kind, and the texts they involved."""

    scenario: Scenario
    protocol_id: uuid.UUID
    file_number: str


@pytest.fixture
def disclosed(app, dpo_scenario) -> Disclosed:
    """Every disclosure decision once, each through its domain's operation: the owner
    confirms presenting the second item pseudonymised, releases a background the guard
    flagged, makes a Protokollauszug with real names of the first item's finalised
    protocol, records a consent (in the scenario already) and records its Widerruf."""
    from flask_login import login_user

    from fallteam.auth.models import User
    from fallteam.cases import operations as cases
    from fallteam.cases.models import Case
    from fallteam.consent import operations as consents
    from fallteam.consent.models import Consent
    from fallteam.extensions import db
    from fallteam.meetings.models import AgendaItem
    from fallteam.meetings.operations import agenda
    from fallteam.protocols import operations as protocols
    from fallteam.protocols.models import CaseProtocol
    from fallteam.protocols.rules import content_hash
    from tests.conftest import PRESENTATION, QUESTION

    s = dpo_scenario
    with app.test_request_context():
        owner = db.session.get(User, s.owner.id)
        # the operations record the signed-in user as the one who acted, as in a request
        login_user(owner)
        case = db.session.get(Case, s.case.id)
        second = db.session.get(AgendaItem, s.second.item_id)
        agenda.update_registration(
            second,
            agenda.Registration(
                method="kollegiale_beratung",
                question=QUESTION,
                presentation=PRESENTATION,
                expected_minutes=45,
                pseudonymised_confirmed=True,
            ),
            actor=owner,
        )
        hits = cases.set_background(case, FLAGGED_BACKGROUND, release_reason=RELEASE_REASON)
        assert hits, "the guard should flag the family's name"
        first = db.session.get(AgendaItem, s.first.item_id)
        sections = {"falldarstellung": PROTOCOL_TEXT}
        protocol = CaseProtocol(
            item_id=first.id,
            case_id=case.id,
            writer_id=s.members[1].id,
            status="finalised",
            version=1,
            sections=sections,
            content_hash=content_hash(first.id, first.method, sections, None),
        )
        db.session.add(protocol)
        db.session.flush()
        protocols.make_excerpt(protocol, owner, real_names=True, instance="Test")
        consents.revoke_consent(
            case,
            db.session.get(Consent, s.case.consent_id),
            revoked_on=utcnow().date(),
            received_by=owner,
            note=REVOCATION_NOTE,
            actor=owner,
        )
        file_number = case.file_number
        db.session.commit()
        return Disclosed(s, protocol.id, file_number)
