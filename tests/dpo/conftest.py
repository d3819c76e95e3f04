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
        assert response.status_code == 200, (path, response.status_code, response.headers.get("Location"), account.roles)
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
