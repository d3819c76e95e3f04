"""A session ends for good: stolen or old cookies stop working at once."""

from __future__ import annotations

import time

import pytest

from fallteam.auth import session as auth_session
from tests.conftest import KITA_FACHBERATUNG, csrf_token, sign_in, submit_password

COOKIE = "fallteam_session"


def _cookie(client) -> str:
    return client.get_cookie(COOKIE).value


def _client_with_cookie(app, value: str):
    other = app.test_client()
    other.set_cookie(COOKIE, value)
    return other


def _is_signed_out(client) -> bool:
    response = client.get("/")
    return response.status_code == 302 and "/anmelden" in response.headers["Location"]


def test_the_cookie_from_before_sign_in_is_unusable_after(app, client, create_account):
    account = create_account(["member"])
    csrf_token(client)
    before = _cookie(client)
    sign_in(client, app, account)
    assert _cookie(client) != before
    assert not _is_signed_out(client)
    assert _is_signed_out(_client_with_cookie(app, before))


def test_the_cookie_between_password_and_second_factor_opens_nothing(app, client, create_account):
    account = create_account(["member"])
    submit_password(client, account.username, account.password)
    assert _is_signed_out(_client_with_cookie(app, _cookie(client)))


def test_a_copied_cookie_is_rejected_after_sign_out(app, signed_in):
    client, _ = signed_in(["fachkraft"])
    stolen = _client_with_cookie(app, _cookie(client))
    assert not _is_signed_out(stolen)
    client.post("/abmelden", data={"csrf_token": csrf_token(client)})
    assert _is_signed_out(client)
    assert _is_signed_out(stolen)


def test_a_password_change_ends_every_other_session(app, signed_in):
    client, account = signed_in(["member"])
    stolen = _client_with_cookie(app, _cookie(client))
    response = client.post(
        "/konto/passwort",
        data={
            "current_password": account.password,
            "new_password": "Neues-Passwort-Lindenallee",
            "confirm_password": "Neues-Passwort-Lindenallee",
            "csrf_token": csrf_token(client),
        },
    )
    assert response.status_code == 302
    assert _is_signed_out(stolen)
    assert not _is_signed_out(client)


def test_deactivation_ends_every_session_of_that_user(app, signed_in):
    victim, account = signed_in(["member"])
    admin, _ = signed_in(["admin"])
    response = admin.post(
        f"/admin/benutzer/{account.id}/deaktivieren", data={"csrf_token": csrf_token(admin)}
    )
    assert response.status_code == 302
    assert _is_signed_out(victim)
    retry = app.test_client()
    with pytest.raises(AssertionError):
        sign_in(retry, app, account)


def test_a_role_change_ends_the_sessions_of_that_user(app, signed_in, institution_id):
    victim, account = signed_in(["member"], institution=KITA_FACHBERATUNG)
    admin, _ = signed_in(["admin"])
    response = admin.post(
        f"/admin/benutzer/{account.id}",
        data={
            "display_name": "Umbenannt",
            "email": "neu@example.org",
            "roles": ["guest"],
            "institution_id": str(institution_id(KITA_FACHBERATUNG)),
            "csrf_token": csrf_token(admin),
        },
    )
    assert response.status_code == 302
    assert _is_signed_out(victim)


def test_an_idle_session_expires(app, signed_in):
    client, _ = signed_in(["member"])
    idle = app.config["SESSION_IDLE_MINUTES"] * 60
    with client.session_transaction() as session:
        session[auth_session.LAST_SEEN_KEY] = time.time() - idle - 1
    response = client.get("/")
    assert response.status_code == 302 and "/anmelden" in response.headers["Location"]
    assert _is_signed_out(client)


def test_a_session_ends_after_its_absolute_lifetime_even_when_active(app, signed_in):
    client, _ = signed_in(["member"])
    lifetime = app.config["SESSION_MAX_HOURS"] * 3600
    with client.session_transaction() as session:
        session[auth_session.SIGNED_IN_AT_KEY] = time.time() - lifetime - 1
    assert _is_signed_out(client)


def test_the_session_cookie_is_http_only_and_same_site(app, client, create_account):
    sign_in(client, app, create_account(["member"]))
    header = client.get("/").headers.get("Set-Cookie", "")
    assert "HttpOnly" in header
    assert "SameSite=Lax" in header
