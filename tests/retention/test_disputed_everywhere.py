"""The "bestritten" mark goes with the case's data everywhere it is shown: the session's
agenda and run view, the case history, the Protokollauszug and the owner's Art. 15 answer."""

from __future__ import annotations

from fallteam.auth.models import User
from fallteam.cases.models import Case
from fallteam.extensions import db
from fallteam.protocols import queries as protocols
from fallteam.protocols.models import CaseProtocol
from tests.conftest import csrf_token, sign_in
from tests.retention.test_restricted_lists import MOTHER


def _disputed(app, scene, today):
    owner = app.test_client()
    sign_in(owner, app, scene.owner)
    marked = owner.post(
        f"/faelle/{scene.case.id}/bestritten",
        data={"be-disputed_on": today.isoformat(), "csrf_token": csrf_token(owner)},
    )
    assert marked.status_code == 302
    return owner


def test_the_mark_shows_on_agenda_run_view_history_and_art15(app, scene, today):
    owner = _disputed(app, scene, today)
    shown = today.strftime("%d.%m.%Y")
    moderator = app.test_client()
    sign_in(moderator, app, scene.moderator)
    for client, url, method in (
        (moderator, f"/sitzungen/{scene.meeting_id}", "get"),
        (moderator, f"/sitzungen/{scene.meeting_id}/ablauf", "get"),
        (owner, f"/faelle/{scene.case.id}/verlauf", "get"),
        (owner, f"/faelle/{scene.case.id}/auskunft", "post"),
    ):
        if method == "get":
            answer = client.get(url)
        else:
            answer = client.post(url, data={**MOTHER, "csrf_token": csrf_token(client)})
        page = answer.get_data(as_text=True)
        assert answer.status_code == 200, url
        assert 'data-testid="disputed"' in page and shown in page, url


def test_the_mark_is_on_the_excerpt(app, scene, today):
    _disputed(app, scene, today)
    with app.test_request_context():
        protocol = db.session.get(CaseProtocol, scene.protocol_id)
        protocol.status = "finalised"  # an excerpt is made of a finalised protocol
        document = protocols.excerpt_document(
            protocol, db.session.get(User, scene.owner.id), real_names=False, instance="Test"
        )
        assert document.disputed == f"Daten bestritten seit {today:%d.%m.%Y}"
        db.session.get(Case, scene.case.id).disputed_on = None
        document = protocols.excerpt_document(
            protocol, db.session.get(User, scene.owner.id), real_names=False, instance="Test"
        )
        assert document.disputed == ""
        db.session.rollback()
