"""Browser fixtures: the application served over real HTTP on a fresh SQLite database, and
Debian's Chromium driven by Playwright.

Nothing here uses the root ``app`` fixture: its autouse ``_isolated_database`` wraps each test
in a rolled-back outer transaction on one connection, which a server answering from its own
threads cannot see. The browser tests get their own application and database instead, and each
test makes the accounts it signs in with.

Without Chromium or Playwright the tests are skipped with the reason. CI sets
``FALLTEAM_REQUIRE_BROWSER=1`` so that a broken browser set-up fails the run instead of
quietly skipping it.
"""

from __future__ import annotations

import importlib
import os
import secrets
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType

import pytest
from flask import Flask
from werkzeug.serving import make_server

from fallteam.auth import operations as accounts
from fallteam.auth.models import Institution
from fallteam.extensions import db
from fallteam.meetings.models import ConfidentialityPledge
from tests.conftest import (
    ASD,
    KITA_FACHBERATUNG,
    Account,
    fresh_totp_code,
    institution_id_of,
    make_app,
)

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
#: screenshots for people to look at (git-ignored)
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
#: screenshots for the documentation (committed; kept small)
DOC_SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
#: upper bound for any single browser action; the pages answer in milliseconds, so a failing
#: test should say so quickly instead of waiting Playwright's default 30 s
ACTION_TIMEOUT_MS = 10_000


def require_browser() -> ModuleType:
    """``playwright.sync_api`` if Chromium and Playwright are there; skip (or fail) otherwise.

    Called from fixtures, not at collection time: a failure during collection would interrupt
    the whole run, whereas here only the browser tests fail and the rest of the suite reports.
    """
    reason = None
    sync_api = None
    try:
        sync_api = importlib.import_module("playwright.sync_api")
    except ImportError as exc:
        reason = f"Playwright ist nicht installiert ({exc}); pip install playwright"
    if reason is None and not CHROMIUM.is_file():
        reason = f"Chromium fehlt unter {CHROMIUM} (apt-get install chromium)"
    if reason is not None:
        if os.environ.get("FALLTEAM_REQUIRE_BROWSER") == "1":
            pytest.fail(f"Browsertests verlangt (FALLTEAM_REQUIRE_BROWSER=1): {reason}")
        pytest.skip(f"Browsertests übersprungen: {reason}")
    return sync_api


@pytest.fixture(scope="module")
def live_app(tmp_path_factory) -> Iterator[Flask]:
    """An application of its own on a freshly migrated SQLite database (not the root ``app``)."""
    instance = tmp_path_factory.mktemp("browser-instance")
    application = make_app(instance, f"sqlite:///{instance / 'browser.sqlite3'}")
    yield application
    with application.app_context():
        # Pooled SQLite connections would otherwise surface as ResourceWarnings (errors here).
        db.engine.dispose()


@pytest.fixture(scope="module")
def live_server(live_app) -> Iterator[str]:
    """``live_app`` served by Werkzeug on a free local port; yields the base URL."""
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="browser-live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def make_account(live_app) -> Callable[..., Account]:
    """Factory: ``make_account(["fachkraft"])`` stores an account in the live database.

    Mirrors the root ``create_account`` fixture, but commits for real, because the server
    reads the database through its own connections.
    """

    def make(
        roles: list[str] | None = None,
        *,
        second_factor: bool = True,
    ) -> Account:
        roles = list(roles or ["member"])
        username = f"browser-{secrets.token_hex(4)}"
        password = f"Korrekt-Pferd-{secrets.token_hex(4)}"
        with live_app.app_context():
            user, _ = accounts.create_user(
                username=username,
                display_name=f"Test {username}",
                email=f"{username}@example.invalid",
                roles=roles,
                # an account that sees case content must name its institution
                institution=db.session.get(
                    Institution,
                    institution_id_of(KITA_FACHBERATUNG if "guest" in roles else ASD),
                )
                if {"guest", "fachkraft", "member"} & set(roles)
                else None,
            )
            # Chosen by the user: otherwise the first page after sign-in would be the
            # compulsory password change, which these tests are not about.
            accounts.set_password(user, password, chosen_by_user=True)
            secret = None
            if second_factor:
                secret = accounts.start_second_factor_setup(user)
                user.totp_confirmed = True
            # like the root fixture: the account has confirmed the Verschwiegenheitspflicht
            db.session.add(
                ConfidentialityPledge(
                    user_id=user.id, text=live_app.config["CONFIDENTIALITY_PLEDGE_TEXT"]
                )
            )
            db.session.commit()
            return Account(user.id, user.username, password, secret, roles)

    return make


