"""Audit search: the log filtered by person, case pseudonym, action, refusals, period and
reads of data released by consent — newest first, a page at a time (keyset on ``seq``), or
streamed whole for an export. Built on the audit log alone: nothing of a case is read.

Days are the office's (Europe/Berlin, ``BABEL_DEFAULT_TIMEZONE``): "until 3 March" ends at
midnight after 3 March there. The composite indexes of the log (filter column, ``seq``)
serve each filter in ``seq`` order, so a page costs an index walk of 50 rows however large
the log (``explain_search`` shows the plan)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, select, text

from fallteam.audit.labels import action_label, outcome_label
from fallteam.audit.models import CONSENT_READ_PREDICATE, AuditAction, AuditEvent, Outcome
from fallteam.audit.operations import record
from fallteam.auth.models import User
from fallteam.core.i18n import office_zone
from fallteam.extensions import db

#: events per page of the search
PAGE_SIZE = 50
#: events per statement of an export
EXPORT_BATCH = 1000


def consent_read_condition():
    """Events whose details carry ``consent_ids`` (only reads do): the partial index's
    predicate, literally (``audit.models.CONSENT_READ_PREDICATE``)."""
    return text(CONSENT_READ_PREDICATE)


@dataclass(frozen=True)
class AuditFilter:
    """What the DPO looks for; every field narrows, None (False) leaves it open."""

    #: who acted
    actor_id: uuid.UUID | None = None
    #: the case, by pseudonym (exact)
    pseudonym: str | None = None
    #: one ``AuditAction`` value
    action: str | None = None
    #: refusals only
    denied_only: bool = False
    #: first office day (Europe/Berlin) of the period
    since: date | None = None
    #: last office day of the period (inclusive)
    until: date | None = None
    #: reads of data that consents released to the reader
    consent_reads: bool = False

    def conditions(self) -> list:
        """The filter as SQL conditions on ``AuditEvent``."""
        conditions = []
        if self.actor_id is not None:
            conditions.append(AuditEvent.actor_id == self.actor_id)
        if self.pseudonym:
            conditions.append(AuditEvent.case_pseudonym == self.pseudonym)
        if self.action:
            conditions.append(AuditEvent.action == self.action)
        if self.denied_only:
            conditions.append(AuditEvent.outcome == Outcome.DENIED.value)
        if self.since is not None:
            conditions.append(AuditEvent.occurred_dt >= office_day_start(self.since))
        if self.until is not None:
            conditions.append(
                AuditEvent.occurred_dt < office_day_start(self.until + timedelta(days=1))
            )
        if self.consent_reads:
            conditions.append(consent_read_condition())
        return conditions

    def params(self) -> dict[str, str]:
        """The filter as the search's GET parameters (links, export, the next page)."""
        params = {
            "actor": str(self.actor_id) if self.actor_id else None,
            "pseudonym": self.pseudonym or None,
            "action": self.action or None,
            "outcome": "denied" if self.denied_only else None,
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
            "consent_reads": "1" if self.consent_reads else None,
        }
        return {name: value for name, value in params.items() if value is not None}

    @property
    def empty(self) -> bool:
        """Whether nothing narrows the search."""
        return not self.params()


def office_day_start(day: date) -> datetime:
    """Midnight at the start of ``day`` in the office's time zone, as a UTC instant."""
    return datetime.combine(day, time(0), tzinfo=office_zone()).astimezone(UTC)


@dataclass
class AuditRow:
    """One event as the DPO's pages and exports show it (no content: the log holds none)."""

    seq: int
    occurred_dt: datetime
    actor_id: uuid.UUID | None
    actor_name: str
    actor_roles: str
    action: str
    action_label: str
    object_type: str | None
    object_id: str | None
    case_pseudonym: str | None
    purpose: str | None
    outcome: str
    outcome_label: str
    basis: str
    consent_ids: list[str]
    request_id: str | None
    details: dict[str, Any] = field(default_factory=dict)


@dataclass
class AuditPage:
    """One page of the search: its rows, newest first, and where the next page starts."""

    rows: list[AuditRow]
    #: ``before_seq`` of the next (older) page; None on the last page
    next_before: int | None


#: the columns the pages show: rows, not mapped objects, so nothing stays in the session
_COLUMNS = (
    AuditEvent.seq,
    AuditEvent.occurred_dt,
    AuditEvent.actor_id,
    AuditEvent.actor_roles,
    AuditEvent.action,
    AuditEvent.object_type,
    AuditEvent.object_id,
    AuditEvent.case_pseudonym,
    AuditEvent.purpose,
    AuditEvent.outcome,
    AuditEvent.request_id,
    AuditEvent.details,
)


def _query(audit_filter: AuditFilter, before_seq: int | None) -> Select:
    query = select(*_COLUMNS).where(*audit_filter.conditions())
    if before_seq is not None:
        query = query.where(AuditEvent.seq < before_seq)
    return query.order_by(AuditEvent.seq.desc())


def _names(actor_ids) -> dict[uuid.UUID, str]:
    """Display names of the accounts that acted (one statement; the DPO sees staff by name)."""
    wanted = {a for a in actor_ids if a is not None}
    if not wanted:
        return {}
    return dict(
        db.session.execute(select(User.id, User.display_name).where(User.id.in_(wanted))).all()
    )


