"""The per-case access report: everyone who read or changed a case — its consents, protocols
and excerpts included — grouped by person and by session, with what allowed it, and the
refusals apart.

Built from the audit log (the events carrying the case's pseudonym, aggregated in the
database) and structural metadata (display names, institutions, session dates, consent
recipients and validity). No encrypted column is selected: nothing of the case is decrypted,
so the DPO answers "who saw this family's data, when, why" without reading any of it.
A fixed number of statements, however many events the case has; a page shows
``PAGE_LINES`` lines (a case read 50,000 times over a year has thousands), the totals above
it come from the database for the whole case.

A busy case's events are not added up anew for every page: its lines are kept rolled up
(``dpo.models.CaseReportRollup``, written by ``dpo.operations.roll_up_case_report``) up to
one of its events, and a page adds only the events since to the stored lines, in the same
single statement. The stored lines are used only while the session attribution they were
built with (the case's participation windows and its case manager, as a fingerprint) is
still the case's, so the report is the same with or without them.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Select,
    String,
    and_,
    case,
    func,
    literal,
    literal_column,
    null,
    select,
    union_all,
)
from sqlalchemy.sql.selectable import Subquery

from fallteam.audit.models import AuditAction, AuditEvent, Outcome
from fallteam.audit.operations import record
from fallteam.auth.models import Institution
from fallteam.cases.models import Case
from fallteam.consent.models import Consent, RecipientType
from fallteam.dpo.models import CaseReportRollup, CaseReportRollupLine
from fallteam.dpo.queries.expressions import json_text
from fallteam.dpo.queries.people import names_of
from fallteam.extensions import db
from fallteam.meetings.models import AgendaDocument, AgendaGuest, AgendaItem, Meeting
from fallteam.meetings.rules import day_start, local_day
from fallteam.protocols.models import CaseProtocol, ProtocolAddendum, ProtocolExcerpt
from fallteam.teams.models import Team

#: lines (person × session × object × kind) per page of the report: rendering is what a
#: busy case's report costs, so a page stays small whatever the case's history
PAGE_LINES = 50

#: the object type of the DPO's own look at a case's access report (recorded, and shown in
#: the report, but no read of the case: the anomaly checks leave it out)
REPORT_OBJECT = "access_report"

#: what the event concerned, by the audit log's object type
OBJECT_LABELS = {
    "case": _l("Fall"),
    "family_member": _l("Familienmitglied"),
    "family_relation": _l("Beziehung im Genogramm"),
    "resource_entry": _l("Eintrag der Ressourcenkarte"),
    "case_participant": _l("Teilnahme an der Fallvorstellung"),
    "consent": _l("Schweigepflichtsentbindung"),
    "agenda_item": _l("Tagesordnungspunkt"),
    "agenda_guest": _l("Gast des Tagesordnungspunkts"),
    "agenda_document": _l("Unterlage zum Tagesordnungspunkt"),
    "case_protocol": _l("Fallprotokoll"),
    "protocol_addendum": _l("Nachtrag zum Fallprotokoll"),
    "protocol_excerpt": _l("Protokollauszug"),
    "resubmission": _l("Wiedervorlage"),
    REPORT_OBJECT: _l("Zugriffsbericht (Datenschutz)"),
}

#: how the event is named in the report, by the audit log's action
ACTION_LABELS = {
    AuditAction.READ: _l("gelesen"),
    AuditAction.CREATE: _l("angelegt"),
    AuditAction.UPDATE: _l("geändert"),
    AuditAction.DELETE: _l("entfernt"),
    AuditAction.EXPORT: _l("heruntergeladen"),
    AuditAction.REFUSE: _l("verweigert"),
    AuditAction.SHRED: _l("gelöscht (Schlüssel vernichtet)"),
}

#: the reasons a read is allowed, in the words the read events store in ``details.basis``;
#: the report derives one of these from the reader's roles and the object where an (older)
#: event does not say
CASE_MANAGER = "fallführend"
SESSION = "Teilnahme an der Sitzung"
GUEST = "Gast (eingeladen)"

#: recipients a consent names by kind of participant
PARTICIPANT_KIND_LABELS = {
    "member": _l("Mitglieder des Fallteams"),
    "guest": _l("Gäste der Sitzung"),
}


@dataclass(frozen=True)
class SessionFacts:
    """A session, as the report names it: its start and its team."""

    id: uuid.UUID
    starts_dt: datetime
    team: str


@dataclass(frozen=True)
class ConsentFacts:
    """A consent, without content: to whom it releases (institutions, persons with their
    institution, kinds of participant) and when it is in force."""

    id: uuid.UUID
    recipients: tuple[str, ...]
    valid_from: date
    valid_until: date | None
    revoked_dt: datetime | None
    corrects: uuid.UUID | None


@dataclass
class ReportLine:
    """One kind of access by one person in one session: what, how, on which basis, how
    often, first and last time."""

    object_type: str | None
    action: str
    purpose: str | None
    basis: str | None
    basis_derived: bool
    consents: list[ConsentFacts | str]
    count: int
    first: datetime
    last: datetime


@dataclass
class SessionGroup:
    """What one person did in one session (``session`` None: outside any session)."""

    session: SessionFacts | None
    lines: list[ReportLine] = field(default_factory=list)

    @property
    def count(self) -> int:
        return sum(line.count for line in self.lines)

    @property
    def first(self) -> datetime:
        return min(line.first for line in self.lines)

    @property
    def last(self) -> datetime:
        return max(line.last for line in self.lines)


@dataclass
class PersonGroup:
    """Everything one person did to the case, by session."""

    actor_id: uuid.UUID | None
    name: str | None
    institution: str | None
    roles: set[str]
    sessions: list[SessionGroup] = field(default_factory=list)

    @property
    def count(self) -> int:
        return sum(group.count for group in self.sessions)

    @property
    def first(self) -> datetime:
        return min(group.first for group in self.sessions)

    @property
    def last(self) -> datetime:
        return max(group.last for group in self.sessions)


@dataclass
class CaseReport:
    """The access report of one pseudonym."""

    pseudonym: str
    #: the case still exists (a deleted case keeps only its events)
    case_exists: bool
    people: list[PersonGroup]
    refusals: list[PersonGroup]
    consents: list[ConsentFacts]
    #: allowed and refused events of the whole case (not only this page's)
    count: int
    refusal_count: int
    #: this page (1…``pages``) of the report's lines, ``lines`` of them in all
    page: int
    pages: int
    lines: int


#: what a pseudonym looks like (FT-2026-0042); anything else is refused before any query
_PSEUDONYM = re.compile(r"[A-Z0-9][A-Z0-9-]{0,39}")


def normalised_pseudonym(text: str | None) -> str | None:
    """The pseudonym as typed (spaces and case forgiven), or None when it cannot be one."""
    text = (text or "").strip().upper()
    return text if _PSEUDONYM.fullmatch(text) else None


def case_report(
    pseudonym: str, page: int = 1, inputs: ReportInputs | None = None
) -> CaseReport | None:
    """Page ``page`` of the access report of the case known by ``pseudonym`` (a page past
    the end shows the first); None when neither a case nor an audit event has that
    pseudonym. ``inputs``: the pseudonym's ``report_inputs`` where the caller already has
    them (the page rolls up first, with their help)."""
    inputs = inputs or report_inputs(pseudonym)
    items = inputs.items
    objects = _object_sessions(inputs.case_id) if inputs.case_id else {}
    page = max(page, 1)
    rows = _aggregated(inputs, page)
    if not rows and page > 1:
        page = 1
        rows = _aggregated(inputs, page)
    if inputs.case_id is None and not rows:
        return None
    lines = rows[0].lines if rows else 0
    sessions = {item.meeting_id: item.session for item in items}
    objects.update({str(item.id): item.meeting_id for item in items})
    keys = [_session_key(row, objects) for row in rows]
    missing = {k for k in keys if k is not None and k not in sessions}
    sessions.update(_sessions(missing))
    consent_rows = _consent_rows(inputs.case_id) if inputs.case_id else []
    recipients = [r for row in consent_rows for r in row.recipients or []]
    people = names_of(
        {row.actor_id for row in rows if row.actor_id}
        | {_uuid(r.get("value")) for r in recipients if r.get("type") == RecipientType.USER}
    )
    consents = _consents(consent_rows, _recipient_names(recipients, people))
    managers = {inputs.case_manager_id, inputs.created_by_id} if inputs.case_id else set()

    allowed: dict[uuid.UUID | None, PersonGroup] = {}
    refused: dict[uuid.UUID | None, PersonGroup] = {}
    for row, key in zip(rows, keys, strict=True):
        denied = row.outcome == Outcome.DENIED
        person = _person_group(refused if denied else allowed, row, people)
        session = sessions.get(key) if key is not None else None
        basis, derived = (None, False) if denied else _basis(row, session, managers)
        line = ReportLine(
            object_type=row.object_type,
            action=row.action,
            purpose=row.purpose,
            basis=basis,
            basis_derived=derived,
            consents=[consents.get(c, c) for c in _consent_ids(row.consent_ids)],
            count=row.count,
            first=row.first,
            last=row.last,
        )
        _session_group(person, session).lines.append(line)
    # the DPO's look at who worked on a family is itself recorded (shown in later reports)
    record(
        AuditAction.READ,
        object_type=REPORT_OBJECT,
        case_pseudonym=pseudonym,
        purpose="Zugriffsbericht",
    )
    return CaseReport(
        pseudonym=pseudonym,
        case_exists=inputs.case_id is not None,
        people=_ordered(allowed),
        refusals=_ordered(refused),
        consents=sorted(consents.values(), key=lambda c: (c.valid_from, str(c.id))),
        count=rows[0].allowed if rows else 0,
        refusal_count=rows[0].refused if rows else 0,
        page=page,
        pages=max(1, -(-lines // PAGE_LINES)),
        lines=lines,
    )


@dataclass(frozen=True)
class _Item:
    id: uuid.UUID
    meeting_id: uuid.UUID
    created_dt: datetime
    session: SessionFacts

    @property
    def day_end(self) -> datetime:
        """The end of the session day: the participation windows of its team and guests
        end then."""
        return day_start(local_day(self.session.starts_dt) + timedelta(days=1))


@dataclass(frozen=True)
class ReportInputs:
    """What a pseudonym's report is computed from (two statements): the case, while it
    exists; its agenda items, whose participation windows say which session a read of the
    case served; and how far its events are rolled up."""

    pseudonym: str
    case_id: uuid.UUID | None
    case_manager_id: uuid.UUID | None
    created_by_id: uuid.UUID | None
    #: the case's agenda items, in the order their windows are tried (earliest end first)
    items: tuple[_Item, ...]
    #: the stored roll-up: the newest event it covers and the attribution it was built
    #: with (both None: none stored)
    rolled_up_to: int | None
    rolled_up_for: str | None
    #: the pseudonym's newest event (None: it has none)
    newest_seq: int | None
    #: its events after ``rolled_up_to`` (all, without a roll-up), counted up to one more
    #: than ``DPO_REPORT_ROLL_UP_AFTER``
    pending: int
    #: the fingerprint of the session attribution (``_attribution``)
    attribution: str

    @property
    def rollup_usable(self) -> bool:
        """The stored lines attribute sessions as the case does now."""
        return self.rolled_up_to is not None and self.rolled_up_for == self.attribution

    def roll_up_due(self, after: int) -> bool:
        """Whether rolling up pays: more than ``after`` events would be added up on every
        page, or the stored lines attribute sessions differently than the case now does
        (a case is rolled up only once it is busy, and its events are never deleted)."""
        if self.newest_seq is None:
            return False
        if self.rolled_up_to is not None and not self.rollup_usable:
            return True
        return self.pending > after


def _attribution(items: tuple[_Item, ...], case_manager_id: uuid.UUID | None) -> str:
    """A fingerprint of what decides the session of a read that names none: each window
    (registration of the item, end of the session day, session) in the order they are
    tried, and the case manager, who reads by right and through no window."""
    windows = [
        [item.created_dt.isoformat(), item.day_end.isoformat(), str(item.meeting_id)]
        for item in items
    ]
    manager = str(case_manager_id) if case_manager_id else None
    text = json.dumps([windows, manager], separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def roll_up_after() -> int:
    """Events a report adds up on every page before they are rolled up
    (``DPO_REPORT_ROLL_UP_AFTER``)."""
    return int(current_app.config["DPO_REPORT_ROLL_UP_AFTER"])


def report_inputs(pseudonym: str) -> ReportInputs:
    """The case of ``pseudonym`` with its manager, its agenda items, and the state of its
    roll-up: how far, built for which attribution, how many events since (two
    statements)."""
    e, rollup = AuditEvent, CaseReportRollup
    asked = select(literal(pseudonym, String(40)).label("pseudonym")).subquery("asked")
    # not correlated with the roll-up joined below: counted in a subquery of its own
    rolled_up_to = (
        select(rollup.upto_seq)
        .where(rollup.pseudonym == pseudonym)
        .correlate(None)
        .scalar_subquery()
    )
    since = (
        select(e.seq)
        .where(e.case_pseudonym == pseudonym, e.seq > func.coalesce(rolled_up_to, 0))
        .limit(roll_up_after() + 1)
        .subquery()
    )
    row = db.session.execute(
        select(
            Case.id,
            Case.case_manager_id,
            Case.created_by_id,
            rollup.upto_seq,
            rollup.fingerprint,
            select(func.max(e.seq))
            .where(e.case_pseudonym == pseudonym)
            .scalar_subquery()
            .label("newest"),
            select(func.count()).select_from(since).scalar_subquery().label("pending"),
        )
        .select_from(asked)
        .outerjoin(Case, Case.pseudonym == asked.c.pseudonym)
        .outerjoin(rollup, rollup.pseudonym == asked.c.pseudonym)
    ).one()
    # the order is total (ties by session), so the same items give the same fingerprint
    items = tuple(
        sorted(
            _items_of(row.id) if row.id else [],
            key=lambda i: (i.day_end, i.created_dt, str(i.meeting_id)),
        )
    )
    return ReportInputs(
        pseudonym=pseudonym,
        case_id=row.id,
        case_manager_id=row.case_manager_id,
        created_by_id=row.created_by_id,
        items=items,
        rolled_up_to=row.upto_seq,
        rolled_up_for=row.fingerprint,
        newest_seq=row.newest,
        pending=row.pending,
        attribution=_attribution(items, row.case_manager_id),
    )


def _items_of(case_id: uuid.UUID) -> list[_Item]:
    rows = db.session.execute(
        select(
            AgendaItem.id,
            AgendaItem.meeting_id,
            AgendaItem.created_dt,
            Meeting.starts_dt,
            Team.name,
        )
        .join(Meeting, Meeting.id == AgendaItem.meeting_id)
        .join(Team, Team.id == Meeting.team_id)
        .where(AgendaItem.case_id == case_id)
    )
    return [
        _Item(
            row.id,
            row.meeting_id,
            row.created_dt,
            SessionFacts(row.meeting_id, row.starts_dt, row.name),
        )
        for row in rows
    ]


def _object_sessions(case_id: uuid.UUID) -> dict[str, uuid.UUID]:
    """The session of each of the case's objects that belongs to one (protocols, their
    addenda and excerpts, an item's guests and documents), by the id the audit log names."""
    protocol_item = CaseProtocol.item_id == AgendaItem.id
    parts = union_all(
        select(CaseProtocol.id.label("object_id"), AgendaItem.meeting_id)
        .join(AgendaItem, protocol_item)
        .where(CaseProtocol.case_id == case_id),
        select(ProtocolAddendum.id, AgendaItem.meeting_id)
        .join(CaseProtocol, CaseProtocol.id == ProtocolAddendum.protocol_id)
        .join(AgendaItem, protocol_item)
        .where(ProtocolAddendum.case_id == case_id),
        select(ProtocolExcerpt.id, AgendaItem.meeting_id)
        .join(CaseProtocol, CaseProtocol.id == ProtocolExcerpt.protocol_id)
        .join(AgendaItem, protocol_item)
        .where(ProtocolExcerpt.case_id == case_id),
        select(AgendaGuest.id, AgendaItem.meeting_id)
        .join(AgendaItem, AgendaItem.id == AgendaGuest.item_id)
        .where(AgendaItem.case_id == case_id),
        select(AgendaDocument.id, AgendaItem.meeting_id)
        .join(AgendaItem, AgendaItem.id == AgendaDocument.item_id)
        .where(AgendaDocument.case_id == case_id),
    )
    return {str(object_id): meeting_id for object_id, meeting_id in db.session.execute(parts)}


