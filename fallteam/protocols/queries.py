"""Reading Fallprotokolle: every load of a protocol's content for a person goes through
``record_read`` (the one read-audit point), after the access check."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from flask_babel import format_date, format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from fallteam import access
from fallteam.audit.operations import kept_on_rollback
from fallteam.auth.models import User
from fallteam.cases.models import Case, CaseParticipant, ParticipantKind
from fallteam.cases.queries import record_agenda_read, record_read
from fallteam.cases.rules import role_labels
from fallteam.core.models import utcnow
from fallteam.crypto.envelope import prime_keys
from fallteam.extensions import db
from fallteam.meetings.models import (
    ITEM_PURPOSE_LABELS,
    METHOD_LABELS,
    PRESENCE_LABELS,
    PRESENT_FOR_ITEM,
    AgendaItem,
    AgendaTopic,
    Meeting,
    MeetingAttendance,
    Presence,
)
from fallteam.meetings.rules import day_start, local_day
from fallteam.protocols.models import (
    STATUS_LABELS,
    CaseProtocol,
    ProtocolAddendum,
    ProtocolExcerpt,
    ProtocolRevision,
    TeamProtocol,
    TeamProtocolAddendum,
)
from fallteam.protocols.pdf import (
    ExcerptAddendum,
    ExcerptDocument,
    ExcerptPerson,
    ExcerptResubmission,
    ExcerptRisk,
)
from fallteam.protocols.rules import (
    NO_DECISION,
    RISK_FIELDS,
    RISK_LEVEL_LABELS,
    is_risk_assessment,
    normalised_risk,
    section_diff,
    sections_for,
    team_content_hash,
)
from fallteam.resubmissions.models import STATUS_LABELS as RESUBMISSION_STATUS_LABELS
from fallteam.resubmissions.models import Resubmission
from fallteam.resubmissions.queries import agreed_in_meeting
from fallteam.resubmissions.rules import topic_digest
from fallteam.teams.models import Team

PURPOSE = "Fallprotokoll"


@dataclass
class Section:
    key: str
    heading: str
    text: str


@dataclass
class Addendum:
    text: str
    reason: str
    author: str
    created_dt: datetime


@dataclass
class RiskView:
    """The §8a assessment of a protocol as shown: its texts, the level's label and the
    participating professionals' names; ``candidates`` are who the writer may name (those
    recorded present for the item), as (id, name)."""

    fields: list[Section]
    risk_level: str
    risk_level_label: str
    professionals: list[str]
    professional_ids: list[str]
    candidates: list[tuple[str, str]]


@dataclass
class ProtocolView:
    protocol: CaseProtocol
    pseudonym: str
    method: str
    status: str
    statement: str
    sections: list[Section]
    writer: str
    finalised_by: str | None
    addenda: list[Addendum] = field(default_factory=list)
    risk: RiskView | None = None


def _names(ids) -> dict:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return {
        u.id: u.display_name for u in db.session.scalars(select(User).where(User.id.in_(wanted)))
    }


def _view(protocol: CaseProtocol) -> ProtocolView:
    item = protocol.item
    addenda = list(
        db.session.scalars(
            select(ProtocolAddendum)
            .where(ProtocolAddendum.protocol_id == protocol.id)
            .order_by(ProtocolAddendum.created_dt)
        )
    )
    assessed = is_risk_assessment(item.purpose)
    risk = normalised_risk(protocol.risk_assessment) if assessed else None
    present = (
        sorted(str(a.user_id) for a in item.attendance if a.presence in PRESENT_FOR_ITEM)
        if assessed
        else []
    )
    names = _names(
        [
            protocol.writer_id,
            protocol.finalised_by_id,
            *(a.author_id for a in addenda),
            *(uuid.UUID(p) for p in (risk["professionals"] if risk else [])),
            *(uuid.UUID(p) for p in present),
        ]
    )
    texts = protocol.sections or {}
    return ProtocolView(
        protocol=protocol,
        pseudonym=item.case.pseudonym,
        method=str(METHOD_LABELS.get(item.method, item.method)),
        status=str(STATUS_LABELS[protocol.status]),
        statement=str(NO_DECISION),
        sections=[
            Section(key, str(heading), texts.get(key, ""))
            for key, heading in sections_for(item.method)
        ],
        writer=names.get(protocol.writer_id, ""),
        finalised_by=names.get(protocol.finalised_by_id),
        addenda=[
            Addendum(a.text, a.reason, names.get(a.author_id, ""), a.created_dt) for a in addenda
        ],
        risk=_risk_view(risk, names, present) if risk is not None else None,
    )


def _risk_view(risk: dict, names: dict, present: list[str]) -> RiskView:
    level = risk["risk_level"]
    return RiskView(
        fields=[Section(key, str(label), risk[key]) for key, label in RISK_FIELDS],
        risk_level=level,
        risk_level_label=str(RISK_LEVEL_LABELS.get(level, "")) if level else "",
        professionals=sorted(names.get(uuid.UUID(p), "") for p in risk["professionals"]),
        professional_ids=list(risk["professionals"]),
        candidates=sorted(
            ((p, names.get(uuid.UUID(p), "")) for p in present), key=lambda pair: pair[1]
        ),
    )


def protocol_for_reading(
    protocol: CaseProtocol, viewer: User, *, refused_change: bool = False
) -> ProtocolView:
    """The protocol as ``viewer`` reads it (``protocol.read``); the read is recorded — and
    kept in the audit log with a ``refused_change`` (the page is answered as 409, its work
    rolled back, but it shows the protocol)."""
    if refused_change:
        with kept_on_rollback():
            return protocol_for_reading(protocol, viewer)
    return _recorded_view(protocol, viewer, "protocol.read")


def protocol_for_writing(protocol: CaseProtocol, viewer: User) -> ProtocolView:
    """The draft as its writer edits it (``protocol.write``); the read is recorded."""
    return _recorded_view(protocol, viewer, "protocol.write")


def _recorded_view(protocol: CaseProtocol, viewer: User, permission: str) -> ProtocolView:
    record_read(
        viewer, protocol.item.case, permission, purpose=PURPOSE, fields=("protocol",), on=protocol
    )
    return _view(protocol)


def protocol_in_conflict(protocol: CaseProtocol, viewer: User) -> ProtocolView:
    """The draft as shown with an edit conflict (409: both versions on the page): the read is
    recorded and kept in the audit log although the request's work is rolled back."""
    with kept_on_rollback():
        return protocol_for_writing(protocol, viewer)


