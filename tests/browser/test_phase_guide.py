"""The phase guide in Chromium: next to the running clock the highlight moves to the phase the
clock has reached, without a reload; "Nächste Phase" moves on from the phase shown, and from
then on the highlight stays where the moderator put it. Nothing is kept in the browser."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from fallteam.core.models import utcnow
from fallteam.extensions import db
from fallteam.meetings.models import AgendaItem, Meeting
from fallteam.meetings.rules import day_start, local_day
from tests.browser.conftest import sign_in
from tests.browser.test_session_run import make_scene

try:
    from playwright.sync_api import expect
except ImportError:
    # Collection must not break: the ``chromium`` fixture skips the test with the reason.
    expect = None

pytestmark = pytest.mark.browser


def test_the_highlight_follows_the_clock_and_then_the_moderator(page, live_app, make_account):
    scene = make_scene(live_app, make_account)
    first_id = scene.item_ids[0]  # kollegiale Beratung, 45 minutes: Fragestellung from 9:00
    with live_app.app_context():
        meeting = db.session.get(Meeting, scene.meeting_id)
        meeting.starts_dt = day_start(local_day(utcnow())) + timedelta(hours=9)
        meeting.ends_dt = meeting.starts_dt + timedelta(hours=3)
        db.session.get(AgendaItem, first_id).elapsed_seconds = 9 * 60 - 2
        db.session.commit()
    sign_in(page, live_app, scene.moderator)
    page.goto(f"/sitzungen/{scene.meeting_id}/ablauf")

    guide = page.locator(f"#top-{first_id}").get_by_test_id("phase-guide")
    presentation = guide.locator("[data-phase=falldarstellung]")
    question = guide.locator("[data-phase=fragestellung]")
    expect(presentation).to_have_attribute("aria-current", "true")
    expect(guide.locator("tbody tr")).to_have_count(6)
    expect(guide).to_contain_text("Ideenbörse und Hypothesen")

    page.get_by_role("button", name=f"Uhr für {scene.pseudonyms[0]} starten").click()
    # the clock passes 9:00 and the highlight moves on by itself
    expect(question).to_have_class(re.compile(r"\bphase-current\b"), timeout=6_000)
    expect(question).to_have_attribute("aria-current", "true")
    expect(presentation).not_to_have_attribute("aria-current", "true")

    page.get_by_role("button", name=f"Nächste Phase für {scene.pseudonyms[0]}").click()
    understanding = guide.locator("[data-phase=verstaendnisfragen]")
    expect(understanding).to_have_attribute("aria-current", "true")
    expect(guide).to_have_attribute("data-phase-moved", "1")
    expect(guide.locator("[data-phase-now]:visible")).to_have_count(1)
    with live_app.app_context():
        assert db.session.get(AgendaItem, first_id).current_phase == "verstaendnisfragen"
    # the clock runs on: the moderator's phase stays
    page.wait_for_timeout(1_500)
    expect(understanding).to_have_attribute("aria-current", "true")
    assert page.evaluate("() => [localStorage.length, sessionStorage.length]") == [0, 0]
