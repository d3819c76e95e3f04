"""Engine set-up that both databases need to behave alike."""

from __future__ import annotations

from flask import Flask, has_request_context, request
from sqlalchemy import Engine, event

from fallteam.extensions import db

#: requests that only read what they show (what they write is the record of that read)
READING_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: statements that leave the database as it is; anything else needs the write lock
_READING_STATEMENTS = ("SELECT", "PRAGMA", "EXPLAIN")
_DEFERRED = "fallteam.sqlite.deferred"


def _starts_reading() -> bool:
    return has_request_context() and request.method in READING_METHODS


def _configure_sqlite(engine: Engine) -> None:
    """SQLite has one writer at a time; take its lock only when a transaction writes.

    pysqlite's own transaction handling defers BEGIN and breaks SAVEPOINT, so SQLAlchemy
    emits BEGIN itself (the documented recipe); foreign keys are enforced as PostgreSQL does.

    - A request that changes data (POST …) and all work outside requests (CLI) begin with
      ``BEGIN IMMEDIATE``: the write lock first, so a transaction that reads and then writes
      queues behind another writer (busy timeout) instead of failing.
    - A reading request (GET, HEAD) begins ``BEGIN DEFERRED``: it never waits for a writer
      (write-ahead log: readers see the last commit). A deferred transaction that read cannot
      safely upgrade to a writer — SQLite refuses at once with "database is locked" when
      another connection committed in between, without waiting. So when such a request is
      about to write (it records what it showed in the audit log), its read transaction ends
      and an immediate one begins before the first writing statement; the write then waits
      for the lock like any other. Reading requests write only records of their reads
      (audit events, a calendar feed's last use: appended or stamped, never computed from
      what they read), so the new snapshot changes nothing they write.
    """

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
        if _starts_reading():
            connection.exec_driver_sql("BEGIN DEFERRED")
            connection.info[_DEFERRED] = True
        else:
            connection.info.pop(_DEFERRED, None)
            connection.exec_driver_sql("BEGIN IMMEDIATE")

    @event.listens_for(engine, "before_cursor_execute")
    def _take_write_lock(connection, cursor, statement, parameters, context, executemany):
        if not connection.info.get(_DEFERRED):
            return
        if statement.lstrip()[:7].upper().startswith(_READING_STATEMENTS):
            return
        # The first statement that writes (or opens a savepoint, which is done to write):
        # restart as a writer. No savepoint is open yet, so nothing is lost by ending the
        # read transaction.
        connection.info.pop(_DEFERRED)
        driver = connection.connection.driver_connection
        driver.execute("COMMIT")
        driver.execute("BEGIN IMMEDIATE")

    @event.listens_for(engine, "commit")
    @event.listens_for(engine, "rollback")
    def _end(connection) -> None:
        connection.info.pop(_DEFERRED, None)


def init_app(app: Flask) -> None:
    """Configure the engine once it exists."""
    with app.app_context():
        engine = db.engine
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine)