def draft_shown_in_conflict(protocol: CaseProtocol, viewer: User) -> None:
    """The autosave's 409 sends the server's version of the draft back: its read is recorded
    and kept although the request's work is rolled back."""
    with kept_on_rollback():
        record_read(
            viewer,
            protocol.item.case,
            "protocol.write",
            purpose=PURPOSE,
            fields=("protocol",),
            on=protocol,
        )


def risk_candidates(item: AgendaItem) -> list[tuple[str, str]]:
    """Who a §8a assessment can name as participating professionals: the people recorded
    present for the item, as (id, name), by name."""
    present = [a.user_id for a in item.attendance if a.presence in PRESENT_FOR_ITEM]
    names = _names(present)
    return sorted(((str(p), names.get(p, "")) for p in present), key=lambda pair: pair[1])


def _risk_changes(before: dict | None, after: dict | None) -> list:
    """The changes of a §8a assessment between two revisions: its texts line by line, the
    level by its label, the participating professionals by name."""
    old, new = normalised_risk(before), normalised_risk(after)
    changes = [
        (str(label), section_diff(old[key], new[key]))
        for key, label in RISK_FIELDS
        if old[key] != new[key]
    ]
    if old["risk_level"] != new["risk_level"]:
        label = {k: str(v) for k, v in RISK_LEVEL_LABELS.items()}
        changes.append(
            (
                str(_l("Gefährdungsgrad")),
                section_diff(label.get(old["risk_level"], ""), label.get(new["risk_level"], "")),
            )
        )
    if old["professionals"] != new["professionals"]:
        names = _names(uuid.UUID(p) for p in {*old["professionals"], *new["professionals"]})

        def listed(ids: list[str]) -> str:
            return ", ".join(sorted(names.get(uuid.UUID(p), "") for p in ids))

        changes.append(
            (
                str(_l("Beteiligte Fachkräfte")),
                section_diff(listed(old["professionals"]), listed(new["professionals"])),
            )
        )
    return changes


@dataclass
class Revision:
    version: int
    author: str
    created_dt: datetime


@dataclass
class History:
    view: ProtocolView
    revisions: list[Revision]
    old: int | None
    new: int | None
    #: [(heading, [(mark, line)])] for the sections that differ between ``old`` and ``new``
    changes: list[tuple[str, list[tuple[str, str]]]]


def history_of(
    protocol: CaseProtocol, viewer: User, old: int | None = None, new: int | None = None
) -> History:
    """The saved drafts (who, when) and the changes between two of them (by default the last
    two; the first against an empty protocol); the read is recorded."""
    view = protocol_for_reading(protocol, viewer)
    rows = list(
        db.session.scalars(
            select(ProtocolRevision)
            .where(ProtocolRevision.protocol_id == protocol.id)
            .order_by(ProtocolRevision.version)
        )
    )
    names = _names([r.author_id for r in rows])
    by_version = {r.version: r for r in rows}
    if new not in by_version:
        new = rows[-1].version if rows else None
    if old not in by_version or (new is not None and old >= new):
        older = [v for v in by_version if new is not None and v < new]
        old = older[-1] if older else None
    changes = []
    if new is not None:
        before = by_version[old].sections or {} if old is not None else {}
        after = by_version[new].sections or {}
        for key, heading in sections_for(protocol.item.method):
            if before.get(key, "") != after.get(key, ""):
                changes.append(
                    (str(heading), section_diff(before.get(key, ""), after.get(key, "")))
                )
        if is_risk_assessment(protocol.item.purpose):
            changes.extend(
                _risk_changes(
                    by_version[old].risk_assessment if old is not None else None,
                    by_version[new].risk_assessment,
                )
            )
    return History(
        view=view,
        revisions=[Revision(r.version, names.get(r.author_id, ""), r.created_dt) for r in rows],
        old=old,
        new=new,
        changes=changes,
    )


