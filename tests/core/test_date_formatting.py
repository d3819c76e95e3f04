"""Dates read the same whichever way they are formatted: the numeric patterns the templates use
are written without Babel (it costs about 25 µs a value, hundreds of times on a DPO report),
and must come out exactly as Babel writes them, in the office's time zone, in every language."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import flask_babel
import pytest

from fallteam.core import i18n

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
_USED = re.compile(r"""(?:datetimeformat|dateformat)\(["']([^"']+)["']\)""")


def patterns_in_templates() -> set[str]:
    return {
        pattern
        for template in TEMPLATES.rglob("*.html")
        for pattern in _USED.findall(template.read_text(encoding="utf-8"))
    }


def moments() -> list[datetime]:
    """Naive UTC values around both daylight saving changes, midnight and the year's end, and
    values with a zone of their own."""
    naive = [
        datetime(2026, 3, 29, 0, 59, 59),  # 01:59:59 CET, just before the change
        datetime(2026, 3, 29, 1, 0, 0),  # 03:00 CEST
        datetime(2026, 10, 25, 0, 30, 5),  # 02:30 CEST, before the hour repeats
        datetime(2026, 10, 25, 1, 30, 5),  # 02:30 CET, the repeated hour
        datetime(2026, 12, 31, 23, 0, 0),  # already the new year in Berlin
        datetime(2027, 1, 1, 7, 5, 9, 123456),
        datetime(1999, 6, 30, 22, 15, 0),
    ]
    aware = [
        datetime(2026, 7, 1, 23, 30, tzinfo=UTC),
        datetime(2026, 7, 1, 8, 0, tzinfo=timezone(timedelta(hours=-5))),
    ]
    return naive + aware


def test_the_templates_use_numeric_patterns_that_skip_babel():
    used = patterns_in_templates()
    assert "dd.MM.yyyy" in used and "dd.MM.yyyy, HH:mm" in used
    assert i18n.numeric_pattern("EEEE, dd.MM.yyyy") is None  # a day's name is the language's
    assert i18n.numeric_pattern("short") is None
    assert i18n.numeric_pattern("dd.MM.yyyy 'um' HH:mm") is None
    assert i18n.numeric_pattern("d.M.yy") is None  # unpadded fields are left to Babel


@pytest.mark.parametrize("language", ["de", "en"])
def test_every_pattern_in_the_templates_reads_as_babel_writes_it(app, language):
    patterns = patterns_in_templates()
    default = app.config["BABEL_DEFAULT_LOCALE"]
    with app.test_request_context():
        app.config["BABEL_DEFAULT_LOCALE"] = language
        flask_babel.refresh()
        try:
            assert flask_babel.get_locale().language == language
            for pattern in sorted(patterns):
                for moment in moments():
                    assert i18n.format_datetime(moment, pattern) == flask_babel.format_datetime(
                        moment, pattern
                    ), (pattern, moment)
                    if not re.search("[Hms]", pattern):  # a day has no time of day
                        assert i18n.format_date(moment, pattern) == flask_babel.format_date(
                            moment, pattern
                        ), (pattern, moment)
                if not re.search("[Hms]", pattern):
                    day = date(2026, 3, 29)
                    assert i18n.format_date(day, pattern) == flask_babel.format_date(day, pattern)
        finally:
            app.config["BABEL_DEFAULT_LOCALE"] = default


def test_the_filters_in_the_templates_are_the_fast_ones(app):
    assert app.jinja_env.filters["datetimeformat"] is i18n.format_datetime
    assert app.jinja_env.filters["dateformat"] is i18n.format_date
    with app.test_request_context():
        rendered = app.jinja_env.from_string(
            '{{ t|datetimeformat("dd.MM.yyyy, HH:mm") }} · {{ t|datetimeformat("EEEE") }}'
        ).render(t=datetime(2026, 12, 5, 22, 40))
    assert rendered == "05.12.2026, 23:40 · Samstag"
