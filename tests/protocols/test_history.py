"""Every saved draft is kept (who, when); the history shows what changed between two of them,
line by line, and viewing it is one recorded read."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from fallteam.audit.models import AuditAction, AuditEvent
from fallteam.extensions import db
from tests.protocols.conftest import act

pytestmark = pytest.mark.settings(WTF_CSRF_ENABLED=False)


def test_the_history_shows_who_saved_and_what_changed(app, setting, client_of):
    act(app, setting.protocol_id, setting.writer, "save_draft", {"hypothesen": "Alt.\nBleibt."}, 1)
    act(app, setting.protocol_id, setting.writer, "save_draft", {"hypothesen": "Neu.\nBleibt."}, 2)
    client = client_of(setting.owner)

    page = client.get(f"/protokolle/{setting.protocol_id}/verlauf").get_data(as_text=True)

    assert "Fassung 2" in page and "Fassung 3" in page
    assert "entfernt: Alt." in page and "neu: Neu." in page
    assert "entfernt: Bleibt." not in page
    first = client.get(f"/protokolle/{setting.protocol_id}/verlauf?bis=2").get_data(as_text=True)
    assert "neu: Alt." in first
    with app.app_context():
        reads = db.session.scalars(
            select(AuditEvent.purpose).where(
                AuditEvent.actor_id == setting.owner.id, AuditEvent.action == AuditAction.READ
            )
        ).all()
    assert reads.count("Fallprotokoll") == 2


def test_guests_never_see_the_history(app, setting, client_of):
    answer = client_of(setting.guest).get(f"/protokolle/{setting.protocol_id}/verlauf")
    assert answer.status_code == 403