#: what the report's lines are grouped by, in the order of the stored line's columns
_KEYS = (
    "actor_id",
    "actor_roles",
    "action",
    "outcome",
    "object_type",
    "object_id",
    "purpose",
    "session",
    "basis",
    "consent_ids",
)
#: the columns of ``CaseReportRollupLine`` that ``rolled_up_lines`` selects, in its order
ROLLED_UP_COLUMNS = ("pseudonym", "upto_seq", "line", *_KEYS, "count", "first_dt", "last_dt")


def _event_lines(
    inputs: ReportInputs, after: ColumnElement | int, upto: int | None = None
) -> Select:
    """The pseudonym's events with ``after`` < seq (≤ ``upto``), each as a line of one:
    the report's group keys, 1, its time as first and last."""
    e = AuditEvent
    explicit = json_text(e.details, "meeting")
    # A read of the case page names no session; the participation window it used does:
    # windows last until the end of the session day, so the read belongs to the first
    # session whose item was registered before it and whose day had not yet ended.
    windows = [
        (
            and_(e.occurred_dt >= item.created_dt, e.occurred_dt < item.day_end),
            literal(str(item.meeting_id)),
        )
        for item in inputs.items
    ]
    derived = case(*windows, else_=null()) if windows else null()
    through_window = and_(e.action == AuditAction.READ, e.object_type == "case")
    if inputs.case_manager_id is not None:
        # the case manager reads by right, not through a session's window
        through_window = and_(through_window, e.actor_id != inputs.case_manager_id)
    session = case((explicit.is_not(None), explicit), (through_window, derived), else_=null())
    which = [e.case_pseudonym == inputs.pseudonym, e.seq > after]
    if upto is not None:
        which.append(e.seq <= upto)
    return select(
        e.actor_id,
        e.actor_roles,
        e.action,
        e.outcome,
        e.object_type,
        e.object_id,
        e.purpose,
        session.label("session"),
        json_text(e.details, "basis").label("basis"),
        json_text(e.details, "consent_ids").label("consent_ids"),
        literal_column("1").label("n"),
        e.occurred_dt.label("first"),
        e.occurred_dt.label("last"),
    ).where(*which)