def _details(raw: str) -> dict[str, Any]:
    try:
        details = json.loads(raw or "{}")
    except ValueError:
        return {}
    return details if isinstance(details, dict) else {}


def _rows(events) -> list[AuditRow]:
    names = _names(e.actor_id for e in events)
    rows = []
    for event in events:
        details = _details(event.details)
        consent_ids = details.get("consent_ids")
        rows.append(
            AuditRow(
                seq=event.seq,
                occurred_dt=event.occurred_dt,
                actor_id=event.actor_id,
                actor_name=names.get(event.actor_id, "") if event.actor_id else "",
                actor_roles=event.actor_roles,
                action=event.action,
                action_label=action_label(event.action),
                object_type=event.object_type,
                object_id=event.object_id,
                case_pseudonym=event.case_pseudonym,
                purpose=event.purpose,
                outcome=event.outcome,
                outcome_label=outcome_label(event.outcome),
                basis=str(details.get("basis", "")),
                consent_ids=[str(c) for c in consent_ids] if isinstance(consent_ids, list) else [],
                request_id=event.request_id,
                details=details,
            )
        )
    return rows


def search_audit_events(
    audit_filter: AuditFilter, *, before_seq: int | None = None, per_page: int = PAGE_SIZE
) -> AuditPage:
    """One page of the events matching ``audit_filter``, newest first, older than
    ``before_seq`` (the previous page's ``next_before``). Keyset pagination: a page stays the
    same while new events arrive (they are newer). Two statements: the events and the
    names of their actors."""
    events = db.session.execute(_query(audit_filter, before_seq).limit(per_page + 1)).all()
    more = len(events) > per_page
    events = events[:per_page]
    return AuditPage(_rows(events), events[-1].seq if more and events else None)


def iter_audit_events(
    audit_filter: AuditFilter, *, batch: int = EXPORT_BATCH
) -> Iterator[AuditRow]:
    """Every event matching ``audit_filter``, newest first, fetched ``batch`` at a time
    (keyset on ``seq``): an export of any size never holds the whole list. Events written
    while it runs are newer than its first batch and stay out."""
    before: int | None = None
    while True:
        events = db.session.execute(_query(audit_filter, before).limit(batch)).all()
        if not events:
            return
        yield from _rows(events)
        if len(events) < batch:
            return
        before = events[-1].seq


def record_audit_export(audit_filter: AuditFilter, file_format: str) -> None:
    """The export of the log is itself an event: who exported which filtered view, how."""
    record(
        AuditAction.EXPORT,
        object_type="audit_log",
        purpose="Export des Protokolls",
        details={"filter": audit_filter.params(), "format": file_format},
    )


def explain_search(audit_filter: AuditFilter, *, before_seq: int | None = None) -> str:
    """The database's plan for one page of the search (``EXPLAIN QUERY PLAN`` on SQLite,
    ``EXPLAIN`` on PostgreSQL), for the benchmark to check that an index is used."""
    query = _query(audit_filter, before_seq).limit(PAGE_SIZE + 1)
    connection = db.session.connection()
    dialect = connection.dialect
    sql = str(query.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
    # (the driver un-doubles a "format" dialect's %% as it does for every statement)
    prefix = "EXPLAIN QUERY PLAN " if dialect.name == "sqlite" else "EXPLAIN "
    rows = connection.exec_driver_sql(prefix + sql).all()
    return "\n".join(" ".join(str(part) for part in row) for row in rows)


def accounts() -> list[tuple[uuid.UUID, str]]:
    """Every account as (id, display name), by name: whom the search can be narrowed to (the
    log outlives deactivation, so inactive accounts are offered too)."""
    return [
        (row.id, row.display_name)
        for row in db.session.execute(
            select(User.id, User.display_name).order_by(User.display_name, User.id)
        )
    ]


#: the columns of an export (CSV header; JSON keys are the same names)
EXPORT_COLUMNS = (
    "seq",
    "zeit",
    "person",
    "person_id",
    "rollen",
    "aktion",
    "objekttyp",
    "objekt_id",
    "pseudonym",
    "zweck",
    "ergebnis",
    "grundlage",
    "einwilligungen",
    "anfrage_id",
    "details",
)


def export_record(row: AuditRow) -> dict[str, Any]:
    """One event as an export names it: time in the office's zone (ISO 8601 with offset),
    action and outcome in words, the details as stored (ids, counts, field names)."""
    return {
        "seq": row.seq,
        "zeit": row.occurred_dt.astimezone(office_zone()).isoformat(timespec="seconds"),
        "person": row.actor_name,
        "person_id": str(row.actor_id) if row.actor_id else "",
        "rollen": row.actor_roles,
        "aktion": row.action_label,
        "objekttyp": row.object_type or "",
        "objekt_id": row.object_id or "",
        "pseudonym": row.case_pseudonym or "",
        "zweck": row.purpose or "",
        "ergebnis": row.outcome_label,
        "grundlage": row.basis,
        "einwilligungen": " ".join(row.consent_ids),
        "anfrage_id": row.request_id or "",
        "details": row.details,
    }


def export_cells(row: AuditRow) -> list[Any]:
    """One event as a CSV line's cells (the details as canonical JSON text)."""
    record_ = export_record(row)
    record_["details"] = json.dumps(record_["details"], sort_keys=True, ensure_ascii=False)
    return [record_[name] for name in EXPORT_COLUMNS]
