"""Engine set-up that both databases need to behave alike."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import Engine, event

from fallteam.extensions import db


def _configure_sqlite(engine: Engine) -> None:
    # pysqlite's own transaction handling defers BEGIN and breaks SAVEPOINT; let SQLAlchemy
    # emit BEGIN itself (the documented recipe), and enforce foreign keys as PostgreSQL does.
    # BEGIN IMMEDIATE takes the write lock at the start: a transaction that read first and
    # writes later would otherwise fail ("database is locked") whenever another committed in
    # between. SQLite has one writer anyway; this makes them queue instead of fail.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, connection_record) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
        # Write-ahead log: readers do not block the writer and a commit is one append.
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def init_app(app: Flask) -> None:
    """Configure the engine once it exists."""
    with app.app_context():
        engine = db.engine
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine)
