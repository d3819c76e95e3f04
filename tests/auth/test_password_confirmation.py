"""Re-entering the own password (password change, new recovery codes) is guessing like a
sign-in: every failure is audited and counts towards the sign-in lockout; the failures of the
confirmation step are also counted per user, and at their limit the step is locked and the
session that was guessing ends. Sign-in failures by others never lock the step or end the
owner's sessions."""

from __future__ import annotations

import json

from sqlalchemy import select

from fallteam.audit.models import AuditAction, AuditEvent
from fallteam.auth import operations
from fallteam.auth.models import User
from fallteam.auth.operations import Confirmation
from fallteam.extensions import db
from tests.conftest import csrf_token, submit_password

LOCKED = "Zu viele Fehlversuche"


def _change_password(client, current: str):
    new = "Wolke sieben trägt Laternen"
    return client.post(
        "/konto/passwort",
        data={
            "current_password": current,
            "new_password": new,
            "confirm_password": new,
            "csrf_token": csrf_token(client),
        },
    )


def _renew_codes(client, password: str):
    return client.post(
        "/konto/wiederherstellungscodes",
        data={"password": password, "csrf_token": csrf_token(client)},
    )


def _events(app, account, action: AuditAction) -> list[AuditEvent]:
    with app.app_context():
        events = db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == action.value, AuditEvent.object_id == str(account.id))
            .order_by(AuditEvent.seq)
        ).all()
        db.session.expunge_all()
        return events


def test_guessing_the_current_password_locks_the_account_and_is_audited(app, signed_in):
    client, account = signed_in(["member"])
    for attempt in range(10):
        response = _change_password(client, f"geraten-{attempt}")
        if attempt < 9:
            assert "bisherige Passwort stimmt nicht" in response.get_data(as_text=True)
    failures = _events(app, account, AuditAction.PASSWORD_CONFIRMATION_FAILED)
    assert len(failures) == 10
    assert all(e.outcome == "denied" and e.actor_id == account.id for e in failures)
    assert json.loads(failures[0].details) == {"reason": "password", "step": "password_change"}
    assert len(_events(app, account, AuditAction.LOCKOUT)) == 1
    # The guessing session has ended, and the right password no longer signs anyone in.
    assert client.get("/konto").status_code == 302
    locked = submit_password(app.test_client(), account.username, account.password)
    assert LOCKED in locked.get_data(as_text=True)


def test_sign_in_failures_by_others_do_not_refuse_the_signed_in_owner(app, signed_in):
    """An attacker who locks the sign-in name by guessing must not also lock the owner out of
    changing her password in the session she already has."""
    client, account = signed_in(["member"])
    for _ in range(10):
        submit_password(app.test_client(), account.username, "falsch-falsch")
    assert _renew_codes(client, account.password).status_code == 200  # the new codes
    assert len(_events(app, account, AuditAction.RECOVERY_CODES_ISSUED)) == 1
    assert _change_password(client, account.password).status_code == 302
    assert _events(app, account, AuditAction.PASSWORD_CONFIRMATION_FAILED) == []


def test_one_typo_after_an_attackers_failures_does_not_end_the_owners_sessions(app, signed_in):
    client, account = signed_in(["member"])
    for _ in range(9):
        submit_password(app.test_client(), account.username, "falsch-falsch")
    typo = _change_password(client, account.password + "x")
    assert "bisherige Passwort stimmt nicht" in typo.get_data(as_text=True)
    assert client.get("/konto").status_code == 200
    assert _change_password(client, account.password).status_code == 302


def test_the_right_password_is_refused_while_the_confirmation_step_is_locked(app, signed_in):
    client, account = signed_in(["member"])
    with app.app_context():
        user = db.session.get(User, account.id)
        outcomes = [
            operations.confirm_password(user, f"geraten-{n}", step="password_change")
            for n in range(10)
        ]
        right = operations.confirm_password(user, account.password, step="password_change")
        db.session.commit()
    assert outcomes == [Confirmation.WRONG] * 9 + [Confirmation.LOCKED_OUT]
    assert right == Confirmation.LOCKED
    refused = _events(app, account, AuditAction.PASSWORD_CONFIRMATION_FAILED)[-1]
    assert json.loads(refused.details)["reason"] == "locked"


def test_sign_in_failures_and_confirmation_failures_share_one_counter(app, signed_in):
    client, account = signed_in(["member"])
    for _ in range(9):
        submit_password(app.test_client(), account.username, "falsch-falsch")
    _renew_codes(client, "auch-falsch")
    locked = submit_password(app.test_client(), account.username, account.password)
    assert LOCKED in locked.get_data(as_text=True)


def test_guessing_on_the_recovery_code_page_is_counted_and_audited(app, signed_in):
    client, account = signed_in(["member"])
    for attempt in range(10):
        _renew_codes(client, f"geraten-{attempt}")
    failures = _events(app, account, AuditAction.PASSWORD_CONFIRMATION_FAILED)
    assert [json.loads(e.details)["step"] for e in failures] == ["recovery_codes"] * 10
    assert client.get("/konto").status_code == 302
    assert LOCKED in submit_password(client, account.username, account.password).get_data(
        as_text=True
    )
    assert _events(app, account, AuditAction.RECOVERY_CODES_ISSUED) == []