@pytest.fixture(scope="session")
def chromium():
    """Headless Debian Chromium, once per run (starting it costs more than every test here)."""
    sync_api = require_browser()
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def open_page(chromium, live_server) -> Iterator[Callable[..., object]]:
    """Factory: ``open_page()`` is a page in a fresh browser context of its own (no cookies
    from other pages), pointed at the server; several of them are several people at once.

    Fails the test at teardown if a browser reported errors: with the strict
    Content-Security-Policy, an inline script or style shows up only there (as a console
    error), never in the server's responses.
    """
    contexts = []
    errors: list[str] = []

    def open_(*, width: int = 1280, height: int = 900):
        context = chromium.new_context(
            base_url=live_server, locale="de-DE", viewport={"width": width, "height": height}
        )
        contexts.append(context)
        context.set_default_timeout(ACTION_TIMEOUT_MS)
        browser_page = context.new_page()
        browser_page.on(
            "console", lambda msg: errors.append(msg.text) if msg.type == "error" else None
        )
        browser_page.on("pageerror", lambda exc: errors.append(str(exc)))
        return browser_page

    # ``open_page.expected_errors.append(text)``: a console error the test provokes on purpose
    # (an answer of 409 or 422 the page handles is logged by the browser as a failed resource)
    open_.expected_errors = []
    try:
        yield open_
    finally:
        for context in contexts:
            context.close()
    # A test that takes the browser offline on purpose (``context.set_offline``) makes the
    # browser log the refused requests; that is the situation under test, not a page error.
    expected = ["net::ERR_INTERNET_DISCONNECTED", *open_.expected_errors]
    errors = [e for e in errors if not any(text in e for text in expected)]
    if errors:
        pytest.fail("Der Browser meldete Fehler:\n" + "\n".join(errors))


@pytest.fixture
def page(open_page):
    """A page in a fresh browser context (see ``open_page``), 1280 × 900 pixels."""
    return open_page()


def sign_in(page, live_app: Flask, account: Account) -> None:
    """Both sign-in steps as a person does them: password, then a code from the app."""
    page.goto("/anmelden")
    page.get_by_label("Benutzername").fill(account.username)
    page.get_by_label("Passwort", exact=True).fill(account.password)
    page.get_by_role("button", name="Weiter").click()
    page.get_by_label("Code aus der Authenticator-App").fill(fresh_totp_code(live_app, account))
    page.get_by_role("button", name="Anmelden").click()
    page.get_by_role("button", name="Abmelden").wait_for()


@pytest.fixture
def artifacts_dir() -> Path:
    """Where screenshots go: ``tests/browser/artifacts/`` (created on demand, git-ignored)."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def doc_screenshots_dir(artifacts_dir) -> Path:
    """Where the documentation's screenshots go: ``docs/screenshots/`` (committed) when
    ``FALLTEAM_UPDATE_SCREENSHOTS=1``; otherwise the ignored artifacts folder, so an ordinary
    test run leaves the work tree clean."""
    if os.environ.get("FALLTEAM_UPDATE_SCREENSHOTS") != "1":
        return artifacts_dir
    DOC_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return DOC_SCREENSHOTS