def _lines(
    inputs: ReportInputs, rolled_up_to: ColumnElement | int | None, upto: int | None = None
) -> Subquery:
    """The stored lines of the roll-up up to ``rolled_up_to`` (a number, or a subquery that
    may find none; None: no stored lines) and, as lines of one, the events after it (up to
    ``upto``): to be grouped by ``_KEYS`` again, summing ``n``, earliest ``first``, latest
    ``last``."""
    if rolled_up_to is None:
        return _event_lines(inputs, 0, upto).subquery("lines")
    stored = CaseReportRollupLine
    return union_all(
        select(
            *(getattr(stored, key) for key in _KEYS),
            stored.count.label("n"),
            stored.first_dt.label("first"),
            stored.last_dt.label("last"),
        ).where(stored.pseudonym == inputs.pseudonym, stored.upto_seq == rolled_up_to),
        _event_lines(inputs, func.coalesce(rolled_up_to, 0), upto),
    ).subquery("lines")


def rolled_up_lines(inputs: ReportInputs, upto: int, carry_forward: bool) -> Select:
    """The roll-up's new lines for the pseudonym's events up to ``upto``: its stored lines
    plus the events since (``carry_forward``, while they attribute sessions as the case
    now does), or all its events added up anew (``ROLLED_UP_COLUMNS``)."""
    lines = _lines(inputs, inputs.rolled_up_to if carry_forward else None, upto)
    keys = [lines.c[key] for key in _KEYS]
    return select(
        literal(inputs.pseudonym, String(40)),
        literal(upto, BigInteger()),
        func.row_number().over(),
        *keys,
        func.sum(lines.c.n),
        func.min(lines.c.first),
        func.max(lines.c.last),
    ).group_by(*keys)