# --- Protokollauszug and the case's history across sessions ---------------------------------

#: the purpose recorded with the reads behind an excerpt and the case history
EXCERPT_PURPOSE = "Protokollauszug"
HISTORY_PURPOSE = "Fallverlauf"


def _when(moment: datetime | None) -> str:
    return format_datetime(moment, "dd.MM.yyyy, HH:mm") if moment is not None else ""


def _excerpt_texts() -> dict[str, str]:
    """The fixed texts of the excerpt's layout, in the reader's language."""
    return {
        "title": _("Protokollauszug"),
        "origin": _("Herkunft"),
        "instance": _("Fallteam-Instanz"),
        "team": _("Fallteam"),
        "session": _("Sitzung"),
        "created": _("Erstellt am / von"),
        "hash": _("Inhalts-Hash des Fallprotokolls (SHA-256)"),
        "finalised": _("Abgeschlossen am / von"),
        "names_roles": _("Personen sind mit ihrer Rolle bezeichnet, nicht mit ihrem Namen."),
        "names_real": _(
            "Auf ausdrückliche Wahl der fallführenden Fachkraft mit Klarnamen der Beteiligten."
        ),
        "signature_note": _(
            "Dieses Dokument ist mit dem Dokumentsignaturschlüssel der Fallteam-Instanz "
            "signiert (PAdES). Jede Änderung macht die Signatur ungültig; prüfbar mit "
            "„flask protocols verify-excerpt DATEI“ oder jedem PAdES-fähigen Prüfprogramm."
        ),
        "header": _("Sitzung und Tagesordnungspunkt"),
        "case": _("Fall (Pseudonym)"),
        "method": _("Methode"),
        "purpose": _("Zweck"),
        "moderator": _("Moderation"),
        "writer": _("Protokollführung"),
        "present": _("Anwesend zu diesem Punkt"),
        "protocol": _("Fallprotokoll"),
        "addenda": _("Nachträge (nach dem Abschluss)"),
        "reason": _("Grund"),
        "resubmissions": _("Wiedervorlagen dieses Falls"),
        "no_resubmissions": _("Keine Wiedervorlagen."),
        "outcome": _("Ergebnis"),
        "risk": _("Gefährdungseinschätzung nach § 8a SGB VIII"),
        "professionals": _("Beteiligte Fachkräfte"),
        "family": _("Familie (im Protokoll mit diesen Rollen bezeichnet)"),
    }


def _role_label(user: User, item: AgendaItem, meeting: Meeting, guest: bool) -> str:
    """What the excerpt calls a person by default: their role for this item (with their
    institution), never their name."""
    if user.id == meeting.moderator_id:
        role = _("Moderation")
    elif user.id == item.writer_id:
        role = _("Protokollführung")
    elif user.id in (item.presenter_id, item.case.case_manager_id):
        role = _("Fallführende Fachkraft")
    elif guest:
        role = _("Gast")
    else:
        role = _("Mitglied des Fallteams")
    institution = user.institution.name if user.institution is not None else None
    return f"{role}, {institution}" if institution else role


def _present_for_item(item: AgendaItem, meeting: Meeting) -> list[tuple[User, str, bool]]:
    """Who was present for the item: the item's attendance (present, late, left early; the
    same record the read rule and the §8a assessment take) and the guests marked present;
    (user, presence label, guest)."""
    per_item = {a.user_id: a.presence for a in item.attendance}
    wanted: dict[uuid.UUID, tuple[str, bool]] = {
        user_id: (str(PRESENCE_LABELS[presence]) if presence != Presence.PRESENT else "", False)
        for user_id, presence in per_item.items()
        if presence in PRESENT_FOR_ITEM
    }
    for guest in item.guests:
        if guest.present:
            wanted.setdefault(guest.user_id, ("", True))
    if not wanted:
        return []
    users = db.session.scalars(
        select(User).where(User.id.in_(wanted)).options(selectinload(User.institution))
    )
    people = [(user, *wanted[user.id]) for user in users]
    return sorted(people, key=lambda p: (p[0].id != meeting.moderator_id, p[0].display_name))


