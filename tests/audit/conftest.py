"""Helpers for the audit tests that run the real commands on a committed database."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from fallteam import create_app
from fallteam.audit.models import AuditAction
from fallteam.audit.operations import record
from fallteam.extensions import db


def run_cli(app, *args):
    """``flask …`` against ``app``, as the command line runs it."""
    return app.test_cli_runner().invoke(args=list(args))


@contextmanager
def restarted(app):
    """The same instance started anew (new process state, same database, keys and folders)."""
    fresh = create_app(app.config["TEST_SETTINGS"])
    fresh.config.update({k: v for k, v in app.config.items() if k.startswith("AUDIT_CHECKPOINT_")})
    try:
        yield fresh
    finally:
        with fresh.app_context():
            db.engine.dispose()


def write_events(app, count: int, *, per_commit: int = 1) -> None:
    """``count`` reads recorded by the application, ``per_commit`` to a transaction."""
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
            if (i + 1) % per_commit == 0:
                db.session.commit()
        db.session.commit()


def checkpoint_dir(app) -> Path:
    """The configured checkpoint directory of a committed test app."""
    return Path(app.config["INSTANCE_PATH"]) / app.config["AUDIT_CHECKPOINT_DIR"]


def cut_tail_and_rewind_head(app, keep: int) -> None:
    """What someone with database access does while the application is stopped: delete every
    event after ``keep`` and the checkpoints after it, and rewind the chain head to event
    ``keep`` — a consistent, shorter chain. Bypasses the application: its own connection, the
    append-only triggers switched off as the owner of the tables can."""
    with app.app_context():
        db.engine.dispose()
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    tables = ("audit_events", "audit_checkpoints")
    with engine.begin() as conn:
        postgres = conn.dialect.name == "postgresql"
        for table in tables:
            if postgres:
                conn.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER USER"))
            else:
                conn.execute(text(f"DROP TRIGGER IF EXISTS {table}_no_delete"))
        conn.execute(text("DELETE FROM audit_events WHERE seq > :keep"), {"keep": keep})
        conn.execute(text("DELETE FROM audit_checkpoints WHERE seq > :keep"), {"keep": keep})
        conn.execute(
            text(
                "UPDATE audit_chain_head SET last_seq = :keep, "
                "last_mac = (SELECT mac FROM audit_events WHERE seq = :keep), "
                "last_checkpoint_seq = (SELECT max(seq) FROM audit_checkpoints), "
                "last_checkpoint_dt = (SELECT created_dt FROM audit_checkpoints "
                "WHERE seq = (SELECT max(seq) FROM audit_checkpoints))"
            ),
            {"keep": keep},
        )
        if postgres:
            for table in tables:
                conn.execute(text(f"ALTER TABLE {table} ENABLE TRIGGER USER"))
    engine.dispose()


@pytest.fixture
def checkpointing_app(committed_app):
    """A committed app that signs a checkpoint every 10 events (and writes each to its
    checkpoint directory, the default ``instance/audit-checkpoints``)."""
    committed_app.config["AUDIT_CHECKPOINT_EVERY"] = 10
    return committed_app


def insert_beyond_head(app) -> int:
    """What someone with database access does to slip an event in: a copy of the newest event
    with the next sequence number, without advancing the chain head. Returns its seq."""
    with app.app_context():
        db.engine.dispose()
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    with engine.begin() as conn:
        seq = conn.scalar(text("SELECT last_seq FROM audit_chain_head")) + 1
        conn.execute(
            text(
                "INSERT INTO audit_events (seq, occurred_dt, actor_id, actor_roles, action, "
                "object_type, object_id, case_pseudonym, purpose, outcome, request_id, "
                "client_address, details, mac) SELECT :seq, occurred_dt, actor_id, actor_roles, "
                "action, object_type, object_id, case_pseudonym, purpose, outcome, request_id, "
                "client_address, details, mac FROM audit_events WHERE seq = :seq - 1"
            ),
            {"seq": seq},
        )
    engine.dispose()
    return seq
