"""Changes to cases: registration, family, genogram, resource map, background, transfer,
participants. Every function flushes and writes its audit event; none commits."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import insert, select, update

from fallteam import access
from fallteam.audit.models import AuditAction
from fallteam.audit.operations import record
from fallteam.auth.models import User
from fallteam.cases.guard import Hit, PersonIdentity, identity_hits
from fallteam.cases.models import (
    CHILD_ROLES,
    BackgroundStatus,
    Case,
    CaseParticipant,
    FamilyMember,
    FamilyRelation,
    PseudonymCounter,
    ResourceEntry,
)
from fallteam.cases.rules import member_index, role_labels
from fallteam.core.models import utcnow
from fallteam.crypto.blind_index import blind_index
from fallteam.extensions import db
from fallteam.meetings.models import AgendaItem, Meeting, MeetingStatus
from fallteam.resubmissions.models import Resubmission, ResubmissionStatus
from fallteam.retention import rules as retention
from fallteam.retention.models import DeletionProposal

PSEUDONYM_PREFIX = "FT"


class CaseError(ValueError):
    """A change the rules do not allow; the message is for the user."""


@dataclass
class MemberData:
    """What the forms collect about one family member."""

    role: str
    sex: str
    first_name: str | None = None
    last_name: str | None = None
    birth_date: date | None = None
    address: str | None = None
    deceased: bool = False
    in_household: bool = False
    is_index: bool = False


def next_pseudonym(year: int | None = None, prefix: str = PSEUDONYM_PREFIX) -> str:
    """The next pseudonym of the year, e.g. FT-2026-0042: sequential, never from the identity.

    The counter row is claimed with an UPDATE (a row lock on PostgreSQL), so two
    registrations at once never get the same number.
    """
    year = year or utcnow().year
    table = PseudonymCounter.__table__
    claim = (
        update(table)
        .where(table.c.prefix == prefix, table.c.year == year)
        .values(last=table.c.last + 1)
        .returning(table.c.last)
    )
    number = db.session.execute(claim).scalar()
    if number is None:
        db.session.execute(insert(table).values(prefix=prefix, year=year, last=1))
        number = 1
    return f"{prefix}-{year}-{number:04d}"


def file_number_index(file_number: str | None) -> str | None:
    """Blind index of an Aktenzeichen."""
    if not file_number:
        return None
    return blind_index(file_number, table="cases", column="file_number")


def possible_duplicate(
    file_number: str | None, members: list[MemberData], exclude: uuid.UUID | None = None
) -> bool:
    """Whether another case may be the same family: same Aktenzeichen, or a person with the
    same name and birth date. Says only *that*, never *whose*."""
    indices = [
        i for i in (member_index(m.first_name, m.last_name, m.birth_date) for m in members) if i
    ]
    by_member = select(FamilyMember.case_id).where(FamilyMember.identity_index.in_(indices))
    by_file = select(Case.id).where(Case.file_number_index == file_number_index(file_number))
    for query in ([by_member] if indices else []) + ([by_file] if file_number else []):
        for case_id in db.session.scalars(query):
            if case_id != exclude:
                return True
    return False


def _apply_member(member: FamilyMember, data: MemberData) -> None:
    member.role = data.role
    member.sex = data.sex
    member.first_name = data.first_name or None
    member.last_name = data.last_name or None
    member.birth_date = data.birth_date.isoformat() if data.birth_date else None
    member.address = data.address or None
    member.facts = {
        "deceased": data.deceased,
        "in_household": data.in_household,
        "is_index": data.is_index,
    }
    member.identity_index = member_index(data.first_name, data.last_name, data.birth_date)


def register_case(
    actor: User,
    *,
    category: str,
    child_protection: bool,
    file_number: str | None,
    members: list[MemberData],
) -> Case:
    """A new case managed by ``actor``, with its family; it gets the next pseudonym."""
    case = Case(
        pseudonym=next_pseudonym(),
        case_manager_id=actor.id,
        created_by_id=actor.id,
        category=category,
        child_protection=child_protection,
        file_number=file_number or None,
        file_number_index=file_number_index(file_number),
        background_status=BackgroundStatus.EMPTY,
    )
    db.session.add(case)
    for position, data in enumerate(members):
        member = FamilyMember(case_id=case.id, position=position)
        _apply_member(member, data)
        case.members.append(member)
    refresh_deletion_date(case)
    db.session.flush()
    record(
        AuditAction.CREATE,
        case,
        case_pseudonym=case.pseudonym,
        details={"members": len(members), "category": category},
    )
    return case


def update_case(
    case: Case, *, category: str, child_protection: bool, file_number: str | None
) -> None:
    """Change the case's frame data."""
    case.category = category
    case.child_protection = child_protection
    case.file_number = file_number or None
    case.file_number_index = file_number_index(file_number)
    refresh_deletion_date(case)
    db.session.flush()
    record(
        AuditAction.UPDATE,
        case,
        case_pseudonym=case.pseudonym,
        details={"fields": ["category", "child_protection", "file_number"]},
    )


