"""`verify` on the real tables: intact logs pass, any edit in the database is named."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from fallteam.audit import chain
from fallteam.audit.models import AuditAction, AuditCheckpoint
from fallteam.audit.operations import make_checkpoint, record
from fallteam.audit.verify import check_external_checkpoint, export_checkpoint, verify_audit_log
from fallteam.crypto.runtime import current_keyring
from fallteam.extensions import db


def _write_events(app, count: int) -> None:
    with app.app_context():
        for i in range(count):
            record(
                AuditAction.READ,
                object_type="case",
                object_id=f"case-{i}",
                case_pseudonym=f"FT-2026-{i:04d}",
                purpose="Fallberatung",
                actor=None,
            )
        db.session.commit()


def _verify(app):
    with app.app_context():
        ring = current_keyring()
        return verify_audit_log(
            db.session.connection(),
            ring.audit_mac_key,
            chain.public_key_of(ring.checkpoint_signing_key),
        )


def _without_append_only_guard(statement: str, **params) -> None:
    """Tamper the way someone with database access would: guard off, edit, guard on."""
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        connection.execute(text("ALTER TABLE audit_events DISABLE TRIGGER USER"))
        connection.execute(text(statement), params)
        connection.execute(text("ALTER TABLE audit_events ENABLE TRIGGER USER"))
    else:
        connection.execute(text("DROP TRIGGER audit_events_no_update"))
        connection.execute(text("DROP TRIGGER audit_events_no_delete"))
        connection.execute(text(statement), params)
    db.session.commit()


def test_an_intact_log_verifies(app):
    _write_events(app, 25)
    report = _verify(app)
    assert report.intact, report.problems
    assert report.events >= 25


@pytest.mark.parametrize(
    ("statement", "broken"),
    [
        ("UPDATE audit_events SET action = 'export' WHERE seq = :seq", 0),
        ("UPDATE audit_events SET case_pseudonym = 'FT-2026-9999' WHERE seq = :seq", 0),
        ("DELETE FROM audit_events WHERE seq = :seq", 0),
        ("UPDATE audit_events SET seq = seq + 1000 WHERE seq = :seq", 0),
    ],
    ids=["changed action", "changed pseudonym", "deleted", "moved"],
)
def test_a_tampered_event_is_named(app, statement, broken):
    _write_events(app, 12)
    with app.app_context():
        target = db.session.execute(text("SELECT max(seq) FROM audit_events")).scalar() - 5
        _without_append_only_guard(statement, seq=target)
    report = _verify(app)
    assert not report.intact
    assert report.first_broken_seq == target + broken


def test_audit_rows_cannot_be_updated_or_deleted(app):
    _write_events(app, 1)
    for statement in ("UPDATE audit_events SET action = 'x'", "DELETE FROM audit_events"):
        with app.app_context():
            with pytest.raises(DBAPIError, match="append-only"):
                db.session.execute(text(statement))
            db.session.rollback()


@pytest.mark.settings(AUDIT_CHECKPOINT_EVERY=10)
def test_checkpoints_are_signed_every_n_events_and_verified(app):
    _write_events(app, 25)
    with app.app_context():
        checkpoints = db.session.scalars(db.select(AuditCheckpoint)).all()
        assert len(checkpoints) >= 2
        seq = checkpoints[-1].seq
        connection = db.session.connection()
        if connection.dialect.name == "postgresql":
            connection.execute(text("ALTER TABLE audit_checkpoints DISABLE TRIGGER USER"))
        else:
            connection.execute(text("DROP TRIGGER audit_checkpoints_no_update"))
        connection.execute(
            text("UPDATE audit_checkpoints SET created_dt = :t WHERE seq = :s"),
            {"t": "2020-01-01 00:00:00", "s": seq},
        )
        db.session.commit()
    report = _verify(app)
    assert report.first_broken_seq == seq
    assert "Checkpoint-Signatur ungültig" in report.reason


def test_an_exported_checkpoint_detects_a_rewritten_history(app):
    _write_events(app, 5)
    with app.app_context():
        checkpoint = make_checkpoint()
        db.session.commit()
        public = chain.public_key_of(current_keyring().checkpoint_signing_key)
        exported = export_checkpoint(checkpoint, public)
        connection = db.session.connection()
        assert check_external_checkpoint(connection, public, exported) is None
        forged = exported.replace("Sequenz: ", "Sequenz: 1")
        assert "ungültig" in check_external_checkpoint(connection, public, forged)
        _without_append_only_guard("DELETE FROM audit_events WHERE seq = :seq", seq=checkpoint.seq)
        assert "fehlt" in check_external_checkpoint(db.session.connection(), public, exported)


def test_null_and_empty_are_not_the_same_to_the_chain(app):
    with app.app_context():
        record(AuditAction.READ, actor=None)  # no object, no purpose: NULLs
        db.session.commit()
        target = db.session.execute(text("SELECT max(seq) FROM audit_events")).scalar()
        assert (
            db.session.execute(
                text("SELECT purpose FROM audit_events WHERE seq = :s"), {"s": target}
            ).scalar()
            is None
        )
        _without_append_only_guard(
            "UPDATE audit_events SET purpose = '' WHERE seq = :seq", seq=target
        )
    assert _verify(app).first_broken_seq == target