def excerpt_document(
    protocol: CaseProtocol, viewer: User, *, real_names: bool, instance: str
) -> ExcerptDocument:
    """Everything a Protokollauszug shows, of this protocol's case only: the session header,
    who was present for the item, the finalised protocol (a §8a item's with its risk
    assessment, which the content hash covers) with its addenda, the case's Wiedervorlagen.
    People by role label unless ``real_names``. The read is recorded
    (``protocol.excerpt``)."""
    item = protocol.item
    case = item.case
    record_read(
        viewer,
        case,
        "protocol.excerpt",
        purpose=EXCERPT_PURPOSE,
        fields=("protocol", "resubmissions", *(("member_names",) if real_names else ())),
        on=protocol,
    )
    meeting = db.session.get(Meeting, item.meeting_id)
    team = db.session.get(Team, meeting.team_id)
    present = _present_for_item(item, meeting)
    addenda = list(
        db.session.scalars(
            select(ProtocolAddendum)
            .where(ProtocolAddendum.protocol_id == protocol.id)
            .order_by(ProtocolAddendum.created_dt)
        )
    )
    resubmissions = list(
        db.session.scalars(
            select(Resubmission)
            .where(Resubmission.case_id == case.id)
            .order_by(Resubmission.due, Resubmission.created_dt)
        )
    )
    risk = normalised_risk(protocol.risk_assessment) if is_risk_assessment(item.purpose) else None
    professional_ids = [uuid.UUID(p) for p in risk["professionals"]] if risk else []
    people_ids = {
        *professional_ids,
        viewer.id,
        meeting.moderator_id,
        item.writer_id,
        protocol.finalised_by_id,
        *(a.author_id for a in addenda),
        *(r.responsible_id for r in resubmissions),
    } - {None}
    people = {
        u.id: u
        for u in db.session.scalars(
            select(User).where(User.id.in_(people_ids)).options(selectinload(User.institution))
        )
    }

    guests = {g.user_id for g in item.guests}

    def who(user_id: uuid.UUID | None) -> str:
        user = people.get(user_id)
        if user is None:
            return "–"
        label = _role_label(user, item, meeting, guest=user_id in guests)
        return f"{user.display_name} – {label}" if real_names else label

    present_people = [
        ExcerptPerson(
            f"{user.display_name} – {_role_label(user, item, meeting, guest)}"
            if real_names
            else _role_label(user, item, meeting, guest),
            presence,
        )
        for user, presence, guest in present
    ]
    texts = protocol.sections or {}
    created_dt = utcnow()
    # The protocol speaks of "Mutter", "Kind 1": with names chosen, the file copy resolves them.
    family = (
        [
            (label, " ".join(part for part in (m.first_name, m.last_name) if part) or "–")
            for m, label in zip(
                case.members, role_labels(case.members, local_day(meeting.starts_dt)), strict=True
            )
        ]
        if real_names
        else []
    )
    return ExcerptDocument(
        instance=instance,
        team=team.name,
        session_date=format_datetime(meeting.starts_dt, "dd.MM.yyyy, HH:mm"),
        session_place=meeting.place or "",
        created_by=who(viewer.id),
        created=_when(created_dt),
        created_dt=created_dt,
        real_names=real_names,
        content_hash=protocol.content_hash or "",
        pseudonym=case.pseudonym,
        disputed=(
            _("Daten bestritten seit %(day)s", day=format_date(case.disputed_on, "dd.MM.yyyy"))
            if case.disputed_on
            else ""
        ),
        method=str(METHOD_LABELS.get(item.method, item.method)),
        purpose=str(ITEM_PURPOSE_LABELS.get(item.purpose, item.purpose)),
        moderator=who(meeting.moderator_id),
        writer=who(item.writer_id),
        finalised_by=who(protocol.finalised_by_id),
        finalised=_when(protocol.finalised_dt),
        statement=str(NO_DECISION),
        sections=[(str(heading), texts.get(key, "")) for key, heading in sections_for(item.method)],
        present=present_people,
        family=family,
        addenda=[
            ExcerptAddendum(a.text or "", a.reason or "", who(a.author_id), _when(a.created_dt))
            for a in addenda
        ],
        resubmissions=[
            ExcerptResubmission(
                format_date(r.due, "dd.MM.yyyy"),
                str(RESUBMISSION_STATUS_LABELS.get(r.status, r.status)),
                r.topic or "",
                who(r.responsible_id),
                r.outcome or "",
            )
            for r in resubmissions
        ],
        risk=_excerpt_risk(risk, [who(p) for p in professional_ids]) if risk else None,
        texts=_excerpt_texts(),
    )


def _excerpt_risk(risk: dict, professionals: list[str]) -> ExcerptRisk:
    """The §8a assessment as the excerpt shows it, in the order of the assessment:
    indications, assessment, the level's label, the agreed protective steps."""
    level = risk["risk_level"]
    level_label = str(RISK_LEVEL_LABELS.get(level, level)) if level else ""
    texts = {key: (str(label), risk[key]) for key, label in RISK_FIELDS}
    return ExcerptRisk(
        fields=[
            texts["anhaltspunkte"],
            texts["einschaetzung"],
            (_("Gefährdungsgrad"), level_label),
            texts["schutzmassnahmen"],
        ],
        professionals=sorted(professionals),
    )