def identity_of(case: Case) -> list[PersonIdentity]:
    """The case's own identity data, for the re-identification guard."""
    return [
        PersonIdentity(
            role_label=label,
            first_name=m.first_name if isinstance(m.first_name, str) else None,
            last_name=m.last_name if isinstance(m.last_name, str) else None,
            birth_date=m.born,
            address=m.address if isinstance(m.address, str) else None,
        )
        for m, label in zip(case.members, role_labels(case.members), strict=True)
    ]


def set_background(case: Case, text: str | None, *, release_reason: str | None = None) -> list[Hit]:
    """Store the background. It is shown to the team only if the guard finds no identity
    data in it, or if the Fachkraft confirms it with a reason (audited). Returns the hits."""
    text = (text or "").strip()
    hits = identity_hits(text, identity_of(case)) if text else []
    case.background = text or None
    case.background_release_reason = None
    if not text:
        case.background_status = BackgroundStatus.EMPTY
    elif not hits:
        case.background_status = BackgroundStatus.RELEASED
    elif release_reason and release_reason.strip():
        case.background_status = BackgroundStatus.RELEASED
        case.background_release_reason = release_reason.strip()
    else:
        case.background_status = BackgroundStatus.HELD
    db.session.flush()
    released_despite_hits = bool(hits and case.background_status == "released")
    details = {
        "fields": ["background"],
        "identity_hits": len(hits),
        "released_despite_hits": released_despite_hits,
    }
    if released_despite_hits:
        # a release of text the guard flagged: the DPO's list of disclosure decisions
        details["disclosure"] = "guard_release"
    record(AuditAction.UPDATE, case, case_pseudonym=case.pseudonym, details=details)
    return hits


def add_member(case: Case, data: MemberData) -> FamilyMember:
    """One more person in the family."""
    member = FamilyMember(case_id=case.id, position=len(case.members))
    _apply_member(member, data)
    case.members.append(member)
    refresh_deletion_date(case)
    db.session.flush()
    record(AuditAction.CREATE, member, case_pseudonym=case.pseudonym)
    return member


def update_member(case: Case, member: FamilyMember, data: MemberData) -> None:
    """Change one person's data."""
    _apply_member(member, data)
    refresh_deletion_date(case)
    db.session.flush()
    record(AuditAction.UPDATE, member, case_pseudonym=case.pseudonym)


def add_relation(case: Case, kind: str, a: FamilyMember, b: FamilyMember) -> FamilyRelation:
    """A line in the genogram between two members of the case."""
    if a.id == b.id or a.case_id != case.id or b.case_id != case.id:
        raise CaseError(_("Eine Beziehung verbindet zwei verschiedene Personen dieses Falls."))
    relation = FamilyRelation(
        case_id=case.id, details={"kind": kind, "a": str(a.id), "b": str(b.id)}
    )
    case.relations.append(relation)
    db.session.flush()
    record(AuditAction.CREATE, relation, case_pseudonym=case.pseudonym, details={"kind": kind})
    return relation


def remove_relation(case: Case, relation: FamilyRelation) -> None:
    """Remove a genogram line."""
    case.relations.remove(relation)
    db.session.flush()
    record(AuditAction.DELETE, relation, case_pseudonym=case.pseudonym)


def add_resource(case: Case, *, kind: str, quality: str, label: str) -> ResourceEntry:
    """A person or service on the resource map."""
    entry = ResourceEntry(case_id=case.id, kind=kind, quality=quality, label=label)
    case.resources.append(entry)
    db.session.flush()
    record(AuditAction.CREATE, entry, case_pseudonym=case.pseudonym)
    return entry


def remove_resource(case: Case, entry: ResourceEntry) -> None:
    """Remove a resource map entry."""
    case.resources.remove(entry)
    db.session.flush()
    record(AuditAction.DELETE, entry, case_pseudonym=case.pseudonym)


