"""A guest or temporary team member confirms the Verschwiegenheitspflicht once before first
seeing case content: until then every page with case content (item page, its documents,
the agenda, the case page) sends them to the pledge page; the confirmation is recorded with
the text confirmed and audited, and then they see the content. Permanent members are not
asked."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import select

from fallteam.audit.models import AuditAction
from fallteam.auth.models import User
from fallteam.core.models import utcnow
from fallteam.extensions import db
from fallteam.meetings.models import AgendaDocument, ConfidentialityPledge
from fallteam.teams import operations as teams
from fallteam.teams.models import Team
from tests.conftest import QUESTION, Account
from tests.meetings.test_agenda_page import audit_events, client_of
from tests.meetings.test_run_view import post

PLEDGE = "/verschwiegenheit"


@dataclass
class Sample:
    item_id: object
    case_id: object
    meeting_id: object
    document_id: object
    guest: Account
    temporary: Account
    permanent: Account


@pytest.fixture
def sample(app, create_account, create_case, create_team, create_meeting) -> Sample:
    moderator = create_account(["member"])
    presenter = create_account(["fachkraft", "member"])
    permanent = create_account(["member"], pledged=False)
    temporary = create_account(["member"], pledged=False)
    guest = create_account(["guest"], pledged=False)
    team_id, _ = create_team(
        [(moderator, "permanent"), (presenter, "permanent"), (permanent, "permanent")]
    )
    with app.app_context():
        teams.add_member(
            db.session.get(Team, team_id),
            db.session.get(User, temporary.id),
            kind="temporary",
            until=utcnow().date() + timedelta(days=60),
        )
        db.session.commit()
    case = create_case(presenter)
    made = create_meeting(team_id, case, moderator=moderator, guests=[guest])
    with app.app_context():
        document_id = db.session.scalar(
            select(AgendaDocument.id).where(AgendaDocument.item_id == made.item_id)
        )
    return Sample(made.item_id, case.id, made.meeting_id, document_id, guest, temporary, permanent)


def content_urls(s: Sample, *, case_page: bool) -> list[str]:
    urls = [
        f"/tagesordnung/{s.item_id}",
        f"/tagesordnung/{s.item_id}/unterlagen/{s.document_id}",
        f"/sitzungen/{s.meeting_id}",
    ]
    return urls + ([f"/faelle/{s.case_id}"] if case_page else [])


def pledges_of(app, account) -> list[ConfidentialityPledge]:
    with app.app_context():
        return db.session.scalars(
            select(ConfidentialityPledge).where(ConfidentialityPledge.user_id == account.id)
        ).all()


@pytest.mark.parametrize("who", ["guest", "temporary"])
def test_case_content_waits_for_the_pledge_then_opens(app, sample, who):
    account = getattr(sample, who)
    client = client_of(app, account)
    urls = content_urls(sample, case_page=who == "temporary")
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.location.startswith(PLEDGE), url
        assert QUESTION not in response.get_data(as_text=True)

    page = client.get(f"{PLEDGE}?next={urls[0]}")
    assert page.status_code == 200
    assert "§ 203 StGB" in page.get_data(as_text=True)
    # not ticked: nothing recorded, still refused
    post(client, PLEDGE, next=urls[0])
    assert pledges_of(app, account) == []
    assert client.get(urls[0]).status_code == 302

    response = post(client, PLEDGE, next=urls[0], confirm="y")
    assert response.status_code == 302 and response.location.endswith(urls[0])
    [pledge] = pledges_of(app, account)
    assert pledge.text == app.config["CONFIDENTIALITY_PLEDGE_TEXT"]
    assert audit_events(
        app, account.id, AuditAction.CREATE, purpose="Verschwiegenheitspflicht bestätigt"
    )
    for url in urls:
        assert client.get(url, follow_redirects=True).status_code == 200, url
    assert QUESTION in client.get(urls[0]).get_data(as_text=True)


def test_a_permanent_member_is_not_asked(app, sample):
    client = client_of(app, sample.permanent)
    assert client.get(f"/tagesordnung/{sample.item_id}").status_code == 200
    assert client.get(f"/sitzungen/{sample.meeting_id}").status_code == 200


def test_a_changed_pledge_text_is_confirmed_again(app, sample, monkeypatch):
    client = client_of(app, sample.guest)
    post(client, PLEDGE, next="/", confirm="y")
    assert client.get(f"/tagesordnung/{sample.item_id}").status_code == 200
    monkeypatch.setitem(
        app.config, "CONFIDENTIALITY_PLEDGE_TEXT", "Neue Fassung der Verpflichtung (§ 203 StGB)."
    )
    assert client.get(f"/tagesordnung/{sample.item_id}").location.startswith(PLEDGE)


def test_the_pledge_page_does_not_redirect_elsewhere(app, sample):
    client = client_of(app, sample.guest)
    response = post(client, PLEDGE, next="https://example.org/", confirm="y")
    assert response.status_code == 302 and response.location == "/"