@dataclass(frozen=True)
class CaseHistoryEntry:
    """One line of a case's history: a session's Fallprotokoll, an excerpt or a
    Wiedervorlage."""

    kind: str  # "protocol" | "excerpt" | "resubmission"
    when: datetime
    team: str = ""
    protocol: CaseProtocol | None = None
    item: AgendaItem | None = None
    status: str = ""
    content_hash: str | None = None
    by: str = ""
    real_names: bool = False
    sha256: str | None = None
    due: date | None = None
    topic: str | None = None
    outcome: str | None = None


def case_history(case: Case, viewer: User) -> list[CaseHistoryEntry]:
    """One case across all sessions, in date order: each agenda item with its Fallprotokoll
    (status, hash), each excerpt made, each Wiedervorlage (due, status, topic, outcome). For
    the case's owner (``case.history``); the read is recorded. A constant number of
    statements, however many sessions."""
    record_read(
        viewer,
        case,
        "case.history",
        purpose=HISTORY_PURPOSE,
        fields=("protocols", "excerpts", "resubmissions"),
    )
    entries: list[CaseHistoryEntry] = []
    items = db.session.execute(
        select(AgendaItem, Meeting, Team.name, CaseProtocol)
        .join(Meeting, Meeting.id == AgendaItem.meeting_id)
        .join(Team, Team.id == Meeting.team_id)
        .outerjoin(CaseProtocol, CaseProtocol.item_id == AgendaItem.id)
        .where(AgendaItem.case_id == case.id)
    )
    for item, meeting, team_name, protocol in items:
        entries.append(
            CaseHistoryEntry(
                kind="protocol",
                when=meeting.starts_dt,
                team=team_name,
                protocol=protocol,
                item=item,
                status=str(STATUS_LABELS[protocol.status]) if protocol is not None else "",
                content_hash=protocol.content_hash if protocol is not None else None,
            )
        )
    excerpts = db.session.execute(
        select(ProtocolExcerpt, User.display_name)
        .join(User, User.id == ProtocolExcerpt.created_by_id)
        .where(ProtocolExcerpt.case_id == case.id)
    )
    for excerpt, name in excerpts:
        entries.append(
            CaseHistoryEntry(
                kind="excerpt",
                when=excerpt.created_dt,
                by=name,
                real_names=excerpt.real_names,
                sha256=excerpt.sha256,
                content_hash=excerpt.content_hash,
            )
        )
    resubmissions = db.session.execute(
        select(Resubmission, User.display_name, Team.name)
        .join(User, User.id == Resubmission.responsible_id)
        .join(Team, Team.id == Resubmission.team_id)
        .where(Resubmission.case_id == case.id)
    )
    for resubmission, name, team_name in resubmissions:
        entries.append(
            CaseHistoryEntry(
                kind="resubmission",
                when=day_start(resubmission.due),
                team=team_name,
                by=name,
                status=str(RESUBMISSION_STATUS_LABELS.get(resubmission.status, "")),
                due=resubmission.due,
                topic=resubmission.topic,
                outcome=resubmission.outcome,
            )
        )
    return sorted(entries, key=lambda e: _aware(e.when))


def _aware(moment: datetime) -> datetime:
    # SQLite hands back naive UTC datetimes; sort everything as aware UTC.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def excerpt_by_sha256(sha256: str) -> ProtocolExcerpt | None:
    """The record of an excerpt with this PDF hash, if this instance made it (no content)."""
    return db.session.scalar(select(ProtocolExcerpt).where(ProtocolExcerpt.sha256 == sha256))


# --- Teamprotokoll ---------------------------------------------------------------------------

TEAM_PURPOSE = "Teamprotokoll"


@dataclass
class TeamGuest:
    name: str
    #: recorded as having come (None: not marked)
    present: bool | None
    #: the guest's window on the case: from (invitation) and until (end of the day, or when
    #: it was ended)
    window_from: datetime | None
    window_until: datetime | None


@dataclass
class TeamItem:
    item_id: uuid.UUID
    number: int
    pseudonym: str
    method: str
    purpose: str
    planned_start: datetime
    planned_minutes: int
    #: minutes the item's clock counted (rounded up), None when it never ran
    used_minutes: int | None
    clock_running: bool
    writer: str
    protocol_id: uuid.UUID | None
    protocol_status: str
    protocol_hash: str | None
    #: [(name, presence label)] of the team members marked for the item
    attendance: list[tuple[str, str]]
    guests: list[TeamGuest]
    #: the viewer is befangen for the item: only its place on the agenda is shown
    hidden: bool = False


@dataclass
class TeamTopic:
    topic_id: uuid.UUID
    title: str
    text: str
    notes: str
    for_regional_team: bool


@dataclass
class AgreedResubmission:
    pseudonym: str
    due: Any
    #: what is checked; None when the viewer may not read the Fallprotokoll it was agreed in
    topic: str | None
    responsible: str


@dataclass
class TeamAddendum:
    text: str
    reason: str
    author: str
    created_dt: datetime


