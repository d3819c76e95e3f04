"""A backup is an export of every record: it exists only together with its EXPORT event. When
the event cannot be committed (the database goes away at the end of ``flask backup create``),
no readable pair of files may stay behind, and the operator is told so in German."""

from __future__ import annotations

import sqlite3

import pytest
from flask_migrate import upgrade
from sqlalchemy import event, exc, select

from fallteam import create_app
from fallteam.audit.models import AuditAction, AuditEvent
from fallteam.crypto.keyring import FileKeyProvider, Keyring
from fallteam.extensions import db
from tests.backup.conftest import PASSPHRASE, instance_settings, new_database
from tests.conftest import BACKENDS, make_account


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_backup_whose_export_event_is_not_committed_leaves_no_files(backend, tmp_path):
    url, drop = new_database(backend, tmp_path / "db")
    instance = tmp_path / "instance"
    FileKeyProvider(instance / "keys" / "keyring.json").store(Keyring.generate())
    app = create_app(instance_settings(instance, url))
    try:
        with app.app_context():
            upgrade()
        make_account(app, ["fachkraft"], username="quelle")
        with app.app_context():
            engine = db.engine

        def database_gone(conn, cursor, statement, parameters, context, executemany):
            # the dump has been read; the EXPORT event's INSERT is the first write
            if statement.lstrip().upper().startswith("INSERT INTO AUDIT_EVENTS"):
                raise exc.OperationalError(
                    statement, parameters, sqlite3.OperationalError("disk I/O error")
                )

        event.listen(engine, "before_cursor_execute", database_gone)
        try:
            created = app.test_cli_runner().invoke(
                args=[
                    "backup",
                    "create",
                    "--output",
                    str(tmp_path / "daten"),
                    "--keys-output",
                    str(tmp_path / "schluessel"),
                ],
                env={"FALLTEAM_BACKUP_PASSPHRASE": PASSPHRASE},
            )
        finally:
            event.remove(engine, "before_cursor_execute", database_gone)
        assert created.exit_code != 0
        assert "Sicherung abgebrochen" in created.output, created.output
        with app.app_context():
            exports = db.session.scalars(
                select(AuditEvent).where(AuditEvent.action == AuditAction.EXPORT.value)
            ).all()
        assert exports == []
        # an export the access log does not show must not exist
        left = [p for d in ("daten", "schluessel") for p in (tmp_path / d).glob("*")]
        assert left == []
    finally:
        with app.app_context():
            db.engine.dispose()
        drop()
