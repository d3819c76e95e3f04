"""A read event says on what basis the read was allowed: the case owner ("fallführend"), the
writer ("Protokollführung"), the moderator ("Moderation"), a member present at the session
("Teilnahme an der Sitzung"), an invited guest ("Gast (eingeladen)") — and, where consents
released data to the reader, "Schweigepflichtsentbindung" with the ids of exactly those
consents (ids only: nothing of their content)."""

# ruff: noqa: F811  (pytest fixtures imported from tests.protocols.conftest are parameters)
from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from fallteam.audit.models import AuditAction, AuditEvent
from fallteam.consent.models import Consent
from fallteam.extensions import db
from fallteam.meetings.models import AgendaItem
from tests.protocols.conftest import act, client_of, team_session  # noqa: F401  (fixtures)

pytestmark = pytest.mark.settings(WTF_CSRF_ENABLED=False)


@pytest.fixture
def s(app, team_session):
    # the case's consent releases the family's identity to guests (participant kind "guest")
    s = team_session(1)
    act(app, s.protocol_ids[0], s.writer, "save_draft", {"hypothesen": "Entwurf"}, 1)
    act(app, s.protocol_ids[0], s.writer, "submit")
    return s


def _last_read(app, actor_id) -> dict:
    with app.app_context():
        event = db.session.scalar(
            select(AuditEvent)
            .where(AuditEvent.actor_id == actor_id, AuditEvent.action == AuditAction.READ)
            .order_by(AuditEvent.seq.desc())
        )
        return json.loads(event.details)


def _consent_ids(app, s) -> list[str]:
    with app.app_context():
        case_id = db.session.get(AgendaItem, s.item_ids[0]).case_id
        return [
            str(i) for i in db.session.scalars(select(Consent.id).where(Consent.case_id == case_id))
        ]


def _read(app, client_of, account, url) -> dict:
    assert client_of(account).get(url).status_code == 200, url
    return _last_read(app, account.id)


def test_the_owner_reads_as_fallfuehrend_without_consent(app, s, client_of):
    details = _read(app, client_of, s.owner, f"/tagesordnung/{s.item_ids[0]}")
    assert details["basis"] == "fallführend"
    assert "consent_ids" not in details


def test_the_writer_moderator_and_a_present_member_read_the_protocol_by_their_part(
    app, s, client_of
):
    url = f"/protokolle/{s.protocol_ids[0]}"
    assert _read(app, client_of, s.writer, url)["basis"] == "Protokollführung"
    assert _read(app, client_of, s.moderator, url)["basis"] == "Moderation"
    assert _read(app, client_of, s.member, url)["basis"] == "Teilnahme an der Sitzung"


def test_a_member_whom_no_consent_names_reads_the_item_without_consent_ids(app, s, client_of):
    details = _read(app, client_of, s.member, f"/tagesordnung/{s.item_ids[0]}")
    assert details["basis"] == "Teilnahme an der Sitzung"
    assert "consent_ids" not in details


def test_a_guest_released_by_consent_reads_with_the_consents_ids(app, s, client_of):
    details = _read(app, client_of, s.guest, f"/tagesordnung/{s.item_ids[0]}")
    assert details["basis"] == "Gast (eingeladen), Schweigepflichtsentbindung"
    assert details["consent_ids"] == _consent_ids(app, s)
    assert "member_names" in " ".join(details["fields"])  # what the consent released


def test_a_guest_reads_the_protocol_as_guest(app, s, client_of):
    details = _read(app, client_of, s.guest, f"/protokolle/{s.protocol_ids[0]}")
    assert details["basis"] == "Gast (eingeladen)"


def test_the_agenda_read_names_the_basis_per_case(app, s, client_of):
    assert _read(app, client_of, s.moderator, f"/sitzungen/{s.meeting_id}")["basis"] == (
        "Moderation"
    )
    assert _read(app, client_of, s.member, f"/sitzungen/{s.meeting_id}")["basis"] == (
        "Teilnahme an der Sitzung"
    )
    assert _read(app, client_of, s.guest, f"/sitzungen/{s.meeting_id}")["basis"] == (
        "Gast (eingeladen)"
    )
