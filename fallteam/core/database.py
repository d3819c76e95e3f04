"""Engine set-up that both databases need to behave alike."""

from __future__ import annotations

from flask import Flask, has_request_context, request
from sqlalchemy import Engine, event, select
from sqlalchemy.exc import (
    DBAPIError,
    DisconnectionError,
    InterfaceError,
    OperationalError,
)
from sqlalchemy.exc import TimeoutError as PoolTimeout

from fallteam.extensions import db

#: requests that only read what they show (what they write is the record of that read)
READING_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: statements that leave the database as it is; anything else needs the write lock
_READING_STATEMENTS = ("SELECT", "PRAGMA", "EXPLAIN")
_DEFERRED = "fallteam.sqlite.deferred"

#: SQLite errors that say the file cannot be used right now (another process holds the write
#: lock beyond the busy timeout, the file or its disk is gone), not that a statement is wrong
_SQLITE_UNAVAILABLE = ("database is locked", "unable to open database file", "disk i/o error")
#: PostgreSQL error classes that mean "not now" rather than "not so": connection exception,
#: transaction rollback (deadlock, serialisation failure), insufficient resources, operator
#: intervention (shutdown, restart, cancelled)
_POSTGRES_UNAVAILABLE = ("08", "40", "53", "57")
#: the errors a lost or unusable database raises (``unavailable`` decides which are)
UNAVAILABLE_ERRORS = (OperationalError, InterfaceError, DisconnectionError, PoolTimeout)


def unavailable(exc: BaseException) -> bool:
    """Whether ``exc`` says the database cannot be reached or used right now: stopped,
    restarting, the connection lost, every pooled connection busy, the SQLite file locked
    beyond the busy timeout, a deadlock victim. Such a request may succeed when repeated
    (503), unlike a mistake in a statement or the schema (500)."""
    if isinstance(exc, DisconnectionError | PoolTimeout):
        return True
    if not isinstance(exc, DBAPIError):
        return False
    if exc.connection_invalidated:
        return True
    original = exc.orig
    if type(original).__module__.startswith("sqlite3"):
        return isinstance(exc, OperationalError) and str(original).lower().startswith(
            _SQLITE_UNAVAILABLE
        )
    if isinstance(exc, InterfaceError):
        return True  # the driver's connection is closed
    if isinstance(exc, OperationalError):
        sqlstate = getattr(original, "sqlstate", None) or getattr(original, "pgcode", None)
        # no SQLSTATE: the client could not connect or lost the server
        return sqlstate is None or sqlstate.startswith(_POSTGRES_UNAVAILABLE)
    return False


def ensure_reachable() -> None:
    """Ask the database for nothing: raises its error when it cannot be reached (answered
    with the 503 page), for pages that would otherwise promise what the next step cannot
    keep (the sign-in form)."""
    db.session.execute(select(1))


def _starts_reading() -> bool:
    return has_request_context() and request.method in READING_METHODS


def _configure_sqlite(engine: Engine, app: Flask) -> None:
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
      what they read), so the new snapshot changes nothing they write — except the access
      report's roll-up, whose first write claims it only if it is still as they read it.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, connection_record) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        # How long a writer waits for another's write lock before the request is answered
        # "temporarily unavailable" (read at each new connection).
        cursor.execute(f"PRAGMA busy_timeout={int(app.config['SQLITE_BUSY_TIMEOUT_MS'])}")
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
        _configure_sqlite(engine, app)
