"""The period a DPO page looks at: whole office days, from and until (inclusive)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import gettext as _

from fallteam.core.models import utcnow
from fallteam.meetings.rules import day_start, local_day


@dataclass(frozen=True)
class Period:
    """From the start of ``since`` until the end of ``until``, office days."""

    since: date
    until: date

    @property
    def start(self) -> datetime:
        """Its first moment (UTC)."""
        return day_start(self.since)

    @property
    def end(self) -> datetime:
        """The moment after its last (UTC)."""
        return day_start(self.until + timedelta(days=1))


def period_from(
    since: str | None, until: str | None, *, default_days: int
) -> tuple[Period, str | None]:
    """The period the page's ``since``/``until`` parameters (YYYY-MM-DD) name; by default
    the last ``default_days`` days up to today. With unreadable dates: the default and a
    message saying so."""
    today = local_day(utcnow())
    default = Period(today - timedelta(days=default_days - 1), today)
    try:
        first = date.fromisoformat(since) if since else default.since
        last = date.fromisoformat(until) if until else default.until
    except ValueError:
        return default, _(
            "Das Datum ist ungültig (erwartet: JJJJ-MM-TT); gezeigt wird der Standardzeitraum."
        )
    if first > last:
        return default, _(
            "Der Zeitraum beginnt nach seinem Ende; gezeigt wird der Standardzeitraum."
        )
    return Period(first, last), None
