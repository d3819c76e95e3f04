"""Which database errors are "temporarily unavailable" (503, try again) and which are a
mistake (500): a stopped or restarting server, a lost connection, an exhausted pool, a
deadlock victim or a SQLite file locked beyond the busy timeout may succeed when repeated;
a missing table or a broken constraint never will, and must not hide behind a 503."""

from __future__ import annotations

import sqlite3

import psycopg
import pytest
from psycopg import errors as pg
from sqlalchemy import exc

from fallteam.core.database import unavailable


def _wrapped(kind, original: BaseException):
    return kind("SELECT 1", {}, original)


@pytest.mark.parametrize(
    "error",
    [
        _wrapped(exc.OperationalError, sqlite3.OperationalError("database is locked")),
        _wrapped(exc.OperationalError, sqlite3.OperationalError("unable to open database file")),
        _wrapped(exc.OperationalError, psycopg.OperationalError("connection refused")),
        _wrapped(exc.OperationalError, pg.AdminShutdown("terminating connection")),
        _wrapped(exc.OperationalError, pg.CannotConnectNow("the database system is starting")),
        _wrapped(exc.OperationalError, pg.DeadlockDetected("deadlock detected")),
        _wrapped(exc.OperationalError, pg.SerializationFailure("could not serialize")),
        _wrapped(exc.OperationalError, pg.TooManyConnections("too many clients")),
        _wrapped(exc.InterfaceError, psycopg.InterfaceError("the connection is closed")),
        exc.DisconnectionError("stale connection"),
        exc.TimeoutError("QueuePool limit reached"),
    ],
    ids=repr,
)
def test_errors_that_pass_are_temporarily_unavailable(error):
    assert unavailable(error)


@pytest.mark.parametrize(
    "error",
    [
        _wrapped(exc.OperationalError, sqlite3.OperationalError("no such table: cases")),
        _wrapped(exc.OperationalError, sqlite3.OperationalError('near "SELEC": syntax error')),
        _wrapped(exc.InterfaceError, sqlite3.InterfaceError("Error binding parameter 1")),
        _wrapped(exc.IntegrityError, sqlite3.IntegrityError("UNIQUE constraint failed")),
        _wrapped(exc.ProgrammingError, pg.UndefinedTable("relation does not exist")),
        _wrapped(exc.IntegrityError, pg.UniqueViolation("duplicate key value")),
        _wrapped(exc.DataError, pg.NumericValueOutOfRange("out of range")),
        ValueError("not a database error"),
    ],
    ids=repr,
)
def test_mistakes_stay_internal_errors(error):
    assert not unavailable(error)


def test_a_connection_the_pool_found_dead_is_unavailable():
    error = _wrapped(exc.OperationalError, sqlite3.OperationalError("no such table: cases"))
    error.connection_invalidated = True
    assert unavailable(error)
