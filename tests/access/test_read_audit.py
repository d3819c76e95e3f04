"""Reading case content is recorded at one place: every page that shows the content of one
case records exactly one read event (per request), downloads exactly one export event — and
no view records reads itself."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from fallteam.audit.models import AuditAction, AuditEvent
from fallteam.core.models import utcnow
from fallteam.extensions import db
from fallteam.meetings.models import Meeting
from tests.conftest import sign_in

VIEWS = Path(__file__).resolve().parents[2] / "fallteam"


def _count(app, actor_id, action) -> int:
    with app.app_context():
        return db.session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.actor_id == actor_id, AuditEvent.action == action)
        )


@pytest.fixture
def scene(app, create_account, create_case, create_team, create_session):
    owner = create_account(["fachkraft", "member"])
    moderator = create_account(["member"])
    team_id, _ = create_team([(owner, "permanent"), (moderator, "permanent")])
    case = create_case(
        owner, consent={"recipients": [{"type": "participant_kind", "value": "member"}]}
    )
    session = create_session(team_id, case, moderator=moderator)
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
    }


def test_every_page_with_case_content_records_exactly_one_read(app, scene):
    owner, moderator, case, session = scene
    for who, account in (("owner", owner), ("moderator", moderator)):
        client = app.test_client()
        sign_in(client, app, account)
        for url in _pages(case, session)[who]:
            before = _count(app, account.id, AuditAction.READ)
            response = client.get(url)
            assert response.status_code == 200, url
            assert _count(app, account.id, AuditAction.READ) - before == 1, url


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