@dataclass
class TeamProtocolView:
    meeting: Meeting
    team_name: str
    moderator: str
    record: TeamProtocol | None
    items: list[TeamItem]
    topics: list[TeamTopic]
    #: [(name, present)] of the session's attendance as the run view took it
    attendance: list[tuple[str, bool]]
    agreed_resubmissions: list[AgreedResubmission]
    finalised_by: str | None
    #: for a sealed Teamprotokoll: whether the content today still has the sealed hash
    hash_matches: bool | None
    addenda: list[TeamAddendum] = field(default_factory=list)

    @property
    def regional_topics(self) -> list[TeamTopic]:
        return [t for t in self.topics if t.for_regional_team]

    @property
    def locked(self) -> bool:
        return self.record is not None and self.record.locked


@dataclass
class _TeamData:
    """Everything the Teamprotokoll is made of, loaded in a constant number of queries."""

    meeting: Meeting
    items: list[AgendaItem]
    protocols: dict[uuid.UUID, Any]
    topics: list[AgendaTopic]
    attendance: list[MeetingAttendance]
    windows: dict[tuple[uuid.UUID, uuid.UUID], CaseParticipant]
    record: TeamProtocol | None


def team_topic_ids(meeting: Meeting) -> list[uuid.UUID]:
    """The ids of the session's topics without a case, in the order they were registered."""
    return list(
        db.session.scalars(
            select(AgendaTopic.id)
            .where(AgendaTopic.meeting_id == meeting.id)
            .order_by(AgendaTopic.created_dt)
        )
    )


def team_protocol_of(meeting: Meeting) -> TeamProtocol | None:
    """The session's Teamprotokoll record, if the moderator has saved or sealed it."""
    return db.session.scalar(select(TeamProtocol).where(TeamProtocol.meeting_id == meeting.id))


def _team_data(meeting: Meeting) -> _TeamData:
    # the items' texts are encrypted with their cases' keys: unwrap them all with one query
    prime_keys(db.session, select(AgendaItem.case_id).where(AgendaItem.meeting_id == meeting.id))
    items = access.agenda_of(meeting)
    ids = [item.id for item in items]
    protocols = (
        {
            row.item_id: row
            for row in db.session.execute(
                select(
                    CaseProtocol.id,
                    CaseProtocol.item_id,
                    CaseProtocol.status,
                    CaseProtocol.content_hash,
                ).where(CaseProtocol.item_id.in_(ids))
            )
        }
        if ids
        else {}
    )
    guests = {(item.case_id, g.user_id) for item in items for g in item.guests}
    windows: dict[tuple[uuid.UUID, uuid.UUID], CaseParticipant] = {}
    if guests:
        for window in db.session.scalars(
            select(CaseParticipant)
            .where(
                CaseParticipant.case_id.in_({case for case, _u in guests}),
                CaseParticipant.user_id.in_({user for _c, user in guests}),
                CaseParticipant.kind == ParticipantKind.GUEST,
            )
            .order_by(CaseParticipant.valid_from_dt)
        ):
            # the latest window of the guest on the case is the one of this session
            windows[(window.case_id, window.user_id)] = window
    topics = list(
        db.session.scalars(
            select(AgendaTopic)
            .where(AgendaTopic.meeting_id == meeting.id)
            .order_by(AgendaTopic.created_dt)
        )
    )
    attendance = list(
        db.session.scalars(
            select(MeetingAttendance).where(MeetingAttendance.meeting_id == meeting.id)
        )
    )
    return _TeamData(
        meeting, items, protocols, topics, attendance, windows, team_protocol_of(meeting)
    )


