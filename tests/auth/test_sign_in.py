"""Signing in takes a password and a second factor; nothing less opens a page."""

from __future__ import annotations

import pytest

from tests.conftest import csrf_token, fresh_totp_code, sign_in, submit_password


def test_sign_in_with_password_and_totp_reaches_the_start_page(app, client, create_account):
    account = create_account(["fachkraft"])
    sign_in(client, app, account)
    page = client.get("/")
    assert page.status_code == 200
    assert "Willkommen" in page.get_data(as_text=True)


def test_password_alone_does_not_sign_in(app, client, create_account):
    account = create_account(["member"])
    submit_password(client, account.username, account.password)
    response = client.get("/")
    assert response.status_code == 302
    assert "/anmelden" in response.headers["Location"]


def test_a_totp_code_cannot_be_used_twice(app, client, create_account):
    account = create_account(["member"])
    token = csrf_token(client)
    client.post(
        "/anmelden",
        data={"username": account.username, "password": account.password, "csrf_token": token},
    )
    code = fresh_totp_code(app, account)
    assert (
        client.post(
            "/anmelden/zweiter-faktor", data={"code": code, "csrf_token": csrf_token(client)}
        ).status_code
        == 302
    )
    other = app.test_client()
    submit_password(other, account.username, account.password)
    replay = other.post(
        "/anmelden/zweiter-faktor", data={"code": code, "csrf_token": csrf_token(other)}
    )
    assert replay.status_code == 200
    assert "bereits verwendet" in replay.get_data(as_text=True)


def test_a_signed_in_user_returning_to_a_sign_in_step_lands_on_the_start_page(app, signed_in):
    client, _ = signed_in(["member"])
    for path in (
        "/anmelden/zweiter-faktor",
        "/anmelden/zweiter-faktor/einrichten",
        "/anmelden/wiederherstellungscode",
    ):
        page = client.get(path, follow_redirects=True).get_data(as_text=True)
        assert "Willkommen" in page
        assert "abgelaufen" not in page


def _where_sign_in_leads(app, client, account, target: str) -> str:
    """Sign in from a link carrying ``next=target``; where does the browser go afterwards?"""
    client.post(
        f"/anmelden?next={target}",
        data={
            "username": account.username,
            "password": account.password,
            "csrf_token": csrf_token(client),
        },
    )
    response = client.post(
        "/anmelden/zweiter-faktor",
        data={"code": fresh_totp_code(app, account), "csrf_token": csrf_token(client)},
    )
    return response.headers["Location"]


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example/",
        "/%09/evil.example",
        "/\\evil.example",
        "https://evil.example/",
        "/%0a/evil.example",
        "javascript:alert(1)",
        "/\\/evil.example",
    ],
)
def test_an_open_redirect_after_sign_in_is_refused(app, client, create_account, target):
    assert _where_sign_in_leads(app, client, create_account(["member"]), target) == "/"


def test_a_path_on_this_site_is_followed_after_sign_in(app, client, create_account):
    assert _where_sign_in_leads(app, client, create_account(["member"]), "/konto") == "/konto"


def test_the_language_switch_does_not_redirect_off_site(app, client):
    response = client.post(
        "/sprache",
        data={"language": "en", "next": "/\t/evil.example", "csrf_token": csrf_token(client)},
    )
    assert response.headers["Location"] == "/"