def transfer_case(case: Case, new_manager: User, *, actor: User) -> None:
    """Hand the Fallführung to another Fachkraft; she then sees the identity, the old one not."""
    if new_manager.id == case.case_manager_id:
        raise CaseError(_("Diese Fachkraft führt den Fall bereits."))
    if case.restriction is not None:
        # The DPO approved one owner for the restricted case; a new one would need approval.
        raise CaseError(_("Ein gesperrter Fall kann nicht übertragen werden."))
    if not new_manager.active or not access.allowed(new_manager, "case.register"):
        raise CaseError(_("Fallführend kann nur eine aktive Fachkraft sein."))
    previous = case.case_manager_id
    case.case_manager_id = new_manager.id
    # The new case manager presents the case at its coming sessions.
    db.session.execute(
        update(AgendaItem)
        .where(
            AgendaItem.case_id == case.id,
            AgendaItem.meeting_id.in_(select(Meeting.id).where(Meeting.starts_dt > utcnow())),
        )
        .values(presenter_id=new_manager.id)
        .execution_options(synchronize_session="fetch")
    )
    db.session.flush()
    record(
        AuditAction.UPDATE,
        case,
        actor=actor,
        case_pseudonym=case.pseudonym,
        purpose="Übertragung der Fallführung",
        details={"case_manager_from": str(previous), "case_manager_to": str(new_manager.id)},
    )


def grant_participation(
    case: Case,
    user: User,
    *,
    kind: str,
    valid_from: datetime,
    valid_until: datetime,
    actor: User,
) -> CaseParticipant:
    """Let ``user`` see the case's presentation (pseudonymised) within the window."""
    if not access.may_take_part_as(user, kind):
        raise CaseError(
            _(
                "Diese Person kann so nicht teilnehmen (Gäste nur als Gast, Administration und "
                "Datenschutz gar nicht)."
            )
        )
    if valid_until <= valid_from:
        raise CaseError(_("Das Ende muss nach dem Beginn liegen."))
    participant = CaseParticipant(
        case_id=case.id,
        user_id=user.id,
        kind=kind,
        valid_from_dt=valid_from,
        valid_until_dt=valid_until,
        granted_by_id=actor.id,
    )
    case.participants.append(participant)
    db.session.flush()
    record(
        AuditAction.CREATE,
        participant,
        object_type="case_participant",
        case_pseudonym=case.pseudonym,
        details={"user": str(user.id), "kind": kind},
    )
    return participant


def end_participation(case: Case, participant: CaseParticipant) -> None:
    """Withdraw a participation at once."""
    participant.valid_until_dt = utcnow()
    db.session.flush()
    record(
        AuditAction.UPDATE,
        participant,
        object_type="case_participant",
        case_pseudonym=case.pseudonym,
        details={"ended": True},
    )


#: the outcome of the Wiedervorlagen still open when their case is closed
CLOSED_WITH_CASE = "Fall abgeschlossen"


# --- closing, retention, the disputed flag ------------------------------------------------


def refresh_deletion_date(case: Case) -> None:
    """Compute the case's deletion date (``retention.rules``) from its category, its closing
    day and, for § 9b SGB VIII, the young person's birth date. Called where the owner's
    request has the family decrypted anyway (registration, family or category changed,
    closing, reopening); only the resulting date is stored, never the birth date."""
    people = [
        retention.Person(born=m.born, is_index=m.fact("is_index"), is_child=m.role in CHILD_ROLES)
        for m in case.members
    ]
    case.deletion_due_on = retention.case_deletion_date(
        case.category,
        closed_on=case.closed_on,
        young_person_born=retention.young_person_born(people),
    )


def _coming_registration(case: Case) -> Meeting | None:
    """A planned session the case is registered for that has not ended yet."""
    return db.session.scalar(
        select(Meeting)
        .join(AgendaItem, AgendaItem.meeting_id == Meeting.id)
        .where(
            AgendaItem.case_id == case.id,
            Meeting.status == MeetingStatus.PLANNED,
            Meeting.ends_dt > utcnow(),
        )
        .order_by(Meeting.starts_dt)
        .limit(1)
    )


