"""Language and time zone: German first, English selectable, dates in Europe/Berlin."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

import flask_babel
from flask import Flask, current_app, has_request_context, session

from fallteam.extensions import babel

LANGUAGE_SESSION_KEY = "lang"


def selected_locale() -> str:
    """The language the visitor chose, German otherwise (also outside a request: a message
    made by a CLI command or a test is German)."""
    chosen = session.get(LANGUAGE_SESSION_KEY) if has_request_context() else None
    if chosen in current_app.config["LANGUAGES"]:
        return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def office_zone() -> ZoneInfo:
    """The office's time zone (Europe/Berlin): sessions keep their wall-clock time across
    daylight saving changes."""
    return ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])


#: Babel's zero-padded numeric fields and the same digits from Python's own formatting
_NUMERIC_FIELDS = {
    "dd": "{0.day:02d}",
    "MM": "{0.month:02d}",
    "yyyy": "{0.year:04d}",
    "HH": "{0.hour:02d}",
    "mm": "{0.minute:02d}",
    "ss": "{0.second:02d}",
}
_FIELD = re.compile(r"([A-Za-z])\1*")


@lru_cache(maxsize=64)
def numeric_pattern(pattern: str) -> str | None:
    """The ``str.format`` template that writes a Babel date pattern made only of zero-padded
    numeric fields (``dd.MM.yyyy, HH:mm``), or None for any other pattern (names of days and
    months, a language's own ``short``), which Babel formats.

    Why: such a pattern reads the same in every language, and Babel spends about 25 µs on
    each value; the DPO's reports and the lists show hundreds of times per page."""
    parts, end = [], 0
    for field in _FIELD.finditer(pattern):
        parts.append(pattern[end : field.start()])
        template = _NUMERIC_FIELDS.get(field.group(0))
        if template is None:
            return None
        parts.append(template)
        end = field.end()
    parts.append(pattern[end:])
    literals = parts[::2]
    if any(char in literal for literal in literals for char in "'{}"):
        return None  # quoted text or braces: leave it to Babel
    return "".join(parts)


def format_datetime(value: Any, pattern: str | None = None) -> str:
    """Flask-Babel's ``datetimeformat`` (a naive value is UTC; shown in the office's time
    zone), the numeric patterns without Babel."""
    template = numeric_pattern(pattern) if isinstance(pattern, str) else None
    if template is None or not isinstance(value, datetime):
        return flask_babel.format_datetime(value, pattern)
    return template.format(_in_office_zone(value))


def format_date(value: Any, pattern: str | None = None) -> str:
    """Flask-Babel's ``dateformat`` (a point in time is shown as the office's calendar day),
    the numeric patterns without Babel."""
    template = numeric_pattern(pattern) if isinstance(pattern, str) else None
    if template is None or not isinstance(value, date):
        return flask_babel.format_date(value, pattern)
    if isinstance(value, datetime):
        value = _in_office_zone(value).date()
    return template.format(value)


def _in_office_zone(value: datetime) -> datetime:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(office_zone())


def init_app(app: Flask) -> None:
    """Bind Flask-Babel with the visitor's language and the office's time zone."""
    babel.init_app(
        app,
        locale_selector=selected_locale,
        timezone_selector=lambda: app.config["BABEL_DEFAULT_TIMEZONE"],
        default_translation_directories=str(app.root_path + "/translations"),
    )
    # the same filters, the numeric patterns formatted without Babel's per-value cost
    app.jinja_env.filters.update(datetimeformat=format_datetime, dateformat=format_date)

    @app.context_processor
    def _languages() -> dict:
        return {"languages": app.config["LANGUAGES"], "current_language": selected_locale()}
