"""Disclosure decisions as their own list: every confirmation to present a case pseudonymised
to guests no consent covers, every release of text the re-identification guard flagged,
every Protokollauszug with real names, every consent recorded or revoked — who, when, for
which case.

The domains' operations mark these events with ``details.disclosure``; the audit log writes
details as canonical JSON (sorted keys, no spaces), so the marker is found by its exact text —
through a partial index on that predicate (``audit.models.DISCLOSURE_PREDICATE``), paged
newest first by ``seq`` with a keyset ("weiter" to the entries before a sequence number), so
a page costs an index walk of 50 entries at any size of the log, and a page stays the same
while new decisions are recorded.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, text

from fallteam.audit.models import DISCLOSURE_PREDICATE, AuditEvent, Outcome
from fallteam.core.i18n import office_zone
from fallteam.dpo.queries.people import names_of
from fallteam.extensions import db

#: the markers, in the order the page offers them as a filter
DISCLOSURE_LABELS = {
    "pseudonymised_presentation_confirmed": _l(
        "Pseudonymisierte Vorstellung vor Gästen ohne Schweigepflichtsentbindung bestätigt"
    ),
    "guard_release": _l("Vom Wiedererkennungsschutz markierten Text freigegeben"),
    "real_name_excerpt": _l("Protokollauszug mit echten Namen erstellt"),
    "consent_recorded": _l("Schweigepflichtsentbindung erfasst"),
    "consent_revoked": _l("Schweigepflichtsentbindung widerrufen"),
}

PER_PAGE = 50
#: the list counts its entries up to this many (a count of every decision in a large log
#: would walk all of them on every page)
COUNT_LIMIT = 1000


@dataclass
class Disclosure:
    """One decision: when, who, which, for which case, on which object."""

    seq: int
    occurred_dt: datetime
    kind: str
    actor_id: uuid.UUID | None
    name: str | None
    pseudonym: str | None
    object_type: str | None
    object_id: str | None

    @property
    def day(self) -> date:
        """The office day it happened on (for the link into the audit search)."""
        return self.occurred_dt.astimezone(office_zone()).date()


@dataclass
class DisclosurePage:
    """One page of the list, newest first: its rows, where the next (older) page starts,
    whether this is the newest page, and how many decisions match (counted up to
    ``COUNT_LIMIT``; ``more`` when there are more)."""

    rows: list[Disclosure]
    next_before: int | None
    first: bool
    total: int
    more: bool


def disclosures(
    *, kind: str | None = None, pseudonym: str | None = None, before: int | None = None
) -> DisclosurePage:
    """The disclosure decisions (of one ``kind``, for one ``pseudonym``, when given), newest
    first, a page at a time: those older than ``before`` (the previous page's
    ``next_before``). Three statements: the bounded count, the page, the names."""
    e = AuditEvent
    # the partial index's predicate, literally, so the database uses that index; "not
    # refused" rather than "allowed", which the (outcome, seq) index would serve instead —
    # walking every allowed event for the few decisions
    conditions = [text(DISCLOSURE_PREDICATE), e.outcome != Outcome.DENIED]
    if kind in DISCLOSURE_LABELS:
        conditions.append(e.details.contains(f'"disclosure":"{kind}"', autoescape=True))
    if pseudonym:
        conditions.append(e.case_pseudonym == pseudonym)
    matching = select(e.seq).where(*conditions).limit(COUNT_LIMIT + 1).subquery()
    total = db.session.scalar(select(func.count()).select_from(matching)) or 0
    page = select(
        e.seq,
        e.occurred_dt,
        e.actor_id,
        e.case_pseudonym,
        e.object_type,
        e.object_id,
        e.details,
    ).where(*conditions)
    if before is not None:
        page = page.where(e.seq < before)
    rows = db.session.execute(page.order_by(e.seq.desc()).limit(PER_PAGE + 1)).all()
    more_rows = len(rows) > PER_PAGE
    rows = rows[:PER_PAGE]
    names = names_of({row.actor_id for row in rows})
    return DisclosurePage(
        rows=[
            Disclosure(
                seq=row.seq,
                occurred_dt=row.occurred_dt,
                kind=json.loads(row.details).get("disclosure", ""),
                actor_id=row.actor_id,
                name=names.get(row.actor_id, (None, None))[0],
                pseudonym=row.case_pseudonym,
                object_type=row.object_type,
                object_id=row.object_id,
            )
            for row in rows
        ],
        next_before=rows[-1].seq if more_rows and rows else None,
        first=before is None,
        total=min(total, COUNT_LIMIT),
        more=total > COUNT_LIMIT,
    )
