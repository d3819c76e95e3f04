"""German first; English can be chosen, before and after signing in."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from tests.conftest import csrf_token, sign_in


def test_pages_are_german_by_default(app, client):
    page = client.get("/anmelden").get_data(as_text=True)
    assert '<html lang="de">' in page
    assert "Benutzername" in page


def test_english_can_be_chosen_and_survives_sign_in(app, client, create_account):
    response = client.post(
        "/sprache", data={"language": "en", "next": "/anmelden", "csrf_token": csrf_token(client)}
    )
    assert response.headers["Location"] == "/anmelden"
    page = client.get("/anmelden").get_data(as_text=True)
    assert '<html lang="en">' in page
    assert "Username" in page and "Benutzername" not in page
    sign_in(client, app, create_account(["member"]))
    assert "Welcome" in client.get("/").get_data(as_text=True)


def test_an_unknown_language_is_ignored(app, client):
    client.post("/sprache", data={"language": "xx", "csrf_token": csrf_token(client)})
    assert '<html lang="de">' in client.get("/anmelden").get_data(as_text=True)


def test_dates_are_shown_in_berlin_time(app, signed_in):
    def berlin_hour() -> str:
        return datetime.now(ZoneInfo("Europe/Berlin")).strftime("%d.%m.%Y, %H:")

    before = berlin_hour()
    client, _ = signed_in(["member"])
    page = client.get("/konto").get_data(as_text=True)
    assert "Zuletzt eingeloggt" in page
    assert before in page or berlin_hour() in page