def _aggregated(inputs: ReportInputs, page: int) -> list:
    """Page ``page`` of the pseudonym's events, counted per person, roles, action, outcome,
    object, purpose, session, basis and consents, with first and last time, earliest first;
    each row also carries the whole report's number of lines and of allowed and refused
    events (window aggregates: one statement). The stored roll-up is used where it
    attributes sessions as the case now does; the events after it are added here."""
    rollup = CaseReportRollup
    # read in this statement (not from ``inputs``): one snapshot, whatever another report
    # rolls up meanwhile
    rolled_up_to = (
        select(rollup.upto_seq)
        .where(rollup.pseudonym == inputs.pseudonym, rollup.fingerprint == inputs.attribution)
        .scalar_subquery()
    )
    lines = _lines(inputs, rolled_up_to)
    keys = [lines.c[key] for key in _KEYS]
    count = func.sum(lines.c.n)
    first = func.min(lines.c.first)
    last = func.max(lines.c.last)
    denied = lines.c.outcome == Outcome.DENIED
    return list(
        db.session.execute(
            select(
                *keys,
                count.label("count"),
                first.label("first"),
                last.label("last"),
                func.count().over().label("lines"),
                func.sum(case((denied, 0), else_=count)).over().label("allowed"),
                func.sum(case((denied, count), else_=0)).over().label("refused"),
            )
            .group_by(*keys)
            # the group keys make the order total, so pages neither repeat nor skip a line
            .order_by(first, last, *keys)
            .limit(PAGE_LINES)
            .offset((page - 1) * PAGE_LINES)
        )
    )


