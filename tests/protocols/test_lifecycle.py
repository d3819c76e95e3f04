"""Draft -> submitted by the writer -> finalised by the moderator -> locked: finalising stores
the SHA-256 of the canonical content and audits it; afterwards no route changes the protocol,
and a correction is an addendum under the unchanged original."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from fallteam.audit.models import AuditEvent
from fallteam.core.models import utcnow
from fallteam.extensions import db
from fallteam.meetings.models import Meeting
from fallteam.protocols.models import CaseProtocol
from tests.protocols.conftest import act, stored

TEXTS = {
    "falldarstellung": "Die Mutter lebt mit beiden Kindern allein.",
    "hypothesen": "Kind 1 braucht Sicherheit beim Übergang in die Schule.",
    "empfehlung": "Schulbegleitung prüfen; Gespräch mit der Mutter.",
}
KEYS = [
    "falldarstellung",
    "genogramm",
    "fragestellung",
    "verstaendnisfragen",
    "ideenboerse",
    "hypothesen",
    "hilfesetting",
    "empfehlung",
]

pytestmark = pytest.mark.settings(WTF_CSRF_ENABLED=False)


def _expected_hash(item_id, sections) -> str:
    """The hash computed here from the documented canonical form, not by the application."""
    document = {
        "item": str(item_id),
        "method": "kollegiale_beratung",
        "sections": {k: sections.get(k, "") for k in KEYS},
    }
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _finalised(app, setting) -> CaseProtocol:
    act(app, setting.protocol_id, setting.writer, "save_draft", TEXTS, 1)
    act(app, setting.protocol_id, setting.writer, "submit")
    act(app, setting.protocol_id, setting.moderator, "finalise")
    return stored(app, setting.protocol_id)


def test_finalising_stores_the_hash_who_and_when_and_audits_the_hash(app, setting):
    protocol = _finalised(app, setting)
    assert protocol.status == "finalised"
    assert protocol.content_hash == _expected_hash(setting.item_id, TEXTS)
    assert protocol.finalised_by_id == setting.moderator.id
    assert protocol.finalised_dt is not None
    with app.app_context():
        details = db.session.scalars(
            select(AuditEvent.details).where(
                AuditEvent.object_id == str(setting.protocol_id), AuditEvent.action == "update"
            )
        ).all()
    assert any(json.loads(d).get("sha256") == protocol.content_hash for d in details)


def test_a_finalised_protocol_cannot_be_changed_through_any_route(app, setting, client_of):
    before = _finalised(app, setting)
    url = f"/protokolle/{setting.protocol_id}"
    changed = {"version": before.version, **{k: "geändert" for k in KEYS}}
    writer, moderator = client_of(setting.writer), client_of(setting.moderator)

    answers = [
        writer.post(url, data=changed),
        writer.post(f"{url}/entwurf", json={"version": before.version, "sections": changed}),
        writer.post(f"{url}/einreichen"),
        moderator.post(f"{url}/abschliessen"),
    ]

    assert [400 <= r.status_code < 500 for r in answers] == [True] * 4
    after = stored(app, setting.protocol_id)
    assert (after.sections, after.version, after.status, after.content_hash) == (
        before.sections,
        before.version,
        before.status,
        before.content_hash,
    )
    assert after.finalised_dt == before.finalised_dt


def test_an_addendum_stands_under_the_unchanged_original(app, setting, client_of):
    before = _finalised(app, setting)
    client = client_of(setting.owner)

    response = client.post(
        f"/protokolle/{setting.protocol_id}/nachtrag",
        data={"text": "Die Schulbegleitung ist bereits beantragt.", "reason": "Ergänzung"},
    )

    assert response.status_code == 302
    after = stored(app, setting.protocol_id)
    assert after.sections == before.sections == {k: TEXTS.get(k, "") for k in KEYS}
    assert after.content_hash == _expected_hash(setting.item_id, after.sections)
    page = client.get(f"/protokolle/{setting.protocol_id}").get_data(as_text=True)
    assert "Die Schulbegleitung ist bereits beantragt." in page
    assert "Ergänzung" in page
    assert after.content_hash in page
    assert "Das Fallteam trifft keine Entscheidung" in page


def test_no_addendum_before_finalising(app, setting, client_of):
    response = client_of(setting.writer).post(
        f"/protokolle/{setting.protocol_id}/nachtrag", data={"text": "Nachtrag", "reason": "Grund"}
    )
    assert response.status_code == 409


def test_only_the_moderator_finalises(app, setting, client_of):
    act(app, setting.protocol_id, setting.writer, "submit")
    for account in (setting.writer, setting.member, setting.owner, setting.guest):
        answer = client_of(account).post(f"/protokolle/{setting.protocol_id}/abschliessen")
        assert answer.status_code == 403
    assert stored(app, setting.protocol_id).status == "submitted"


def test_the_moderator_finalises_after_the_session_day_too(app, setting, client_of):
    act(app, setting.protocol_id, setting.writer, "submit")
    with app.app_context():
        protocol = db.session.get(CaseProtocol, setting.protocol_id)
        meeting = db.session.get(Meeting, protocol.item.meeting_id)
        meeting.starts_dt = utcnow() - timedelta(days=10)
        meeting.ends_dt = meeting.starts_dt + timedelta(hours=3)
        db.session.commit()

    answer = client_of(setting.moderator).post(f"/protokolle/{setting.protocol_id}/abschliessen")

    assert answer.status_code == 302
    assert stored(app, setting.protocol_id).status == "finalised"
