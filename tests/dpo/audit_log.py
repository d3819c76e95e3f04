"""Writing audit events with chosen times for the DPO's tests (through ``record``, so the
chain stays valid), and reading the DPO's pages back."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from fallteam.audit import operations as audit
from fallteam.audit.models import AuditAction, AuditEvent, Outcome
from fallteam.auth.models import User
from fallteam.extensions import db


@dataclass
class Entry:
    """One event to write."""

    actor: uuid.UUID | None
    action: AuditAction = AuditAction.READ
    pseudonym: str | None = None
    outcome: Outcome = Outcome.ALLOWED
    at: datetime = field(default_factory=lambda: datetime(2026, 3, 3, 10, 0, tzinfo=UTC))
    purpose: str | None = None
    details: dict[str, Any] = field(default_factory=dict)
    object_type: str = "case"


def write(app, entries: list[Entry]) -> list[int]:
    """Write the entries (in one transaction); their sequence numbers."""
    with app.app_context():
        start = db.session.scalar(select(AuditEvent.seq).order_by(AuditEvent.seq.desc())) or 0
        users = {u.id: u for u in db.session.scalars(select(User))}
        with pytest.MonkeyPatch.context() as patch:
            for entry in entries:
                patch.setattr(audit, "utcnow", lambda at=entry.at: at)
                audit.record(
                    entry.action,
                    outcome=entry.outcome,
                    purpose=entry.purpose,
                    case_pseudonym=entry.pseudonym,
                    details=entry.details,
                    actor=users.get(entry.actor),
                    object_type=entry.object_type,
                    object_id=uuid.uuid4(),
                )
            db.session.commit()
        return list(
            db.session.scalars(
                select(AuditEvent.seq).where(AuditEvent.seq > start).order_by(AuditEvent.seq)
            )
        )


def shown_seqs(html: str) -> list[int]:
    """The sequence numbers of the events a search page lists, in page order."""
    return [int(n) for n in re.findall(r'data-seq="(\d+)"', html)]


def next_before(html: str) -> int | None:
    """The ``before`` of the page's "weiter" link, if any."""
    match = re.search(r'rel="next" href="[^"]*before=(\d+)', html)
    return int(match.group(1)) if match else None