def _session_key(row, objects: dict[str, uuid.UUID]) -> uuid.UUID | None:
    if row.session:
        try:
            return uuid.UUID(row.session)
        except ValueError:
            return None
    return objects.get(row.object_id) if row.object_id else None


def _sessions(ids: set[uuid.UUID]) -> dict[uuid.UUID, SessionFacts]:
    """Sessions the events name that no agenda item of the case leads to any more (a
    withdrawn registration)."""
    if not ids:
        return {}
    rows = db.session.execute(
        select(Meeting.id, Meeting.starts_dt, Team.name)
        .join(Team, Team.id == Meeting.team_id)
        .where(Meeting.id.in_(ids))
    )
    return {row.id: SessionFacts(row.id, row.starts_dt, row.name) for row in rows}


def _consent_rows(case_id: uuid.UUID) -> list:
    """Every version of the case's consents: recipients, validity, revocation (no content)."""
    return db.session.execute(
        select(
            Consent.id,
            Consent.recipients,
            Consent.valid_from,
            Consent.valid_until,
            Consent.revoked_dt,
            Consent.supersedes_id,
        ).where(Consent.case_id == case_id)
    ).all()


def _consents(rows: list, names: dict[tuple[str, str], str]) -> dict[str, ConsentFacts]:
    """The consents by id as the events write it, their recipients named."""
    return {
        str(row.id): ConsentFacts(
            id=row.id,
            recipients=tuple(
                names.get((r.get("type"), str(r.get("value"))), "?") for r in row.recipients or []
            ),
            valid_from=row.valid_from,
            valid_until=row.valid_until,
            revoked_dt=row.revoked_dt,
            corrects=row.supersedes_id,
        )
        for row in rows
    }


