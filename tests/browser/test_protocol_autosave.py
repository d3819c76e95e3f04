"""The writer's Fallprotokoll saves itself in Chromium: typing shows "nicht gespeichert",
then "gespeichert" once the server holds the text; without a connection it says so and
saves when the connection is back; nothing is kept in the browser's storage."""

from __future__ import annotations

import pytest

from fallteam.auth.models import User
from fallteam.extensions import db
from fallteam.meetings.models import AgendaItem
from fallteam.protocols import operations
from fallteam.protocols.models import CaseProtocol
from tests.browser.conftest import sign_in
from tests.browser.test_session_run import make_scene

try:
    from playwright.sync_api import expect
except ImportError:
    # the ``chromium`` fixture skips (or fails) the test with the reason before it is needed
    expect = None

pytestmark = pytest.mark.browser


def _stored(live_app, protocol_id):
    with live_app.app_context():
        protocol = db.session.get(CaseProtocol, protocol_id)
        return protocol.version, dict(protocol.sections or {})


def test_the_draft_saves_itself_and_retries_after_going_offline(live_app, make_account, page):
    scene = make_scene(live_app, make_account)
    with live_app.app_context():
        item = db.session.get(AgendaItem, scene.item_ids[0])
        item.writer_id = scene.colleague.id
        protocol = operations.open_protocol(item, db.session.get(User, scene.colleague.id))
        db.session.commit()
        protocol_id = protocol.id
    sign_in(page, live_app, scene.colleague)
    page.goto(f"/protokolle/{protocol_id}")
    status = page.locator("[data-autosave-status]")

    page.get_by_label("Hypothesen").fill("Kind 1 braucht Sicherheit.")
    expect(status).to_have_text("nicht gespeichert")
    expect(status).to_have_text("gespeichert", timeout=8000)
    version, sections = _stored(live_app, protocol_id)
    assert version == 2 and sections["hypothesen"] == "Kind 1 braucht Sicherheit."

    page.context.set_offline(True)
    page.get_by_label("Hilfesetting").fill("Schulbegleitung prüfen.")
    page.get_by_label("Hypothesen").focus()
    expect(status).to_contain_text("keine Verbindung", timeout=8000)
    page.context.set_offline(False)
    expect(status).to_have_text("gespeichert", timeout=8000)
    version, sections = _stored(live_app, protocol_id)
    assert version == 3 and sections["hilfesetting"] == "Schulbegleitung prüfen."
    assert page.evaluate("localStorage.length + sessionStorage.length") == 0
