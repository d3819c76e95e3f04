"""The history of one case across all sessions: every Fallprotokoll (status, hash), every
excerpt made, every Wiedervorlage, in date order; for the case's fallführende Fachkraft only,
in a constant number of statements, each view a recorded read."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from fallteam.audit.models import AuditAction, AuditEvent
from fallteam.core.models import utcnow
from fallteam.extensions import db
from fallteam.protocols.models import CaseProtocol
from tests.conftest import sign_in
from tests.protocols.three_cases import TEXTS, finalise_item


def _client(app, account):
    client = app.test_client()
    sign_in(client, app, account)
    return client


def _later_sessions(app, three_cases, create_meeting, count: int) -> None:
    """``count`` further sessions of the team with the first case, each with a finalised
    protocol."""
    for n in range(count):
        session = create_meeting(
            three_cases.team_id,
            three_cases.cases[0],
            moderator=three_cases.moderator,
            starts=(utcnow() + timedelta(days=14 + 7 * n)).replace(microsecond=0),
        )
        finalise_item(
            app,
            session.item_id,
            three_cases.writer,
            three_cases.moderator,
            (f"Folgesitzung {n} Marker-Delta", "Empfehlung Marker-Dora"),
        )


def test_the_history_lists_protocols_excerpts_and_resubmissions_in_date_order(
    app, three_cases, create_meeting
):
    _later_sessions(app, three_cases, create_meeting, 1)
    owner = three_cases.owners[0]
    client = _client(app, owner)
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(app.config, "WTF_CSRF_ENABLED", False)
        assert client.post(f"/protokolle/{three_cases.protocol_ids[0]}/auszug").status_code == 200

    response = client.get(f"/faelle/{three_cases.cases[0].id}/verlauf")

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    # the excerpt made today, the sessions in one and two weeks, the Wiedervorlage in 40 days
    kinds = re.findall(r'data-testid="history-(\w+)"', page)
    assert kinds == ["excerpt", "protocol", "protocol", "resubmission"]
    with app.app_context():
        hashes = db.session.scalars(
            select(CaseProtocol.content_hash).where(CaseProtocol.case_id == three_cases.cases[0].id)
        ).all()
    assert len(hashes) == 2 and all(h in page for h in hashes)
    assert TEXTS[0][2] in page  # the Wiedervorlage's topic
    for other in (1, 2):
        assert three_cases.cases[other].pseudonym not in page
        assert TEXTS[other][2] not in page


def test_the_case_page_links_the_history_for_its_case_manager(app, three_cases):
    page = (
        _client(app, three_cases.owners[0])
        .get(f"/faelle/{three_cases.cases[0].id}")
        .get_data(as_text=True)
    )

    assert 'data-testid="case-history-link"' in page


def test_the_history_costs_the_same_statements_for_one_session_or_four(
    app, three_cases, create_meeting, count_statements
):
    client = _client(app, three_cases.owners[0])
    url = f"/faelle/{three_cases.cases[0].id}/verlauf"
    client.get(url)
    with count_statements() as one:
        assert client.get(url).status_code == 200

    _later_sessions(app, three_cases, create_meeting, 3)
    client.get(url)
    with count_statements() as four:
        assert client.get(url).status_code == 200

    assert len(four) == len(one)


def test_each_view_of_the_history_is_one_recorded_read(app, three_cases):
    owner = three_cases.owners[0]
    client = _client(app, owner)

    for _ in range(2):
        assert client.get(f"/faelle/{three_cases.cases[0].id}/verlauf").status_code == 200

    with app.app_context():
        reads = db.session.scalars(
            select(AuditEvent.purpose).where(
                AuditEvent.actor_id == owner.id,
                AuditEvent.action == AuditAction.READ,
                AuditEvent.purpose == "Fallverlauf",
            )
        ).all()
    assert len(reads) == 2


@pytest.mark.parametrize(
    "who", ["other_fachkraft", "member", "writer", "moderator", "guest", "dpo", "admin"]
)
def test_everyone_but_the_case_manager_is_refused(app, three_cases, create_account, who):
    accounts = {
        "other_fachkraft": three_cases.owners[1],
        "member": three_cases.member,
        "writer": three_cases.writer,
        "moderator": three_cases.moderator,
        "guest": three_cases.guest,
    }
    account = accounts.get(who) or create_account([who])

    response = _client(app, account).get(f"/faelle/{three_cases.cases[0].id}/verlauf")

    assert response.status_code == 403
