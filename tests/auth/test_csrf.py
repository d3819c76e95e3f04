"""Every state change needs a valid CSRF token of the same session."""

from __future__ import annotations

import uuid

import flask_wtf.csrf
import pytest
from flask import url_for

from fallteam.auth.models import User
from fallteam.auth.passwords import verify_password
from fallteam.extensions import db
from tests.conftest import csrf_token


@pytest.fixture
def csrf_validations(monkeypatch):
    """Counts how often Flask-WTF validated a token (a status code alone could lie)."""
    calls = []
    original = flask_wtf.csrf.validate_csrf

    def counting(*args, **kwargs):
        calls.append(args)
        return original(*args, **kwargs)

    monkeypatch.setattr(flask_wtf.csrf, "validate_csrf", counting)
    return calls


def _post_rules(app):
    return [r for r in app.url_map.iter_rules() if "POST" in r.methods]


def test_every_post_route_without_token_is_rejected(
    app, signed_in, create_account, csrf_validations
):
    client, _ = signed_in(["admin"])
    target = create_account(["member"])
    rules = _post_rules(app)
    assert rules
    before = len(csrf_validations)
    for rule in rules:
        # CSRF is checked before anything is loaded: any id will do for the other objects.
        values = {name: target.id if name == "user_id" else uuid.uuid4() for name in rule.arguments}
        with app.test_request_context():
            url = url_for(rule.endpoint, **values)
        response = client.post(url, data={})
        assert response.status_code == 400, url
        assert "Formular ist abgelaufen" in response.get_data(as_text=True)
    assert len(csrf_validations) - before == len(rules)
    with app.app_context():
        assert db.session.get(User, target.id).active


def test_a_token_from_another_session_is_rejected(app, signed_in, csrf_validations):
    victim, account = signed_in(["member"])
    attacker = app.test_client()
    foreign = csrf_token(attacker)
    before = len(csrf_validations)
    response = victim.post(
        "/konto/passwort",
        data={
            "current_password": account.password,
            "new_password": "Ganz-neues-Passwort-4711",
            "confirm_password": "Ganz-neues-Passwort-4711",
            "csrf_token": foreign,
        },
    )
    assert response.status_code == 400
    assert len(csrf_validations) - before == 1
    with app.app_context():
        assert verify_password(db.session.get(User, account.id).password_hash, account.password)


def test_a_forged_sign_out_does_not_end_the_session(app, signed_in):
    client, _ = signed_in(["member"])
    assert client.post("/abmelden", data={"csrf_token": "forged"}).status_code == 400
    assert client.get("/").status_code == 200
