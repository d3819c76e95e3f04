"""The writer's Fallprotokoll saves itself in Chromium: typing shows "nicht gespeichert",
then "gespeichert" once the server holds the text; without a connection it says so and
saves when the connection is back; nothing is kept in the browser's storage."""

from __future__ import annotations

import secrets

import pytest
from sqlalchemy import select

from fallteam.auth.models import User
from fallteam.extensions import db
from fallteam.meetings.models import AgendaItem
from fallteam.protocols import operations
from fallteam.protocols.models import CaseProtocol
from fallteam.teams.models import Team
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


def _scene(live_app, make_account):
    """``make_scene`` once more on this module's server: its team's name is taken already."""
    with live_app.app_context():
        for team in db.session.scalars(select(Team).where(Team.name == "Fallteam Teltow")):
            team.name = f"Fallteam Teltow {secrets.token_hex(3)}"
        db.session.commit()
    return make_scene(live_app, make_account)


def _opened_by_colleague(live_app, scene):
    with live_app.app_context():
        item = db.session.get(AgendaItem, scene.item_ids[0])
        item.writer_id = scene.colleague.id
        protocol = operations.open_protocol(item, db.session.get(User, scene.colleague.id))
        db.session.commit()
        return protocol.id


def test_a_conflict_shows_the_saved_version_keeps_mine_and_saves_mine_on_request(
    live_app, make_account, open_page
):
    """The writer has the draft open in two windows; both start from version 1."""
    scene = _scene(live_app, make_account)
    protocol_id = _opened_by_colleague(live_app, scene)
    open_page.expected_errors.append("status of 409 (CONFLICT)")
    first, second = open_page(), open_page()
    for page in (first, second):
        sign_in(page, live_app, scene.colleague)
        page.goto(f"/protokolle/{protocol_id}")

    first.get_by_label("Hypothesen").fill("Kind 1 braucht Sicherheit.")
    first.get_by_label("Empfehlung zu den nächsten Schritten").focus()
    expect(first.locator("[data-autosave-status]")).to_have_text("gespeichert", timeout=8000)

    second.get_by_label("Hypothesen").fill("Die Mutter braucht Entlastung.")
    second.get_by_label("Empfehlung zu den nächsten Schritten").focus()
    panel = second.locator("[data-autosave-conflict]")
    expect(panel).to_be_visible(timeout=8000)
    expect(panel).to_contain_text("inzwischen von anderer Seite gespeichert")
    expect(panel).to_contain_text("Von Jonas Beispiel gespeicherte Fassung")
    theirs = second.locator('[data-theirs-for="hypothesen"]')
    expect(theirs).to_contain_text("Kind 1 braucht Sicherheit.")
    expect(theirs).to_contain_text("Von Jonas Beispiel gespeicherte Fassung")
    # only where the versions differ
    expect(second.locator('[data-theirs-for="empfehlung"]')).to_have_count(0)
    expect(second.get_by_label("Hypothesen")).to_have_value("Die Mutter braucht Entlastung.")
    expect(second.locator("[data-autosave-status]")).to_contain_text("von anderer Seite")
    # autosaving waits for the writer's choice
    second.get_by_label("Hilfesetting").fill("Schulbegleitung prüfen.")
    second.get_by_label("Hypothesen").focus()
    second.wait_for_timeout(500)
    version, sections = _stored(live_app, protocol_id)
    assert version == 2 and sections["hypothesen"] == "Kind 1 braucht Sicherheit."
    assert not sections["hilfesetting"]

    panel.get_by_role("button", name="Meine Fassung übernehmen").click()
    expect(second.locator("[data-autosave-status]")).to_have_text("gespeichert", timeout=8000)
    expect(panel).to_be_hidden()
    expect(theirs).to_have_count(0)
    version, sections = _stored(live_app, protocol_id)
    assert version == 3
    assert sections["hypothesen"] == "Die Mutter braucht Entlastung."
    assert sections["hilfesetting"] == "Schulbegleitung prüfen."
    assert second.evaluate("localStorage.length + sessionStorage.length") == 0


def test_taking_the_saved_version_puts_it_in_the_fields(live_app, make_account, open_page):
    scene = _scene(live_app, make_account)
    protocol_id = _opened_by_colleague(live_app, scene)
    open_page.expected_errors.append("status of 409 (CONFLICT)")
    first, second = open_page(), open_page()
    for page in (first, second):
        sign_in(page, live_app, scene.colleague)
        page.goto(f"/protokolle/{protocol_id}")
    first.get_by_label("Hypothesen").fill("Kind 1 braucht Sicherheit.")
    first.get_by_label("Hilfesetting").focus()
    expect(first.locator("[data-autosave-status]")).to_have_text("gespeichert", timeout=8000)
    second.get_by_label("Hypothesen").fill("Die Mutter braucht Entlastung.")
    second.get_by_label("Hilfesetting").focus()
    panel = second.locator("[data-autosave-conflict]")
    expect(panel).to_be_visible(timeout=8000)

    panel.get_by_role("button", name="Gespeicherte Fassung übernehmen").click()

    expect(second.get_by_label("Hypothesen")).to_have_value("Kind 1 braucht Sicherheit.")
    expect(panel).to_be_hidden()
    # working on from the saved version saves normally
    second.get_by_label("Hilfesetting").fill("Schulbegleitung prüfen.")
    second.get_by_label("Hypothesen").focus()
    expect(second.locator("[data-autosave-status]")).to_have_text("gespeichert", timeout=8000)
    version, sections = _stored(live_app, protocol_id)
    assert version == 3
    assert sections["hypothesen"] == "Kind 1 braucht Sicherheit."
    assert sections["hilfesetting"] == "Schulbegleitung prüfen."


def test_a_refused_autosave_shows_the_guards_message(live_app, make_account, open_page):
    scene = _scene(live_app, make_account)
    protocol_id = _opened_by_colleague(live_app, scene)
    open_page.expected_errors.append("status of 422 (UNPROCESSABLE ENTITY)")
    page = open_page()
    sign_in(page, live_app, scene.colleague)
    page.goto(f"/protokolle/{protocol_id}")

    page.get_by_label("Hypothesen").fill("Sabine ist überlastet.")
    page.get_by_label("Hilfesetting").focus()

    problem = page.locator("[data-autosave-error]")
    expect(problem).to_contain_text("die Familie erkennbar machen", timeout=8000)
    expect(problem).to_contain_text("„Hypothesen“")
    expect(page.locator("[data-autosave-status]")).to_have_text("nicht gespeichert")
    assert _stored(live_app, protocol_id)[0] == 1
    page.get_by_label("Hypothesen").fill("Die Mutter ist überlastet.")
    page.get_by_label("Hilfesetting").focus()
    expect(page.locator("[data-autosave-status]")).to_have_text("gespeichert", timeout=8000)
    expect(problem).to_be_hidden()
