"""The own account: password rules, forced password change, recovery codes."""

from __future__ import annotations

from fallteam.auth.models import User
from fallteam.extensions import db
from tests.conftest import csrf_token, submit_password


def _change(client, current: str, new: str):
    return client.post(
        "/konto/passwort",
        data={
            "current_password": current,
            "new_password": new,
            "confirm_password": new,
            "csrf_token": csrf_token(client),
        },
    )


def test_a_common_password_is_refused_with_a_german_message(app, signed_in):
    client, account = signed_in(["member"])
    response = _change(client, account.password, "passwort123456")
    assert response.status_code == 200
    assert "zu verbreitet" in response.get_data(as_text=True)


def test_a_short_password_is_refused(app, signed_in):
    client, account = signed_in(["member"])
    response = _change(client, account.password, "Kurz-1")
    assert "mindestens 12 Zeichen" in response.get_data(as_text=True)


def test_the_own_name_is_refused_in_a_password(app, signed_in):
    client, account = signed_in(["member"])
    response = _change(client, account.password, account.username + "-Zusatz-42")
    assert "Namen oder Benutzernamen" in response.get_data(as_text=True)


def test_a_wrong_current_password_changes_nothing(app, signed_in):
    client, account = signed_in(["member"])
    response = _change(client, "nicht-das-richtige", "Neues-Passwort-Lindenallee")
    assert "bisherige Passwort stimmt nicht" in response.get_data(as_text=True)


def test_an_administrator_chosen_password_must_be_replaced_first(app, signed_in):
    client, account = signed_in(["member"], must_change_password=True)
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/konto/passwort")
    assert _change(client, account.password, "Eigenes-Passwort-Kastanie").status_code == 302
    assert client.get("/").status_code == 200


def test_a_recovery_code_replaces_the_second_factor_once(app, client, create_account):
    account = create_account(["member"])
    with app.app_context():
        from fallteam.auth import operations

        codes = operations.issue_recovery_codes(db.session.get(User, account.id))
        db.session.commit()

    def attempt(c):
        submit_password(c, account.username, account.password)
        return c.post(
            "/anmelden/wiederherstellungscode",
            data={"code": codes[0].upper(), "csrf_token": csrf_token(c)},
        )

    assert attempt(client).status_code == 302
    assert client.get("/").status_code == 200
    again = attempt(app.test_client())
    assert "ungültig oder bereits verwendet" in again.get_data(as_text=True)


def test_renewing_recovery_codes_needs_the_password(app, signed_in):
    client, account = signed_in(["member"])
    refused = client.post(
        "/konto/wiederherstellungscodes",
        data={"password": "falsch", "csrf_token": csrf_token(client)},
        follow_redirects=True,
    )
    assert "keine neuen Codes" in refused.get_data(as_text=True)
    shown = client.post(
        "/konto/wiederherstellungscodes",
        data={"password": account.password, "csrf_token": csrf_token(client)},
    )
    assert shown.get_data(as_text=True).count("<li><code>") == 10


def test_first_sign_in_sets_up_the_second_factor(app, client, create_account):
    import re

    import pyotp

    account = create_account(["member"], second_factor=False)
    response = submit_password(client, account.username, account.password)
    assert response.headers["Location"].endswith("/anmelden/zweiter-faktor/einrichten")
    client.post("/anmelden/zweiter-faktor/einrichten", data={"csrf_token": csrf_token(client)})
    page = client.get("/anmelden/zweiter-faktor/einrichten").get_data(as_text=True)
    assert 'src="data:image/svg+xml;base64,' in page
    secret = re.search(r'data-testid="totp-secret">([A-Z2-7]+)<', page).group(1)
    wrong = client.post(
        "/anmelden/zweiter-faktor/einrichten",
        data={"code": "123456", "csrf_token": csrf_token(client)},
    )
    assert "Code stimmt nicht" in wrong.get_data(as_text=True)
    done = client.post(
        "/anmelden/zweiter-faktor/einrichten",
        data={"code": pyotp.TOTP(secret).now(), "csrf_token": csrf_token(client)},
    )
    assert done.get_data(as_text=True).count("<li><code>") == 10
    assert client.get("/").status_code == 200
    with app.app_context():
        assert db.session.get(User, account.id).totp_confirmed
