"""Guessing is slow and tells nothing: lockout per name, a limit per address, same answers."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import update

from fallteam.auth.models import SignInFailure
from fallteam.core.models import utcnow
from fallteam.extensions import db
from tests.conftest import csrf_token, sign_in, submit_password

WRONG = "Benutzername oder Passwort ist falsch."
LOCKED = "Zu viele Fehlversuche"


def _normalised(response) -> str:
    # CSRF tokens are signed with a timestamp and differ per page; nothing else may differ.
    return re.sub(r'value="[^"]*"', 'value=""', response.get_data(as_text=True))


def test_ten_failures_lock_the_account_even_for_the_right_password(app, client, create_account):
    account = create_account(["member"])
    for _ in range(10):
        assert WRONG in submit_password(client, account.username, "falsch-falsch").get_data(
            as_text=True
        )
    locked = submit_password(client, account.username, account.password)
    assert locked.status_code == 200
    assert LOCKED in locked.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_the_lock_lifts_after_the_window(app, client, create_account):
    account = create_account(["member"])
    for _ in range(10):
        submit_password(client, account.username, "falsch-falsch")
    with app.app_context():
        db.session.execute(
            update(SignInFailure).values(attempted_dt=utcnow() - timedelta(minutes=16))
        )
        db.session.commit()
    sign_in(client, app, account)
    assert client.get("/").status_code == 200


def test_wrong_second_factor_codes_count_towards_the_lock(app, client, create_account):
    account = create_account(["member"])
    submit_password(client, account.username, account.password)
    for _ in range(10):
        client.post(
            "/anmelden/zweiter-faktor", data={"code": "000000", "csrf_token": csrf_token(client)}
        )
    response = submit_password(client, account.username, account.password)
    assert LOCKED in response.get_data(as_text=True)


def test_unknown_name_and_wrong_password_get_identical_answers(app, create_account):
    account = create_account(["member"])
    known, unknown = app.test_client(), app.test_client()
    wrong_password = submit_password(known, account.username, "falsch-falsch")
    unknown_name = submit_password(unknown, "niemand-" + account.username, "falsch-falsch")
    assert wrong_password.status_code == unknown_name.status_code == 200
    assert _normalised(wrong_password) == _normalised(unknown_name)


def test_an_unknown_name_locks_exactly_like_a_real_one(app, create_account):
    account = create_account(["member"])
    known, unknown = app.test_client(), app.test_client()
    for _ in range(10):
        submit_password(known, account.username, "falsch-falsch")
        submit_password(unknown, "niemand", "falsch-falsch")
    assert _normalised(submit_password(known, account.username, "x")) == _normalised(
        submit_password(unknown, "niemand", "x")
    )


def test_a_deactivated_account_answers_like_a_wrong_password(app, create_account):
    account = create_account(["member"], active=False)
    response = submit_password(app.test_client(), account.username, account.password)
    assert WRONG in response.get_data(as_text=True)


@pytest.mark.settings(SIGNIN_RATE_LIMIT="3 per minute")
def test_one_address_is_limited_across_accounts(app, client):
    statuses = [submit_password(client, f"name{i}", "falsch").status_code for i in range(4)]
    assert statuses == [200, 200, 200, 429]
    page = submit_password(client, "name9", "falsch")
    assert "Zu viele Anfragen" in page.get_data(as_text=True)
