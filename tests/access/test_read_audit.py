"""Reading case content is recorded at one place: every page that shows the content of one
case records exactly one read event (per request), downloads exactly one export event — and
no view records reads itself.

An agenda (and the run view) records one read event per case it shows, so that "who read case
X" stays one look at the case's events: the one-case agenda of ``scene`` gives one, an agenda
with two cases two, each naming its case. A redirect shows nothing and records nothing; a page
re-rendered with a form error shows the case again and records it again, once."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from fallteam.audit.models import AuditAction, AuditEvent
from fallteam.auth.models import User
from fallteam.cases.models import Case
from fallteam.core.models import utcnow
from fallteam.extensions import db
from fallteam.meetings.models import Meeting
from fallteam.meetings.operations import agenda
from tests.conftest import PRESENTATION, QUESTION, csrf_token, sign_in

VIEWS = Path(__file__).resolve().parents[2] / "fallteam"


def _count(app, actor_id, action) -> int:
    with app.app_context():
        return db.session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.actor_id == actor_id, AuditEvent.action == action)
        )


@pytest.fixture
def guest(create_account):
    return create_account(["guest"])


@pytest.fixture
def scene(app, create_account, create_case, create_team, create_meeting, guest):
    owner = create_account(["fachkraft", "member"])
    moderator = create_account(["member"])
    team_id, _ = create_team([(owner, "permanent"), (moderator, "permanent")])
    case = create_case(
        owner, consent={"recipients": [{"type": "participant_kind", "value": "member"}]}
    )
    session = create_meeting(team_id, case, moderator=moderator, guests=[guest])
    # The session day has come (registered a week ahead): the run view opens today.
    with app.app_context():
        meeting = db.session.get(Meeting, session.meeting_id)
        meeting.starts_dt = (utcnow() + timedelta(minutes=30)).replace(microsecond=0)
        meeting.ends_dt = meeting.starts_dt + timedelta(hours=3)
        db.session.commit()
    return owner, moderator, case, session


def _pages(case, session):
    member = case.member_ids[0]
    return {
        "owner": [
            f"/faelle/{case.id}",
            f"/faelle/{case.id}/bearbeiten",
            f"/faelle/{case.id}/personen/{member}",
            f"/faelle/{case.id}/einwilligungen/neu",
            f"/einwilligungen/{case.consent_id}/korrigieren",
            f"/tagesordnung/{session.item_id}",
            f"/tagesordnung/{session.item_id}/bearbeiten",
            f"/sitzungen/{session.meeting_id}",
        ],
        "moderator": [
            f"/sitzungen/{session.meeting_id}",
            f"/sitzungen/{session.meeting_id}/ablauf",
            f"/tagesordnung/{session.item_id}",
        ],
        "guest": [f"/tagesordnung/{session.item_id}"],
    }


def test_every_page_with_case_content_records_exactly_one_read(app, scene, guest):
    owner, moderator, case, session = scene
    for who, account in (("owner", owner), ("moderator", moderator), ("guest", guest)):
        client = app.test_client()
        sign_in(client, app, account)
        for url in _pages(case, session)[who]:
            before = _count(app, account.id, AuditAction.READ)
            response = client.get(url)
            assert response.status_code == 200, url
            assert _count(app, account.id, AuditAction.READ) - before == 1, url


def test_a_members_case_page_records_nothing_and_the_item_it_leads_to_one_read(app, scene):
    _owner, moderator, case, session = scene
    client = app.test_client()
    sign_in(client, app, moderator)
    before = _count(app, moderator.id, AuditAction.READ)
    response = client.get(f"/faelle/{case.id}")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/tagesordnung/{session.item_id}")
    assert _count(app, moderator.id, AuditAction.READ) == before
    assert client.get(response.headers["Location"]).status_code == 200
    assert _count(app, moderator.id, AuditAction.READ) == before + 1


def test_the_item_edit_page_re_rendered_with_a_form_error_records_one_read(app, scene):
    owner, _moderator, _case, session = scene
    client = app.test_client()
    sign_in(client, app, owner)
    before = _count(app, owner.id, AuditAction.READ)
    response = client.post(
        f"/tagesordnung/{session.item_id}/bearbeiten",
        data={
            "method": "kollegiale_beratung",
            "expected_minutes": "viel",  # not a number: the page comes back with the error
            "question": QUESTION,
            "presentation": PRESENTATION,
            "csrf_token": csrf_token(client),
        },
    )
    assert response.status_code == 200
    assert QUESTION in response.get_data(as_text=True)
    assert _count(app, owner.id, AuditAction.READ) - before == 1


def test_an_agenda_with_two_cases_records_one_read_per_case(app, scene, create_case):
    owner, moderator, case, session = scene
    second = create_case(owner)
    with app.app_context():
        agenda.register_case_for_meeting(
            db.session.get(Case, second.id),
            db.session.get(Meeting, session.meeting_id),
            agenda.Registration("kollegiale_beratung", QUESTION, PRESENTATION, 30),
            actor=db.session.get(User, owner.id),
            now=utcnow() - timedelta(days=7),  # registered in time, a week ago
        )
        db.session.commit()
    client = app.test_client()
    sign_in(client, app, moderator)
    before = _reads(app, moderator.id)
    assert client.get(f"/sitzungen/{session.meeting_id}").status_code == 200
    read = _reads(app, moderator.id)[len(before) :]
    assert sorted(read) == sorted([str(case.id), str(second.id)])


def _reads(app, actor_id) -> list[str]:
    """The ids of the cases read by ``actor_id``, in order."""
    with app.app_context():
        return list(
            db.session.scalars(
                select(AuditEvent.object_id)
                .where(AuditEvent.actor_id == actor_id, AuditEvent.action == AuditAction.READ)
                .order_by(AuditEvent.seq)
            )
        )


def test_every_download_records_exactly_one_export(app, scene):
    owner, _moderator, case, session = scene
    client = app.test_client()
    sign_in(client, app, owner)
    for url in (
        f"/tagesordnung/{session.item_id}/unterlagen/{session.document_id}",
        f"/einwilligungen/{case.consent_id}/dokument",
    ):
        before = _count(app, owner.id, AuditAction.EXPORT)
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["Content-Disposition"].startswith("attachment")
        assert "no-store" in response.headers["Cache-Control"]
        assert _count(app, owner.id, AuditAction.EXPORT) - before == 1, url


def test_no_view_records_a_read_itself():
    calls = re.compile(r"record_\w*read|AuditAction\.(READ|EXPORT)")
    offenders = [
        f"{path.relative_to(VIEWS.parent)}:{number}"
        for path in sorted(VIEWS.rglob("views*.py")) + sorted(VIEWS.rglob("views/*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if calls.search(line)
    ]
    assert offenders == []
