"""Every verification is remembered, also when the tampering it finds keeps its own event from
the chain; the remembered runs are append-only like the log."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from fallteam.audit.models import AuditEvent, AuditVerification
from fallteam.extensions import db
from tests.audit.conftest import insert_beyond_head, run_cli, write_events


def test_verify_reports_an_event_slipped_in_beyond_the_head_instead_of_crashing(
    checkpointing_app,
):
    write_events(checkpointing_app, 12)
    slipped = insert_beyond_head(checkpointing_app)
    result = run_cli(checkpointing_app, "audit", "verify")
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert result.exit_code == 1, result.output
    assert f"erstes betroffenes Ereignis Nr. {slipped}" in result.output
    assert "nach dem Kettenkopf" in result.output
    with checkpointing_app.app_context():
        run = db.session.scalars(select(AuditVerification)).one()
        assert not run.intact and run.first_broken_seq == slipped
        # its event could not join the chain: the run is kept without it
        assert (
            db.session.scalar(select(AuditEvent.seq).where(AuditEvent.action == "verify")) is None
        )


def test_a_remembered_verification_cannot_be_changed_or_deleted(checkpointing_app):
    write_events(checkpointing_app, 3)
    assert run_cli(checkpointing_app, "audit", "verify").exit_code == 0
    for statement in (
        "UPDATE audit_verifications SET intact = false",
        "DELETE FROM audit_verifications",
    ):
        with checkpointing_app.app_context():
            with pytest.raises(DBAPIError, match="append-only"):
                db.session.execute(text(statement))
            db.session.rollback()
