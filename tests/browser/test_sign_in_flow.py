"""Sign-in as a person does it in Chromium: password, second factor, start page, sign-out."""

from __future__ import annotations

import re

import pyotp
import pytest

from fallteam.auth.models import User
from fallteam.extensions import db
from tests.conftest import fresh_totp_code

try:
    from playwright.sync_api import expect
except ImportError:
    # Collection must not break: the ``chromium`` fixture skips each test with the reason
    # (or fails it under FALLTEAM_REQUIRE_BROWSER=1) before ``expect`` is needed.
    expect = None

pytestmark = pytest.mark.browser


def enter_password(page, username: str, password: str) -> None:
    """Step one of the sign-in, from the sign-in page."""
    page.goto("/anmelden")
    page.get_by_label("Benutzername").fill(username)
    page.get_by_label("Passwort", exact=True).fill(password)
    page.get_by_role("button", name="Weiter").click()


def test_sign_in_with_password_and_totp_then_sign_out(page, live_app, make_account, artifacts_dir):
    account = make_account(["fachkraft"])

    enter_password(page, account.username, account.password)
    expect(page).to_have_url(re.compile(r"/anmelden/zweiter-faktor$"))
    page.get_by_label("Code aus der Authenticator-App").fill(fresh_totp_code(live_app, account))
    page.get_by_role("button", name="Anmelden").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Willkommen, Test {account.username}"
    )
    expect(page.get_by_text("Fachkraft (ASD)")).to_be_visible()
    page.screenshot(path=artifacts_dir / "start-page-fachkraft.png", full_page=True)

    page.get_by_role("button", name="Abmelden").click()
    expect(page).to_have_url(re.compile(r"/anmelden$"))
    expect(page.get_by_role("status")).to_contain_text("Sie sind abgemeldet.")
    # The session is really over, not just the page changed: the start page wants a sign-in.
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/anmelden(\?.*)?$"))
    expect(page.get_by_role("button", name="Abmelden")).to_have_count(0)


def test_first_sign_in_sets_up_the_second_factor(page, live_app, make_account):
    account = make_account(["member"], second_factor=False)

    enter_password(page, account.username, account.password)
    expect(page).to_have_url(re.compile(r"/anmelden/zweiter-faktor/einrichten$"))
    page.get_by_role("button", name="Einrichtung beginnen").click()

    secret = page.get_by_test_id("totp-secret")
    expect(secret).to_be_visible()
    # The code a phone would show after scanning the QR code (fresh account: no step used yet).
    code = pyotp.TOTP(secret.inner_text().strip()).now()
    page.get_by_label("Code aus der Authenticator-App").fill(code)
    page.get_by_role("button", name="Bestätigen").click()

    codes = page.get_by_test_id("recovery-codes").locator("li")
    expect(codes).to_have_count(live_app.config["RECOVERY_CODE_COUNT"])
    page.get_by_role("link", name="Ich habe die Codes notiert – weiter").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Willkommen, Test {account.username}"
    )

    with live_app.app_context():
        assert db.session.get(User, account.id).totp_confirmed


@pytest.mark.parametrize("who", ["known-name", "unknown-name"])
def test_wrong_password_is_refused_on_the_page(page, make_account, who):
    account = make_account(["member"])
    # Unknown names get the same answer as wrong passwords (no probing for accounts).
    username = account.username if who == "known-name" else "niemand-hier"

    enter_password(page, username, "Falsches-Passwort-123")

    expect(page.get_by_role("alert")).to_have_text("Benutzername oder Passwort ist falsch.")
    expect(page).to_have_url(re.compile(r"/anmelden$"))
    expect(page.get_by_label("Code aus der Authenticator-App")).to_have_count(0)