def _recipient_names(recipients: list[dict], people: dict) -> dict[tuple[str, str], str]:
    """What to call each recipient: an institution by its name (one statement), a person by
    name and institution (from ``people``), a kind of participant by its label."""
    names: dict[tuple[str, str], str] = {}
    institution_ids = set()
    for recipient in recipients:
        kind, value = recipient.get("type"), str(recipient.get("value"))
        if kind == RecipientType.PARTICIPANT_KIND:
            names[(kind, value)] = str(PARTICIPANT_KIND_LABELS.get(value, value))
        elif kind == RecipientType.INSTITUTION and _uuid(value) is not None:
            institution_ids.add(_uuid(value))
        elif kind == RecipientType.USER and _uuid(value) in people:
            name, institution = people[_uuid(value)]
            names[(kind, value)] = f"{name} ({institution})" if institution else name
    if institution_ids:
        for row in db.session.execute(
            select(Institution.id, Institution.name).where(Institution.id.in_(institution_ids))
        ):
            names[(RecipientType.INSTITUTION.value, str(row.id))] = row.name
    return names


def _uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except (TypeError, ValueError):
        return None


def _consent_ids(raw: str | None) -> list[str]:
    if not raw:
        return []
    try:
        ids = json.loads(raw)
    except ValueError:
        return [raw]
    return [str(i) for i in ids] if isinstance(ids, list) else [str(ids)]


