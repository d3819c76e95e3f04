"""What one person did over a period, from the audit log: per case (by pseudonym) and office
day, how often they read, changed, exported and were refused, and when first and last."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from sqlalchemy import func, select

from fallteam.audit.models import AuditAction, AuditEvent, Outcome
from fallteam.core.i18n import office_zone
from fallteam.dpo.queries.expressions import utc_day, utc_hour
from fallteam.dpo.queries.search import AuditFilter
from fallteam.extensions import db

#: actions counted as changes
CHANGES = frozenset({AuditAction.CREATE, AuditAction.UPDATE, AuditAction.DELETE})


@dataclass
class ActivityLine:
    """One case on one office day."""

    pseudonym: str
    day: date
    reads: int = 0
    changes: int = 0
    exports: int = 0
    refusals: int = 0
    first_dt: datetime | None = None
    last_dt: datetime | None = None

    def add(
        self, action: str, outcome: str, count: int, first_dt: datetime, last_dt: datetime
    ) -> None:
        """Count ``count`` events of one kind, from ``first_dt`` to ``last_dt``."""
        if outcome == Outcome.DENIED:
            self.refusals += count
        elif action == AuditAction.READ:
            self.reads += count
        elif action == AuditAction.EXPORT:
            self.exports += count
        elif action in CHANGES:
            self.changes += count
        self.first_dt = first_dt if self.first_dt is None else min(self.first_dt, first_dt)
        self.last_dt = last_dt if self.last_dt is None else max(self.last_dt, last_dt)


def person_activity(user_id: uuid.UUID, since: date, until: date) -> list[ActivityLine]:
    """What ``user_id`` did to cases from ``since`` to ``until`` (office days, inclusive):
    one line per case and day, newest day first, then by pseudonym. One statement: the
    database counts that person's case events in the period (the (actor, time) index) per
    case, UTC day and hour, action and outcome; the groups are placed on office days here,
    because "day" is the office's day, which SQLite cannot compute — exactly, since the
    office zone's offsets are whole hours."""
    audit_filter = AuditFilter(actor_id=user_id, since=since, until=until)
    e = AuditEvent
    day, hour = utc_day(e.occurred_dt), utc_hour(e.occurred_dt)
    groups = db.session.execute(
        select(
            e.case_pseudonym,
            day,
            hour,
            e.action,
            e.outcome,
            func.count(),
            func.min(e.occurred_dt),
            func.max(e.occurred_dt),
        )
        .where(*audit_filter.conditions(), e.case_pseudonym.is_not(None))
        .group_by(e.case_pseudonym, day, hour, e.action, e.outcome)
    )
    zone = office_zone()
    lines: dict[tuple[str, date], ActivityLine] = {}
    for pseudonym, utc_date, utc_hour_, action, outcome, count, first_dt, last_dt in groups:
        moment = datetime.combine(date.fromisoformat(utc_date), time(utc_hour_), UTC)
        office_day = moment.astimezone(zone).date()
        line = lines.get((pseudonym, office_day))
        if line is None:
            line = lines[(pseudonym, office_day)] = ActivityLine(pseudonym, office_day)
        line.add(action, outcome, count, first_dt, last_dt)
    return sorted(lines.values(), key=lambda line: (-line.day.toordinal(), line.pseudonym))


#: lines (case × day) per page of a person's activity
ACTIVITY_PAGE_SIZE = 100


@dataclass
class ActivityPage:
    """One page of a person's activity, newest day first."""

    lines: list[ActivityLine]
    page: int
    pages: int
    total: int


def person_activity_page(
    user_id: uuid.UUID, since: date, until: date, *, page: int = 1
) -> ActivityPage:
    """Page ``page`` of ``person_activity`` (a page number out of range shows the nearest
    page that exists): a year of someone's work is thousands of lines."""
    lines = person_activity(user_id, since, until)
    pages = max(1, -(-len(lines) // ACTIVITY_PAGE_SIZE))
    page = min(max(page, 1), pages)
    start = (page - 1) * ACTIVITY_PAGE_SIZE
    return ActivityPage(lines[start : start + ACTIVITY_PAGE_SIZE], page, pages, len(lines))
