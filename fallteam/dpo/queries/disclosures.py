"""Disclosure decisions as their own list: every confirmation to present a case pseudonymised
to guests no consent covers, every release of text the re-identification guard flagged,
every Protokollauszug with real names, every consent recorded or revoked — who, when, for
which case.

The domains' operations mark these events with ``details.disclosure``; the audit log writes
details as canonical JSON (sorted keys, no spaces), so the marker is found by its exact text.
"""

from __future__ import annotations

import json
import math
import uuid
from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from fallteam.audit.models import AuditEvent, Outcome
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


@dataclass
class DisclosurePage:
    """One page of the list, newest first."""

    rows: list[Disclosure]
    page: int
    pages: int
    total: int


def disclosures(
    *, kind: str | None = None, pseudonym: str | None = None, page: int = 1
) -> DisclosurePage:
    """The disclosure decisions (of one ``kind``, for one ``pseudonym``, when given), newest
    first, a page at a time (three statements)."""
    e = AuditEvent
    marker = f'"disclosure":"{kind}"' if kind in DISCLOSURE_LABELS else '"disclosure":"'
    conditions = [e.outcome == Outcome.ALLOWED, e.details.contains(marker, autoescape=True)]
    if pseudonym:
        conditions.append(e.case_pseudonym == pseudonym)
    total = db.session.scalar(select(func.count()).select_from(e).where(*conditions)) or 0
    pages = max(1, math.ceil(total / PER_PAGE))
    page = min(max(page, 1), pages)
    rows = db.session.execute(
        select(
            e.seq,
            e.occurred_dt,
            e.actor_id,
            e.case_pseudonym,
            e.object_type,
            e.object_id,
            e.details,
        )
        .where(*conditions)
        .order_by(e.seq.desc())
        .offset((page - 1) * PER_PAGE)
        .limit(PER_PAGE)
    ).all()
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
        page=page,
        pages=pages,
        total=total,
    )