def _utc_text(moment: datetime | None) -> str | None:
    """A moment as the canonical document writes it (UTC, to the second): the same whether
    the database gives it back with or without its zone."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _agreed_in_items(meeting: Meeting, items: list[AgendaItem]) -> list[tuple[uuid.UUID, dict]]:
    """``agreed_resubmissions_of`` with the id of the item each was agreed in."""
    if not items:
        return []
    return [
        (
            r.agreed_in_item_id,
            {
                "case_id": str(r.case_id),
                "pseudonym": r.case.pseudonym,
                "due": r.due.isoformat(),
                "topic": r.topic or "",
                # rows from before the digest was stored: taken of the topic now
                "topic_sha256": r.topic_sha256 or topic_digest(r.topic or ""),
                "responsible_id": str(r.responsible_id),
            },
        )
        for r in agreed_in_meeting(meeting.id)
    ]


def agreed_resubmissions_of(meeting: Meeting, items: list[AgendaItem]) -> list[dict]:
    """The Wiedervorlagen agreed in this session's Fallprotokolle, by due day, as the sealed
    document holds them: ``{"case_id", "pseudonym", "due" (ISO date), "topic_sha256",
    "responsible_id"}`` (one load for all ``items``). The topic is sealed by its keyed
    HMAC-SHA256 (``resubmissions.rules.topic_digest``), not its text: a case's deletion empties the
    topic and the seal still holds. (The item is left out: the sealed document stays as it
    was.)"""
    return [
        {key: value for key, value in agreed.items() if key != "topic"}
        for _item_id, agreed in _agreed_in_items(meeting, items)
    ]


def team_protocol_document(meeting: Meeting, data: _TeamData | None = None) -> dict[str, Any]:
    """The canonical content of the session's Teamprotokoll (``rules.team_content_hash`` is
    taken of it): the session, attendance, the agenda in the agreed order with planned and
    used time, writers and each Fallprotokoll's hash (so the seal covers the case protocols),
    the topics with their notes, the agreed Wiedervorlagen (each topic by the keyed
    HMAC-SHA256 of its text, ``"topic_sha256"``, since the canonical form of December 2026:
    the seal outlives a case's deletion) and the moderator's notes. Ids, pseudonyms, digests
    and the texts of the topics without a case only: no case content."""
    data = data or _team_data(meeting)
    items = []
    for number, item in enumerate(data.items, start=1):
        protocol = data.protocols.get(item.id)
        items.append(
            {
                "number": number,
                "item": str(item.id),
                "case": item.case.pseudonym,
                "method": str(item.method),
                "purpose": str(item.purpose),
                "planned_minutes": item.expected_minutes,
                "used_seconds": item.elapsed_seconds,
                "writer": str(item.writer_id) if item.writer_id else None,
                "protocol_sha256": protocol.content_hash if protocol is not None else None,
                "attendance": {str(a.user_id): str(a.presence) for a in item.attendance},
                "guests": {str(g.user_id): g.present for g in item.guests},
            }
        )
    return {
        "meeting": str(meeting.id),
        "team": str(meeting.team_id),
        "starts": _utc_text(meeting.starts_dt),
        "ends": _utc_text(meeting.ends_dt),
        "place": meeting.place or "",
        "moderator": str(meeting.moderator_id) if meeting.moderator_id else None,
        "attendance": {str(a.user_id): a.present for a in data.attendance},
        "items": items,
        "topics": [
            {
                "title": t.title,
                "text": t.text or "",
                "notes": t.notes or "",
                "for_regional_team": t.for_regional_team,
            }
            for t in data.topics
        ],
        "agreed_resubmissions": agreed_resubmissions_of(meeting, data.items),
        "notes": data.record.notes if data.record is not None else "",
    }


def _minutes(seconds: int) -> int:
    return -(-seconds // 60)


def _hidden_item(item: AgendaItem, number: int, start: datetime) -> TeamItem:
    """An item the viewer is befangen for: its place and time on the agenda, nothing else."""
    return TeamItem(
        item_id=item.id,
        number=number,
        pseudonym=str(_l("(befangen – nicht angezeigt)")),
        method="",
        purpose="",
        planned_start=start,
        planned_minutes=item.expected_minutes,
        used_minutes=None,
        clock_running=False,
        writer="",
        protocol_id=None,
        protocol_status="",
        protocol_hash=None,
        attendance=[],
        guests=[],
        hidden=True,
    )


def _topic_shown(viewer: User, item: AgendaItem, responsible_id: str, readable: set) -> bool:
    """Whether the Teamprotokoll shows ``viewer`` what a Wiedervorlage agreed in ``item``
    checks: to whom may read the item's Fallprotokoll (``readable``: those items' ids), its
    responsible person and the case manager (never to a member befangen for the item; never
    a restricted, deleted or closed case's but as ``access.content_listed`` allows)."""
    if item.conflicted(viewer.id) or not access.content_listed(viewer, item.case):
        return False
    return (
        responsible_id == str(viewer.id)
        or item.case.case_manager_id == viewer.id
        or item.id in readable
    )


def team_protocol_for_reading(
    meeting: Meeting, viewer: User, *, refused_change: bool = False
) -> TeamProtocolView:
    """The session's Teamprotokoll as ``viewer`` reads it (``team_protocol.read``):
    pseudonyms and role labels only, never a name of a family; the read of each case's
    pseudonym is recorded, and of a Wiedervorlage's topic where it is shown (only to whom
    may read the Fallprotokoll it was agreed in). With ``refused_change`` (the page is
    answered as 409, its work rolled back) the reads are kept in the audit log. A constant
    number of queries however long the agenda."""
    if refused_change:
        with kept_on_rollback():
            return team_protocol_for_reading(meeting, viewer)
    data = _team_data(meeting)
    # Befangen: a member who left for an item sees nothing of it here either (its row shows
    # only that it exists; its Wiedervorlagen are left out); the seal covers the whole session.
    hidden = {item.id for item in data.items if item.conflicted(viewer.id)}
    by_id = {item.id: item for item in data.items}
    hidden_cases = {str(item.case_id) for item in data.items if item.id in hidden}
    resubmissions = [
        (by_id.get(item_id), r)
        for item_id, r in _agreed_in_items(meeting, data.items)
        if r["case_id"] not in hidden_cases and item_id not in hidden
    ]
    readable = access.readable_protocols(viewer, {item for item, _r in resubmissions if item})
    topic_shown = [
        item is not None and _topic_shown(viewer, item, r["responsible_id"], readable)
        for item, r in resubmissions
    ]
    with_topic = {
        r["case_id"] for (_item, r), shown in zip(resubmissions, topic_shown, strict=True) if shown
    }
    visible = list(
        {item.case.id: item.case for item in data.items if item.id not in hidden}.values()
    )
    record_agenda_read(
        viewer,
        [case for case in visible if str(case.id) not in with_topic],
        "team_protocol.read",
        meeting,
        purpose=TEAM_PURPOSE,
        fields=("pseudonym", "attendance"),
    )
    if with_topic:
        record_agenda_read(
            viewer,
            [case for case in visible if str(case.id) in with_topic],
            "team_protocol.read",
            meeting,
            purpose=TEAM_PURPOSE,
            fields=("pseudonym", "attendance", "topic"),
        )
    record = data.record
    addenda = (
        list(
            db.session.scalars(
                select(TeamProtocolAddendum)
                .where(TeamProtocolAddendum.team_protocol_id == record.id)
                .order_by(TeamProtocolAddendum.created_dt)
            )
        )
        if record is not None and record.locked
        else []
    )
    names = _names(
        [
            meeting.moderator_id,
            record.finalised_by_id if record is not None else None,
            *(item.writer_id for item in data.items),
            *(a.user_id for item in data.items for a in item.attendance),
            *(g.user_id for item in data.items for g in item.guests),
            *(a.user_id for a in data.attendance),
            *(a.author_id for a in addenda),
            *(uuid.UUID(r["responsible_id"]) for _item, r in resubmissions),
        ]
    )
    team = db.session.get(Team, meeting.team_id)
    items = []
    start = meeting.starts_dt
    for number, item in enumerate(data.items, start=1):
        protocol = data.protocols.get(item.id)
        window = {g.user_id: data.windows.get((item.case_id, g.user_id)) for g in item.guests}
        if item.id in hidden:
            items.append(_hidden_item(item, number, start))
            start = start + timedelta(minutes=item.expected_minutes)
            continue
        items.append(
            TeamItem(
                item_id=item.id,
                number=number,
                pseudonym=item.case.pseudonym,
                method=str(METHOD_LABELS.get(item.method, item.method)),
                purpose=str(ITEM_PURPOSE_LABELS.get(item.purpose, item.purpose)),
                planned_start=start,
                planned_minutes=item.expected_minutes,
                used_minutes=_minutes(item.elapsed_seconds)
                if item.elapsed_seconds or item.clock_started_dt
                else None,
                clock_running=item.clock_started_dt is not None,
                writer=names.get(item.writer_id, ""),
                protocol_id=protocol.id if protocol is not None else None,
                protocol_status=str(STATUS_LABELS[protocol.status]) if protocol is not None else "",
                protocol_hash=protocol.content_hash if protocol is not None else None,
                attendance=[
                    (names.get(a.user_id, ""), str(PRESENCE_LABELS.get(a.presence, a.presence)))
                    for a in item.attendance
                ],
                guests=[
                    TeamGuest(
                        names.get(g.user_id, ""),
                        g.present,
                        window[g.user_id].valid_from_dt if window[g.user_id] else None,
                        window[g.user_id].valid_until_dt if window[g.user_id] else None,
                    )
                    for g in item.guests
                ],
            )
        )
        start = start + timedelta(minutes=item.expected_minutes)
    hash_matches = None
    # a deleted Teamprotokoll (notes emptied at the end of its retention period) no longer
    # has the sealed content: the seal stays as the record that it existed
    if record is not None and record.locked and record.deleted_dt is None:
        hash_matches = team_content_hash(team_protocol_document(meeting, data)) == (
            record.content_hash
        )
    return TeamProtocolView(
        meeting=meeting,
        team_name=team.name if team is not None else "",
        moderator=names.get(meeting.moderator_id, ""),
        record=record,
        items=items,
        topics=[
            TeamTopic(t.id, t.title, t.text or "", t.notes or "", t.for_regional_team)
            for t in data.topics
        ],
        attendance=sorted(
            ((names.get(a.user_id, ""), a.present) for a in data.attendance),
            key=lambda pair: pair[0],
        ),
        agreed_resubmissions=[
            AgreedResubmission(
                r["pseudonym"],
                date.fromisoformat(r["due"]),
                r["topic"] if shown else None,
                names.get(uuid.UUID(r["responsible_id"]), ""),
            )
            for (_item, r), shown in zip(resubmissions, topic_shown, strict=True)
        ],
        finalised_by=names.get(record.finalised_by_id) if record is not None else None,
        hash_matches=hash_matches,
        addenda=[
            TeamAddendum(a.text, a.reason, names.get(a.author_id, ""), a.created_dt)
            for a in addenda
        ],
    )