def close_case(case: Case, *, closed_on: date, reason: str, note: str | None, actor: User) -> int:
    """The owner closes the case: the retention clock starts on ``closed_on`` and every
    participation window on the case ends now (team members' and the guests' windows of its
    agenda items live there), so nobody but the owner sees it any longer (``access``: its
    Fallprotokolle, list pages and Wiedervorlagen' topics too); its open Wiedervorlagen are
    closed with the outcome "Fall abgeschlossen". ``closed_on`` lies between the case's
    creation day and today. Refused while it is still registered for a session that has not
    ended. Returns how many windows ended."""
    if case.closed_on is not None:
        raise CaseError(_("Der Fall ist bereits abgeschlossen."))
    if closed_on > retention.today():
        raise CaseError(_("Der Abschluss kann nicht in der Zukunft liegen."))
    if closed_on < retention.office_day(case.created_dt):
        raise CaseError(_("Der Abschluss kann nicht vor der Anlage des Falls liegen."))
    coming = _coming_registration(case)
    if coming is not None:
        raise CaseError(
            _(
                "Der Fall ist noch für eine Sitzung angemeldet, die nicht vorbei ist: erst die "
                "Anmeldung zurückziehen."
            )
        )
    now = utcnow()
    windows = db.session.scalars(
        select(CaseParticipant).where(
            CaseParticipant.case_id == case.id, CaseParticipant.valid_until_dt > now
        )
    ).all()
    for participation in windows:
        participation.valid_until_dt = max(now, participation.valid_from_dt)
    # open Wiedervorlagen end with the case: nobody is reminded of a closed case again
    open_resubmissions = db.session.scalars(
        select(Resubmission).where(
            Resubmission.case_id == case.id, Resubmission.status == ResubmissionStatus.OPEN
        )
    ).all()
    for resubmission in open_resubmissions:
        resubmission.status = ResubmissionStatus.CLOSED
        resubmission.outcome = CLOSED_WITH_CASE
    case.closed_on = closed_on
    case.closing_reason = reason
    case.closing_note = (note or "").strip() or None
    refresh_deletion_date(case)
    db.session.flush()
    record(
        AuditAction.UPDATE,
        case,
        actor=actor,
        case_pseudonym=case.pseudonym,
        purpose="Fallabschluss",
        details={
            "closed_on": closed_on.isoformat(),
            "reason": reason,
            "windows_ended": len(windows),
            "resubmissions_closed": len(open_resubmissions),
            "retention_class": retention.class_for_case_category(case.category).key,
        },
    )
    for resubmission in open_resubmissions:
        record(
            AuditAction.UPDATE,
            resubmission,
            case_pseudonym=case.pseudonym,
            actor=actor,
            details={"status": ResubmissionStatus.CLOSED, "closed_with_case": True},
        )
    return len(windows)


def open_deletion_proposal(case: Case) -> DeletionProposal | None:
    """The case's deletion proposal that is proposed or confirmed, if any."""
    return db.session.scalar(
        select(DeletionProposal).where(
            DeletionProposal.case_id == case.id,
            DeletionProposal.status.in_(
                [retention.ProposalStatus.PROPOSED, retention.ProposalStatus.CONFIRMED]
            ),
        )
    )


def reopen_case(case: Case, *, reason: str, actor: User) -> None:
    """The owner reopens a closed case (work on it resumes): possible only until its deletion
    is proposed, never while it is restricted; the retention clock stops."""
    if case.closed_on is None:
        raise CaseError(_("Der Fall ist nicht abgeschlossen."))
    if case.deleted_dt is not None or case.restriction is not None:
        raise CaseError(_("Ein gesperrter oder gelöschter Fall kann nicht wieder geöffnet werden."))
    if open_deletion_proposal(case) is not None:
        raise CaseError(
            _("Die Löschung ist bereits vorgeschlagen: der Fall kann nicht mehr geöffnet werden.")
        )
    previous = case.closed_on
    case.closed_on = None
    case.closing_reason = None
    case.closing_note = None
    refresh_deletion_date(case)
    db.session.flush()
    record(
        AuditAction.UPDATE,
        case,
        actor=actor,
        case_pseudonym=case.pseudonym,
        purpose="Fall wieder geöffnet",
        details={"closed_on_before": previous.isoformat(), "reason": reason},
    )


def set_disputed(case: Case, disputed_on: date | None, *, actor: User) -> None:
    """Mark (with the day it was noted) or unmark the case's data as disputed by the family
    (bestritten, Art. 18 DSGVO, § 84 SGB X): the mark shows wherever the case is shown."""
    if disputed_on is not None and disputed_on > retention.today():
        raise CaseError(_("Das Datum kann nicht in der Zukunft liegen."))
    case.disputed_on = disputed_on
    db.session.flush()
    record(
        AuditAction.UPDATE,
        case,
        actor=actor,
        case_pseudonym=case.pseudonym,
        purpose="Bestritten" if disputed_on else "Nicht mehr bestritten",
        details={"disputed_on": disputed_on.isoformat() if disputed_on else None},
    )
