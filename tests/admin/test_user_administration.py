"""Administrators manage accounts; one of them always remains, none locks themselves out."""

from __future__ import annotations

import re

from fallteam.auth.models import User
from fallteam.extensions import db
from tests.conftest import ASD, Account, csrf_token, sign_in, submit_password


def test_a_new_account_gets_a_one_time_password_that_must_be_replaced(
    app, signed_in, institution_id
):
    admin, _ = signed_in(["admin"])
    response = admin.post(
        "/admin/benutzer/neu",
        data={
            "username": "Neue.Kollegin",
            "display_name": "Fr. Neu",
            "email": "neu@example.org",
            "roles": ["fachkraft", "member"],
            "institution_id": str(institution_id(ASD)),
            "csrf_token": csrf_token(admin),
        },
    )
    assert response.status_code == 200
    one_time = re.search(
        r'data-testid="one-time-password">([^<]+)<', response.get_data(as_text=True)
    ).group(1)
    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.username == "neue.kollegin"))
        assert user.role_names == ["fachkraft", "member"]
        assert user.institution.name == ASD
        assert user.must_change_password and not user.totp_confirmed
        account = Account(user.id, user.username, one_time, None, user.role_names)
    client = app.test_client()
    first = submit_password(client, account.username, one_time)
    assert first.headers["Location"].endswith("/anmelden/zweiter-faktor/einrichten")


def test_a_taken_user_name_is_refused_on_the_form(app, signed_in, create_account, institution_id):
    existing = create_account(["member"])
    admin, _ = signed_in(["admin"])
    response = admin.post(
        "/admin/benutzer/neu",
        data={
            "username": existing.username.upper(),
            "display_name": "Doppelt",
            "email": "d@example.org",
            "roles": ["member"],
            "institution_id": str(institution_id(ASD)),
            "csrf_token": csrf_token(admin),
        },
    )
    assert "bereits vergeben" in response.get_data(as_text=True)


def test_missing_fields_get_german_messages_next_to_them(app, signed_in):
    admin, _ = signed_in(["admin"])
    page = admin.post("/admin/benutzer/neu", data={"csrf_token": csrf_token(admin)})
    text = page.get_data(as_text=True)
    assert text.count("Bitte ausfüllen.") >= 3
    assert "Bitte mindestens eine Rolle wählen." in text
    assert 'aria-invalid="true"' in text


def test_an_administrator_cannot_deactivate_their_own_account(app, signed_in):
    admin, account = signed_in(["admin"])
    page = admin.post(
        f"/admin/benutzer/{account.id}/deaktivieren",
        data={"csrf_token": csrf_token(admin)},
        follow_redirects=True,
    )
    assert "eigenes Konto nicht deaktivieren" in page.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(User, account.id).active


def test_the_last_administrator_keeps_the_role(app, signed_in, institution_id):
    admin, account = signed_in(["admin"])
    with app.app_context():
        others = db.session.scalars(db.select(User).where(User.id != account.id)).all()
        for other in others:
            other.active = False
        db.session.commit()
    page = admin.post(
        f"/admin/benutzer/{account.id}",
        data={
            "display_name": "Ich",
            "email": "ich@example.org",
            "roles": ["member"],
            "institution_id": str(institution_id(ASD)),
            "csrf_token": csrf_token(admin),
        },
    )
    assert "letzte aktive Administrationskonto" in page.get_data(as_text=True)
    with app.app_context():
        unchanged = db.session.get(User, account.id)
        assert "admin" in unchanged.role_names
        assert unchanged.display_name != "Ich" and unchanged.email != "ich@example.org"


def test_resetting_the_second_factor_forces_a_new_set_up(app, signed_in, create_account):
    target = create_account(["member"])
    admin, _ = signed_in(["admin"])
    admin.post(
        f"/admin/benutzer/{target.id}/zweiter-faktor-zuruecksetzen",
        data={"csrf_token": csrf_token(admin)},
    )
    client = app.test_client()
    response = submit_password(client, target.username, target.password)
    assert response.headers["Location"].endswith("/anmelden/zweiter-faktor/einrichten")


def test_a_password_reset_replaces_the_old_password(app, signed_in, create_account):
    target = create_account(["member"])
    admin, _ = signed_in(["admin"])
    page = admin.post(
        f"/admin/benutzer/{target.id}/passwort-zuruecksetzen",
        data={"csrf_token": csrf_token(admin)},
    )
    one_time = re.search(
        r'data-testid="one-time-password">([^<]+)<', page.get_data(as_text=True)
    ).group(1)
    old = app.test_client()
    refused = submit_password(old, target.username, target.password)
    assert refused.status_code == 200
    target.password = one_time
    fresh = app.test_client()
    sign_in(fresh, app, target)
    assert fresh.get("/").headers["Location"].endswith("/konto/passwort")


def test_an_unknown_user_id_is_not_found(app, signed_in):
    admin, _ = signed_in(["admin"])
    assert admin.get("/admin/benutzer/00000000-0000-4000-8000-00000000abcd").status_code == 404


def test_the_policy_page_shows_that_admin_and_dpo_never_read_case_content(app, signed_in):
    dpo, _ = signed_in(["dpo"])
    page = dpo.get("/admin/policy").get_data(as_text=True)
    assert "case.read_identity" in page
    assert page.count('class="cell-nie"') >= 6
