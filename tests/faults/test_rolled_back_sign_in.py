"""A request whose unit of work is rolled back (the commit fails, the database is away) keeps
nothing, the session cookie included: a sign-in whose SIGN_IN event and used TOTP step never
reached the database must not leave the browser signed in."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import event, exc, select

from fallteam.audit.models import AuditAction, AuditEvent
from fallteam.extensions import db
from tests.conftest import csrf_token, fresh_totp_code, submit_password

UNAVAILABLE = "vorübergehend nicht erreichbar"


@pytest.mark.parametrize("committed_app", ["sqlite"], indirect=True)
def test_a_sign_in_whose_commit_fails_leaves_nobody_signed_in(app, create_account):
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production
    account = create_account(["fachkraft"])
    client = app.test_client()
    assert submit_password(client, account.username, account.password).status_code == 302
    code, token = fresh_totp_code(app, account), csrf_token(client)
    with app.app_context():
        engine = db.engine

    def locked_at_commit(conn, cursor, statement, parameters, context, executemany):
        # the view has run; the SIGN_IN event is written when the request commits
        if statement.lstrip().upper().startswith("INSERT INTO AUDIT_EVENTS"):
            raise exc.OperationalError(
                statement, parameters, sqlite3.OperationalError("database is locked")
            )

    event.listen(engine, "before_cursor_execute", locked_at_commit)
    try:
        answer = client.post("/anmelden/zweiter-faktor", data={"code": code, "csrf_token": token})
    finally:
        event.remove(engine, "before_cursor_execute", locked_at_commit)
    assert answer.status_code == 503
    assert UNAVAILABLE in answer.get_data(as_text=True)
    with app.app_context():
        signed_in = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == AuditAction.SIGN_IN.value)
        ).all()
    assert signed_in == []
    # the person was told "not reachable, try again" — and must indeed not be signed in
    page = client.get("/faelle")
    assert page.status_code == 302 and "/anmelden" in page.headers["Location"]