def _basis(row, session: SessionFacts | None, managers: set) -> tuple[str | None, bool]:
    """Why the access was allowed: as the event says (``details.basis``), or derived from
    the actor's roles and the object (marked as derived)."""
    if row.basis:
        return row.basis, False
    if row.actor_id is not None and row.actor_id in managers:
        return CASE_MANAGER, True
    roles = set((row.actor_roles or "").split(","))
    if "guest" in roles:
        return GUEST, True
    if session is not None:
        return SESSION, True
    return None, True


def _person_group(groups: dict, row, people: dict) -> PersonGroup:
    person = groups.get(row.actor_id)
    if person is None:
        name, institution = people.get(row.actor_id, (None, None))
        person = groups[row.actor_id] = PersonGroup(row.actor_id, name, institution, set())
    person.roles.update(r for r in (row.actor_roles or "").split(",") if r)
    return person


def _session_group(person: PersonGroup, session: SessionFacts | None) -> SessionGroup:
    for group in person.sessions:
        if group.session == session:
            return group
    group = SessionGroup(session)
    person.sessions.append(group)
    return group


def _ordered(groups: dict) -> list[PersonGroup]:
    """People by their first access; each one's sessions in time, "outside a session"
    first."""
    people = sorted(groups.values(), key=lambda p: p.first)
    for person in people:
        person.sessions.sort(
            key=lambda g: (g.session is not None, g.session.starts_dt if g.session else g.first)
        )
    return people


def pseudonyms_to_roll_up(after: int) -> list[str]:
    """Pseudonyms with a stored roll-up or more than ``after`` events (``flask dpo
    roll-up-reports``; one pass over the audit log)."""
    e = AuditEvent
    busy = (
        select(e.case_pseudonym)
        .where(e.case_pseudonym.is_not(None))
        .group_by(e.case_pseudonym)
        .having(func.count() > after)
    )
    rolled_up = select(CaseReportRollup.pseudonym)
    return sorted(db.session.scalars(busy.union(rolled_up)))
