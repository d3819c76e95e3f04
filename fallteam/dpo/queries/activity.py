"""What one person did over a period, from the audit log: per case (by pseudonym) and office
day, how often they read, changed, exported and were refused, and when first and last."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from fallteam.audit.models import AuditAction, AuditEvent, Outcome
from fallteam.core.i18n import office_zone
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

    def add(self, action: str, outcome: str, moment: datetime) -> None:
        """Count one event."""
        if outcome == Outcome.DENIED:
            self.refusals += 1
        elif action == AuditAction.READ:
            self.reads += 1
        elif action == AuditAction.EXPORT:
            self.exports += 1
        elif action in CHANGES:
            self.changes += 1
        self.first_dt = moment if self.first_dt is None else min(self.first_dt, moment)
        self.last_dt = moment if self.last_dt is None else max(self.last_dt, moment)


def person_activity(user_id: uuid.UUID, since: date, until: date) -> list[ActivityLine]:
    """What ``user_id`` did to cases from ``since`` to ``until`` (office days, inclusive):
    one line per case and day, newest day first, then by pseudonym. One statement, which
    reads four columns of that person's case events in the period (the (actor, seq) index);
    the lines are added up here, because "day" is the office's day, which SQLite cannot
    compute."""
    audit_filter = AuditFilter(actor_id=user_id, since=since, until=until)
    zone = office_zone()
    events = db.session.execute(
        select(
            AuditEvent.case_pseudonym,
            AuditEvent.occurred_dt,
            AuditEvent.action,
            AuditEvent.outcome,
        )
        .where(*audit_filter.conditions(), AuditEvent.case_pseudonym.is_not(None))
        .execution_options(yield_per=2000)
    )
    lines: dict[tuple[str, date], ActivityLine] = {}
    for pseudonym, moment, action, outcome in events:
        day = moment.astimezone(zone).date()
        line = lines.get((pseudonym, day))
        if line is None:
            line = lines[(pseudonym, day)] = ActivityLine(pseudonym, day)
        line.add(action, outcome, moment)
    return sorted(lines.values(), key=lambda line: (-line.day.toordinal(), line.pseudonym))
