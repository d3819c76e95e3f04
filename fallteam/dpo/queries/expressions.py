"""SQL the DPO's reports need that SQLite and PostgreSQL spell differently: a key of the audit
events' JSON details, a time plus some minutes, the UTC hour, day and weekday of a timestamp.

Each is a SQLAlchemy construct compiled per dialect (``sqlalchemy.ext.compiler``), so the
reports aggregate in the database on both backends instead of loading events into Python.
Arguments are bound parameters, never spliced into the SQL text.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Integer, String, literal
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from fallteam.core.models import UTCDateTime


class json_text(FunctionElement):  # noqa: N801 (an SQL function)
    """``json_text(details, "meeting")``: the value under a top-level key of a JSON text
    column, as text (a list comes back as its JSON text); NULL when the key is missing."""

    type = String()
    name = "json_text"
    inherit_cache = True

    def __init__(self, column: Any, key: str) -> None:
        super().__init__(column, literal(key, String()))


@compiles(json_text)
def _json_text_sqlite(element, compiler, **kw) -> str:
    column, key = list(element.clauses)
    return f"json_extract({compiler.process(column, **kw)}, '$.' || {compiler.process(key, **kw)})"


@compiles(json_text, "postgresql")
def _json_text_postgresql(element, compiler, **kw) -> str:
    column, key = list(element.clauses)
    return f"(CAST({compiler.process(column, **kw)} AS jsonb) ->> {compiler.process(key, **kw)})"


class minutes_after(FunctionElement):  # noqa: N801 (an SQL function)
    """``minutes_after(occurred_dt, 10)``: the timestamp ten minutes later, comparable with
    the stored timestamps of the same column."""

    type = UTCDateTime()
    name = "minutes_after"
    inherit_cache = True

    def __init__(self, column: Any, minutes: int) -> None:
        super().__init__(column, literal(int(minutes), Integer()))


@compiles(minutes_after)
def _minutes_after_sqlite(element, compiler, **kw) -> str:
    # SQLite stores "YYYY-MM-DD HH:MM:SS.ffffff"; strftime keeps milliseconds, enough here
    column, minutes = list(element.clauses)
    return (
        f"strftime('%Y-%m-%d %H:%M:%f', {compiler.process(column, **kw)}, "
        f"'+' || {compiler.process(minutes, **kw)} || ' minutes')"
    )


@compiles(minutes_after, "postgresql")
def _minutes_after_postgresql(element, compiler, **kw) -> str:
    column, minutes = list(element.clauses)
    return (
        f"({compiler.process(column, **kw)} + make_interval("
        f"mins => CAST({compiler.process(minutes, **kw)} AS integer)))"
    )


class utc_hour(FunctionElement):  # noqa: N801 (an SQL function)
    """The hour (0–23, UTC) of a timestamp."""

    type = Integer()
    name = "utc_hour"
    inherit_cache = True


@compiles(utc_hour)
def _utc_hour_sqlite(element, compiler, **kw) -> str:
    return f"CAST(strftime('%H', {compiler.process(element.clauses, **kw)}) AS INTEGER)"


@compiles(utc_hour, "postgresql")
def _utc_hour_postgresql(element, compiler, **kw) -> str:
    column = compiler.process(element.clauses, **kw)
    return f"CAST(EXTRACT(HOUR FROM ({column} AT TIME ZONE 'UTC')) AS INTEGER)"


class utc_weekday(FunctionElement):  # noqa: N801 (an SQL function)
    """The weekday (UTC) of a timestamp, 0 = Sunday … 6 = Saturday (SQL's numbering)."""

    type = Integer()
    name = "utc_weekday"
    inherit_cache = True


@compiles(utc_weekday)
def _utc_weekday_sqlite(element, compiler, **kw) -> str:
    return f"CAST(strftime('%w', {compiler.process(element.clauses, **kw)}) AS INTEGER)"


@compiles(utc_weekday, "postgresql")
def _utc_weekday_postgresql(element, compiler, **kw) -> str:
    column = compiler.process(element.clauses, **kw)
    return f"CAST(EXTRACT(DOW FROM ({column} AT TIME ZONE 'UTC')) AS INTEGER)"


class utc_day(FunctionElement):  # noqa: N801 (an SQL function)
    """The calendar day (UTC) of a timestamp as text, ``YYYY-MM-DD``."""

    type = String()
    name = "utc_day"
    inherit_cache = True


@compiles(utc_day)
def _utc_day_sqlite(element, compiler, **kw) -> str:
    return f"strftime('%Y-%m-%d', {compiler.process(element.clauses, **kw)})"


@compiles(utc_day, "postgresql")
def _utc_day_postgresql(element, compiler, **kw) -> str:
    column = compiler.process(element.clauses, **kw)
    return f"to_char(({column} AT TIME ZONE 'UTC'), 'YYYY-MM-DD')"


class uuid_text(FunctionElement):  # noqa: N801 (an SQL function)
    """A UUID column as the text ``str(uuid)`` gives (lower case, with hyphens), the way
    the audit events' details name ids."""

    type = String()
    name = "uuid_text"
    inherit_cache = True


@compiles(uuid_text)
def _uuid_text_sqlite(element, compiler, **kw) -> str:
    # SQLite keeps a UUID as 32 hex digits
    x = compiler.process(element.clauses, **kw)
    return (
        f"lower(substr({x}, 1, 8) || '-' || substr({x}, 9, 4) || '-' || substr({x}, 13, 4)"
        f" || '-' || substr({x}, 17, 4) || '-' || substr({x}, 21, 12))"
    )


@compiles(uuid_text, "postgresql")
def _uuid_text_postgresql(element, compiler, **kw) -> str:
    return f"CAST({compiler.process(element.clauses, **kw)} AS TEXT)"


class by_period(FunctionElement):  # noqa: N801 (an SQL function)
    """A column compared as is, but not through its index: SQLite (no statistics) prefers
    an equality on an indexed column — ``outcome = 'allowed'``, true of almost every event —
    over the period's range on ``occurred_dt``, and walks the whole log. Its unary ``+``
    leaves the value alone and the index out; PostgreSQL weighs both by its statistics and
    gets the column itself."""

    name = "by_period"
    inherit_cache = True

    def __init__(self, column: Any) -> None:
        super().__init__(column)
        self.type = column.type


@compiles(by_period)
def _by_period_sqlite(element, compiler, **kw) -> str:
    return f"+{compiler.process(element.clauses, **kw)}"


@compiles(by_period, "postgresql")
def _by_period_postgresql(element, compiler, **kw) -> str:
    return compiler.process(element.clauses, **kw)
