"""Reading Fallprotokolle: every load of a protocol's content for a person goes through
``record_read`` (the one read-audit point), after the access check."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from flask_babel import format_date, format_datetime
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from fallteam.auth.models import User
from fallteam.cases.models import Case
from fallteam.cases.queries import record_read
from fallteam.core.models import utcnow
from fallteam.extensions import db
from fallteam.meetings.models import (
    ITEM_PURPOSE_LABELS,
    METHOD_LABELS,
    PRESENCE_LABELS,
    PRESENT_FOR_ITEM,
    AgendaItem,
    Meeting,
    MeetingAttendance,
    Presence,
)
from fallteam.meetings.rules import day_start
from fallteam.protocols.models import (
    STATUS_LABELS,
    CaseProtocol,
    ProtocolAddendum,
    ProtocolExcerpt,
    ProtocolRevision,
)
from fallteam.protocols.pdf import (
    ExcerptAddendum,
    ExcerptDocument,
    ExcerptPerson,
    ExcerptResubmission,
)
from fallteam.protocols.rules import NO_DECISION, section_diff, sections_for
from fallteam.resubmissions.models import STATUS_LABELS as RESUBMISSION_STATUS_LABELS
from fallteam.resubmissions.models import Resubmission
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
    names = _names([protocol.writer_id, protocol.finalised_by_id, *(a.author_id for a in addenda)])
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
    )


def protocol_for_reading(protocol: CaseProtocol, viewer: User) -> ProtocolView:
    """The protocol as ``viewer`` reads it (``protocol.read``); the read is recorded."""
    record_read(
        viewer,
        protocol.item.case,
        "protocol.read",
        purpose=PURPOSE,
        fields=("protocol",),
        on=protocol,
    )
    return _view(protocol)


def protocol_for_writing(protocol: CaseProtocol, viewer: User) -> ProtocolView:
    """The draft as its writer edits it (``protocol.write``); the read is recorded."""
    record_read(
        viewer,
        protocol.item.case,
        "protocol.write",
        purpose=PURPOSE,
        fields=("protocol",),
        on=protocol,
    )
    return _view(protocol)


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
    """Who was present for the item: the item's attendance (present, late, left early), the
    session's attendance of members without an entry for the item, and the guests marked
    present; (user, presence label, guest)."""
    per_item = {a.user_id: a.presence for a in item.attendance}
    wanted: dict[uuid.UUID, tuple[str, bool]] = {
        user_id: (str(PRESENCE_LABELS[presence]) if presence != Presence.PRESENT else "", False)
        for user_id, presence in per_item.items()
        if presence in PRESENT_FOR_ITEM
    }
    session_present = db.session.scalars(
        select(MeetingAttendance.user_id).where(
            MeetingAttendance.meeting_id == meeting.id, MeetingAttendance.present.is_(True)
        )
    )
    for user_id in session_present:
        if user_id not in per_item:
            wanted[user_id] = ("", False)
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
    who was present for the item, the finalised protocol with its addenda, the case's
    Wiedervorlagen. People by role label unless ``real_names``. The read is recorded
    (``protocol.excerpt``)."""
    item = protocol.item
    case = item.case
    record_read(
        viewer,
        case,
        "protocol.excerpt",
        purpose=EXCERPT_PURPOSE,
        fields=("protocol", "resubmissions"),
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
    people_ids = {
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

    def who(user_id: uuid.UUID | None) -> str:
        user = people.get(user_id)
        if user is None:
            return "–"
        label = _role_label(user, item, meeting, guest=False)
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
        method=str(METHOD_LABELS.get(item.method, item.method)),
        purpose=str(ITEM_PURPOSE_LABELS.get(item.purpose, item.purpose)),
        moderator=who(meeting.moderator_id),
        writer=who(item.writer_id),
        finalised_by=who(protocol.finalised_by_id),
        finalised=_when(protocol.finalised_dt),
        statement=str(NO_DECISION),
        sections=[(str(heading), texts.get(key, "")) for key, heading in sections_for(item.method)],
        present=present_people,
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
        texts=_excerpt_texts(),
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
