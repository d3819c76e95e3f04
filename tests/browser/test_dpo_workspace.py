"""The data protection officer's morning in Chromium: the workspace shows how the audit chain
stands, "Jetzt prüfen" verifies it, and the access report of a case names who read it, in
which session and on what basis — and never anything of the family."""

from __future__ import annotations

import pytest

from tests.browser.conftest import sign_in
from tests.browser.test_case_flow import save_screenshot
from tests.browser.test_protocol_to_excerpt import NAMES, make_session_with_one_case

try:
    from playwright.sync_api import expect
except ImportError:
    expect = None  # the ``chromium`` fixture skips (or fails) before ``expect`` is needed

pytestmark = pytest.mark.browser


def test_the_dpo_checks_the_chain_and_reads_a_case_report_without_case_content(
    live_app, make_account, open_page, doc_screenshots_dir
):
    scene = make_session_with_one_case(live_app, make_account)
    # The case manager opens her case, the writer the agenda item: two reads to account for.
    owner_page = open_page()
    sign_in(owner_page, live_app, scene.fachkraft)
    owner_page.goto(f"/faelle/{scene.case_id}")
    expect(owner_page.get_by_text(scene.family_name).first).to_be_visible()
    writer_page = open_page()
    sign_in(writer_page, live_app, scene.writer)
    writer_page.goto(f"/tagesordnung/{scene.item_id}")
    expect(writer_page.get_by_text(scene.pseudonym).first).to_be_visible()

    dpo = make_account(["dpo"])
    page = open_page(width=1280, height=1000)
    sign_in(page, live_app, dpo)
    page.get_by_role("link", name="Datenschutz", exact=True).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Datenschutz: Arbeitsbereich")
    page.get_by_role("button", name="Jetzt prüfen").click()
    status = page.get_by_test_id("chain-status")
    expect(status.get_by_test_id("last-verification")).to_contain_text("unversehrt")
    expect(status.get_by_test_id("last-checkpoint")).to_contain_text("Nr.")
    save_screenshot(page, doc_screenshots_dir / "datenschutz-arbeitsbereich.png", full_page=True)
    assert scene.family_name not in page.content()

    page.get_by_label("Pseudonym des Falls").fill(scene.pseudonym)
    page.get_by_role("button", name="Zugriffsbericht zeigen").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(scene.pseudonym)
    people = page.get_by_test_id("report-person")
    for name in (NAMES["fachkraft"], NAMES["writer"]):
        expect(people.filter(has_text=name)).to_have_count(1)
    save_screenshot(page, doc_screenshots_dir / "datenschutz-zugriffsbericht.png", full_page=True)
    html = page.content()
    assert scene.family_name not in html
    assert "Die Mutter lebt mit beiden Kindern allein." not in html
