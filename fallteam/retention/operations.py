"""Changes of the retention domain: restriction (Sperrung) asked for by the owner and decided
by the DPO, the retention run's deletion proposals, their four-eyes confirmation, and the
deletion itself (crypto-shredding, rows removed, a certificate). Every function flushes and
writes its audit event; none commits (the CLI commits each deletion on its own)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import delete, func, or_, select, update

from fallteam import access
from fallteam.audit.models import AuditAction
from fallteam.audit.operations import record
from fallteam.auth.models import User
from fallteam.cases.models import (
    BackgroundStatus,
    Case,
    CaseParticipant,
    FamilyMember,
    FamilyRelation,
    ResourceEntry,
)
from fallteam.consent.models import Consent
from fallteam.core.models import utcnow
from fallteam.crypto.operations import shred_case_key
from fallteam.extensions import db
from fallteam.meetings.models import AgendaDocument, AgendaItem, Meeting
from fallteam.meetings.rules import meeting_day
from fallteam.protocols.models import (
    CaseProtocol,
    ProtocolAddendum,
    ProtocolExcerpt,
    ProtocolRevision,
    TeamProtocol,
    TeamProtocolAddendum,
)
from fallteam.resubmissions.models import Resubmission, ResubmissionStatus
from fallteam.retention import rules
from fallteam.retention.models import (
    DeletionCertificate,
    DeletionProposal,
    TeamProtocolDeletionCertificate,
    TeamProtocolDeletionProposal,
)
from fallteam.retention.rules import (
    PROPOSED_BY_RUN,
    ProposalStatus,
    RestrictionState,
    class_for,
    class_for_case_category,
    team_protocol_deletion_date,
)
from fallteam.teams.models import Team


class RetentionError(ValueError):
    """A retention step the rules do not allow; the message is for the user."""


# --- restriction (Sperrung) ---------------------------------------------------------------


def request_restriction(case: Case, *, reason: str, actor: User) -> None:
    """The owner asks the DPO to restrict the case instead of deleting it."""
    if case.deleted_dt is not None:
        raise RetentionError(_("Der Fall ist gelöscht."))
    if case.restriction is not None:
        raise RetentionError(_("Die Sperrung ist bereits beantragt oder in Kraft."))
    case.restriction = RestrictionState.REQUESTED
    case.restriction_reason = reason
    case.restriction_requested_dt = utcnow()
    db.session.flush()
    record(
        AuditAction.UPDATE,
        case,
        actor=actor,
        case_pseudonym=case.pseudonym,
        purpose="Sperrung beantragt",
        details={"reason": reason},
    )


def restrict(case: Case, *, actor: User, reason: str | None = None) -> None:
    """The DPO approves the owner's request (or restricts the case on their own, naming the
    ground): from now on only the current owner reads it, each time with a reason, and no
    deletion is proposed; open proposals are withdrawn."""
    if case.deleted_dt is not None:
        raise RetentionError(_("Der Fall ist gelöscht."))
    if case.restriction == RestrictionState.RESTRICTED:
        raise RetentionError(_("Der Fall ist bereits gesperrt."))
    if case.restriction is None:
        if not reason:
            raise RetentionError(_("Bitte den Grund der Sperrung wählen."))
        case.restriction_reason = reason
        case.restriction_requested_dt = utcnow()
    now = utcnow()
    case.restriction = RestrictionState.RESTRICTED
    case.restricted_by_id = actor.id
    case.restricted_dt = now
    case.restricted_for_id = case.case_manager_id
    for proposal in db.session.scalars(
        select(DeletionProposal).where(
            DeletionProposal.case_id == case.id,
            DeletionProposal.status.in_([ProposalStatus.PROPOSED, ProposalStatus.CONFIRMED]),
        )
    ):
        proposal.status = ProposalStatus.REJECTED
        proposal.decided_by_id = actor.id
        proposal.decided_dt = now
        proposal.rejection_reason = "Gesperrt statt gelöscht (§ 84 Abs. 3 SGB X)"
    db.session.flush()
    record(
        AuditAction.UPDATE,
        case,
        actor=actor,
        case_pseudonym=case.pseudonym,
        purpose="Sperrung in Kraft",
        details={"reason": case.restriction_reason, "owner": str(case.case_manager_id)},
    )


def decline_restriction(case: Case, *, actor: User) -> None:
    """The DPO declines the owner's request: the case stays as it was."""
    if case.restriction != RestrictionState.REQUESTED:
        raise RetentionError(_("Für diesen Fall ist keine Sperrung beantragt."))
    _clear_restriction(case)
    case.restriction_ended_by_id = actor.id
    db.session.flush()
    record(
        AuditAction.UPDATE,
        case,
        actor=actor,
        case_pseudonym=case.pseudonym,
        purpose="Sperrung abgelehnt",
    )


def lift_restriction(case: Case, *, actor: User) -> None:
    """The DPO lifts the restriction: the case is read and deleted as any other again (but
    this DPO does not confirm its deletion: ``access`` rule of ``retention.confirm``)."""
    if case.restriction != RestrictionState.RESTRICTED:
        raise RetentionError(_("Der Fall ist nicht gesperrt."))
    _clear_restriction(case)
    case.restriction_ended_by_id = actor.id
    db.session.flush()
    record(
        AuditAction.UPDATE,
        case,
        actor=actor,
        case_pseudonym=case.pseudonym,
        purpose="Sperrung aufgehoben",
    )


def _clear_restriction(case: Case) -> None:
    case.restriction = None
    case.restriction_reason = None
    case.restriction_requested_dt = None
    case.restricted_by_id = None
    case.restricted_dt = None
    case.restricted_for_id = None


# --- the retention run: proposals ---------------------------------------------------------


def due_cases(on: date) -> list[Case]:
    """The cases to propose for deletion on the day ``on``: closed, their deletion date
    reached, not restricted (nor a restriction asked for), not deleted, without an open
    proposal, and not kept longer by a rejected one (``keep_until``)."""
    open_or_kept = select(DeletionProposal.case_id).where(
        or_(
            DeletionProposal.status.in_([ProposalStatus.PROPOSED, ProposalStatus.CONFIRMED]),
            (DeletionProposal.status == ProposalStatus.REJECTED)
            & (DeletionProposal.keep_until > on),
        )
    )
    return list(
        db.session.scalars(
            select(Case)
            .where(
                Case.closed_on.is_not(None),
                Case.deletion_due_on.is_not(None),
                Case.deletion_due_on <= on,
                Case.restriction.is_(None),
                Case.deleted_dt.is_(None),
                Case.id.not_in(open_or_kept),
            )
            .order_by(Case.deletion_due_on, Case.pseudonym)
        )
    )


def propose_deletions(on: date) -> list[DeletionProposal]:
    """Propose every due case for deletion (``due_cases``); the DPO confirms or rejects."""
    proposals = []
    for case in due_cases(on):
        proposal = DeletionProposal(
            case_id=case.id,
            case_pseudonym=case.pseudonym,
            retention_class=class_for_case_category(case.category).key,
            deletion_due_on=case.deletion_due_on,
            proposed_by=PROPOSED_BY_RUN,
            status=ProposalStatus.PROPOSED,
        )
        db.session.add(proposal)
        proposals.append(proposal)
    db.session.flush()
    for proposal in proposals:
        record(
            AuditAction.CREATE,
            proposal,
            actor=None,
            case_pseudonym=proposal.case_pseudonym,
            purpose="Löschung vorgeschlagen (Löschfrist erreicht)",
            details={
                "retention_class": proposal.retention_class,
                "deletion_due_on": proposal.deletion_due_on.isoformat(),
            },
        )
    return proposals


def confirmed_proposals() -> list[DeletionProposal]:
    """The confirmed proposals the next run carries out, oldest first."""
    return list(
        db.session.scalars(
            select(DeletionProposal)
            .where(DeletionProposal.status == ProposalStatus.CONFIRMED)
            .order_by(DeletionProposal.decided_dt)
        )
    )


def _decide(proposal, actor: User, status: str, withdrawn_because=None) -> None:
    """The DPO's decision on a proposal of a case or a Teamprotokoll, flushed: still open,
    the four-eyes rule (``retention.confirm``), and for a confirmation the proposal still
    holds (``withdrawn_because`` withdraws it otherwise, and ``RetentionError`` names why)."""
    if proposal.status != ProposalStatus.PROPOSED:
        raise RetentionError(_("Dieser Vorschlag ist bereits entschieden."))
    if not access.allowed(actor, "retention.confirm", proposal):
        raise access.AccessRefused("retention.confirm", proposal)
    if withdrawn_because is not None:
        reason = withdrawn_because(proposal, rules.today())
        if reason is not None:
            raise RetentionError(_("Vorschlag zurückgezogen: %(reason)s", reason=reason))
    proposal.status = status
    proposal.decided_by_id = actor.id
    proposal.decided_dt = utcnow()
    db.session.flush()


def confirm_proposal(proposal: DeletionProposal, *, actor: User) -> None:
    """The second person (the DPO, never the case's owner) confirms a proposal; the next
    retention run deletes the case. A case that changed since it was proposed
    (``stale_reason``) is not confirmed: the proposal is withdrawn with the reason instead
    (flushed, for the caller to commit; the DPO page shows it) and ``RetentionError`` names
    why."""
    _decide(proposal, actor, ProposalStatus.CONFIRMED, withdrawn_because)
    record(
        AuditAction.UPDATE,
        proposal,
        actor=actor,
        case_pseudonym=proposal.case_pseudonym,
        purpose="Löschung bestätigt (Vier-Augen-Prinzip)",
    )


def reject_proposal(
    proposal: DeletionProposal, *, reason: str, keep_until: date | None, actor: User
) -> None:
    """The DPO rejects a proposal, with a reason (e.g. the case is kept longer); the run does
    not propose the case again before ``keep_until`` (None: at its next run)."""
    if not reason.strip():
        raise RetentionError(_("Bitte den Grund der Ablehnung angeben."))
    _decide(proposal, actor, ProposalStatus.REJECTED)
    proposal.rejection_reason = reason.strip()
    proposal.keep_until = keep_until
    db.session.flush()
    record(
        AuditAction.UPDATE,
        proposal,
        actor=actor,
        case_pseudonym=proposal.case_pseudonym,
        purpose="Löschung abgelehnt",
        details={"keep_until": keep_until.isoformat() if keep_until else None},
    )


def stale_reason(proposal: DeletionProposal, on: date) -> str | None:
    """Why the proposal no longer holds on the day ``on`` (None: it does): the case was
    reopened, a restriction was asked for or is in force, it is deleted already, its
    retention class or deletion date changed, or the date is not reached. Asked again when
    the DPO confirms and when the run deletes: the case may have changed in between."""
    case = proposal.case
    if case.deleted_dt is not None:
        return "Bereits gelöscht"
    if case.closed_on is None:
        return "Fall wieder geöffnet"
    if case.restriction is not None:
        return "Sperrung beantragt oder in Kraft"
    if class_for_case_category(case.category).key != proposal.retention_class:
        return "Aufbewahrungsklasse geändert"
    if case.deletion_due_on is None or case.deletion_due_on != proposal.deletion_due_on:
        return "Löschfrist geändert"
    if case.deletion_due_on > on:
        return "Löschfrist noch nicht erreicht"
    return None


def withdrawn_because(proposal: DeletionProposal, on: date) -> str | None:
    """Withdraw the proposal if it no longer holds on ``on`` (``stale_reason``), naming the
    reason for the DPO's page; the reason, or None when it still holds. The run proposes the
    case afresh once it is due again."""
    reason = stale_reason(proposal, on)
    if reason is None:
        return None
    proposal.status = ProposalStatus.WITHDRAWN
    proposal.rejection_reason = f"Zurückgezogen: {reason}"
    proposal.decided_dt = utcnow()
    db.session.flush()
    record(
        AuditAction.UPDATE,
        proposal,
        actor=None,
        case_pseudonym=proposal.case_pseudonym,
        purpose="Löschvorschlag zurückgezogen",
        details={"reason": reason},
    )
    return reason


# --- the deletion -------------------------------------------------------------------------

#: rows removed, by table, in an order the foreign keys allow (consents name family members,
#: revisions, addenda and excerpts belong to Fallprotokolle)
_REMOVED = (
    Consent,
    ProtocolRevision,
    ProtocolAddendum,
    ProtocolExcerpt,
    AgendaDocument,
    CaseParticipant,
    FamilyRelation,
    ResourceEntry,
    FamilyMember,
)


@dataclass(frozen=True)
class Deletion:
    """What one deletion did (also on the certificate)."""

    certificate: DeletionCertificate
    keys_destroyed: int
    rows_removed: dict[str, int]


def _confirmed_and_locked(proposal):
    """The proposal (of a case or a Teamprotokoll) read again with its row locked
    (PostgreSQL): two overlapping runs do not both carry it out; ``RetentionError`` unless it
    is confirmed."""
    model = type(proposal)
    proposal = db.session.scalar(
        select(model)
        .where(model.id == proposal.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if proposal.status != ProposalStatus.CONFIRMED:
        raise RetentionError(_("Nur bestätigte Vorschläge werden ausgeführt."))
    return proposal


def delete_case(proposal: DeletionProposal, *, now: datetime | None = None) -> Deletion:
    """Carry out a confirmed proposal, all in the caller's one transaction: the case's rows
    are removed where nothing else needs them; the agenda items, Fallprotokolle and
    Wiedervorlagen (closed, their topics' digests kept) stay as emptied tombstones (the
    sessions' sealed Teamprotokolle list them and cover the digests), the
    case row with its pseudonym and dates as "gelöscht"; every data key of the case is
    destroyed (crypto-shredding: backups cannot be read either); a deletion certificate
    without personal data is written. The audit log keeps the case's pseudonym only.

    The case is checked again first (``stale_reason``: still closed, not restricted, its
    class and date unchanged and reached): otherwise the proposal is withdrawn (flushed, for
    the caller to commit) and ``RetentionError`` names why."""
    proposal = _confirmed_and_locked(proposal)
    case = proposal.case
    db.session.refresh(case)
    reason = withdrawn_because(proposal, rules.today())
    if reason is not None:
        raise RetentionError(_("Vorschlag zurückgezogen: %(reason)s", reason=reason))
    now = now or utcnow()
    removed: dict[str, int] = {}
    for model in _REMOVED:
        result = db.session.execute(
            delete(model)
            .where(model.case_id == case.id)
            .execution_options(synchronize_session=False)
        )
        removed[model.__tablename__] = result.rowcount or 0
    kept = {
        "agenda_items": _empty(
            AgendaItem,
            case,
            question=None,
            presentation=None,
            category_notes=None,
            late_reason=None,
        ),
        "case_protocols": _empty(CaseProtocol, case, sections=None, risk_assessment=None),
        # closed and emptied; their topics' digests stay (sealed Teamprotokolle cover them)
        "resubmissions": _empty(
            Resubmission, case, topic=None, outcome=None, status=ResubmissionStatus.CLOSED
        ),
        "cases": 1,
    }
    db.session.expire(case)
    case.file_number = None
    case.file_number_index = None
    case.background = None
    case.background_status = BackgroundStatus.EMPTY
    case.background_release_reason = None
    case.closing_note = None
    # nothing on the tombstone says more than that the case existed and when it went
    case.closing_reason = None
    case.child_protection = False
    case.disputed_on = None
    case.deleted_dt = now
    db.session.flush()
    keys = shred_case_key(case.id, case_pseudonym=case.pseudonym)
    retention_class = class_for_case_category(case.category)
    decider = db.session.get(User, proposal.decided_by_id) if proposal.decided_by_id else None
    certificate = DeletionCertificate(
        proposal_id=proposal.id,
        case_id=case.id,
        case_pseudonym=case.pseudonym,
        retention_class=retention_class.key,
        class_label=retention_class.label,
        legal_basis=retention_class.legal_basis,
        deletion_due_on=proposal.deletion_due_on,
        proposed_dt=proposal.created_dt,
        proposed_by=proposal.proposed_by,
        confirmed_by_id=proposal.decided_by_id,
        confirmed_by_name=decider.display_name if decider else "",
        confirmed_dt=proposal.decided_dt,
        executed_dt=now,
        keys_destroyed=keys,
        rows_removed=_certified(removed),
        rows_kept=kept,
    )
    db.session.add(certificate)
    proposal.status = ProposalStatus.DONE
    proposal.executed_dt = now
    db.session.flush()
    record(
        AuditAction.DELETE,
        case,
        actor=None,
        case_pseudonym=case.pseudonym,
        purpose="Löschung nach Ablauf der Löschfrist",
        details={
            "proposal": str(proposal.id),
            "certificate": str(certificate.id),
            "keys_destroyed": keys,
            "rows_removed": _certified(removed),
        },
    )
    return Deletion(certificate, keys, removed)


#: the family's tables: how many rows they had would tell the family's size
_FAMILY_TABLES = (FamilyMember.__tablename__, FamilyRelation.__tablename__)
#: what the certificate says of them instead
FAMILY_REMOVED = "Familie entfernt"


def _certified(removed: dict[str, int]) -> dict[str, int | str]:
    """The rows removed as the certificate (and the audit event) name them: per table, but
    the family's tables only as "Familie entfernt", without a number."""
    certified: dict[str, int | str] = {
        table: n for table, n in removed.items() if table not in _FAMILY_TABLES
    }
    certified["family"] = FAMILY_REMOVED
    return certified


def _empty(model, case: Case, **columns) -> int:
    """Empty the encrypted content of the case's tombstone rows of ``model``; their count."""
    count = (
        db.session.scalar(select(func.count()).select_from(model).where(model.case_id == case.id))
        or 0
    )
    db.session.execute(
        update(model)
        .where(model.case_id == case.id)
        .values(**columns)
        .execution_options(synchronize_session=False)
    )
    return count


# --- Teamprotokolle -----------------------------------------------------------------------
#
# The same four-eyes way as a case: the run proposes, the DPO (never the session's moderator)
# confirms or rejects, the next run deletes. What goes is the Teamprotokoll's own content —
# the moderator's notes and the addenda (both plaintext); the session, its attendance and
# agenda items stay: they belong to cases with retention classes of their own.

_OPEN = (ProposalStatus.PROPOSED, ProposalStatus.CONFIRMED)


def due_team_protocols(on: date) -> list[tuple[TeamProtocol, Meeting]]:
    """The Teamprotokolle to propose for deletion on the day ``on``: kept (a draft saved) or
    sealed, not deleted, without an open proposal, not kept longer by a rejected one, and
    their session day plus the class's years reached. With their sessions."""
    open_or_kept = select(TeamProtocolDeletionProposal.team_protocol_id).where(
        or_(
            TeamProtocolDeletionProposal.status.in_(_OPEN),
            (TeamProtocolDeletionProposal.status == ProposalStatus.REJECTED)
            & (TeamProtocolDeletionProposal.keep_until > on),
        )
    )
    years = class_for("team_protocol").years or 0
    # a generous bound in SQL (the office's day may differ from the UTC day); the exact
    # date is the rule's, below
    bound = datetime(on.year - years, on.month, 1) + timedelta(days=62)
    rows = db.session.execute(
        select(TeamProtocol, Meeting)
        .join(Meeting, TeamProtocol.meeting_id == Meeting.id)
        .where(
            TeamProtocol.deleted_dt.is_(None),
            TeamProtocol.id.not_in(open_or_kept),
            Meeting.starts_dt < bound.replace(tzinfo=UTC),
        )
        .order_by(Meeting.starts_dt)
    )
    return [
        (kept, meeting)
        for kept, meeting in rows
        if team_protocol_deletion_date(meeting_day(meeting)) <= on
    ]


def propose_team_protocol_deletions(on: date) -> list[TeamProtocolDeletionProposal]:
    """Propose every due Teamprotokoll for deletion (``due_team_protocols``)."""
    retention_class = class_for("team_protocol").key
    proposals = []
    for kept, meeting in due_team_protocols(on):
        day = meeting_day(meeting)
        proposal = TeamProtocolDeletionProposal(
            team_protocol_id=kept.id,
            meeting_id=meeting.id,
            session_day=day,
            retention_class=retention_class,
            deletion_due_on=team_protocol_deletion_date(day),
            proposed_by=PROPOSED_BY_RUN,
            status=ProposalStatus.PROPOSED,
        )
        db.session.add(proposal)
        proposals.append((kept, proposal))
    db.session.flush()
    for kept, proposal in proposals:
        _record_team_protocol(
            AuditAction.CREATE,
            kept,
            proposal,
            actor=None,
            purpose="Löschung vorgeschlagen (Löschfrist erreicht)",
            details={
                "retention_class": proposal.retention_class,
                "deletion_due_on": proposal.deletion_due_on.isoformat(),
            },
        )
    return [proposal for _, proposal in proposals]


def confirmed_team_protocol_proposals() -> list[TeamProtocolDeletionProposal]:
    """The confirmed Teamprotokoll proposals the next run carries out, oldest first."""
    return list(
        db.session.scalars(
            select(TeamProtocolDeletionProposal)
            .where(TeamProtocolDeletionProposal.status == ProposalStatus.CONFIRMED)
            .order_by(TeamProtocolDeletionProposal.decided_dt)
        )
    )


def confirm_team_protocol_proposal(proposal: TeamProtocolDeletionProposal, *, actor: User) -> None:
    """The DPO (never the session's moderator, ``access`` rule of ``retention.confirm``)
    confirms; the next run deletes. A proposal that no longer holds is withdrawn instead
    (flushed, for the caller to commit) and ``RetentionError`` names why."""
    _decide(proposal, actor, ProposalStatus.CONFIRMED, team_protocol_withdrawn_because)
    _record_team_protocol(
        AuditAction.UPDATE,
        proposal.team_protocol,
        proposal,
        actor=actor,
        purpose="Löschung bestätigt (Vier-Augen-Prinzip)",
    )


def reject_team_protocol_proposal(
    proposal: TeamProtocolDeletionProposal,
    *,
    reason: str,
    keep_until: date | None,
    actor: User,
) -> None:
    """The DPO rejects a Teamprotokoll's proposal, with a reason; the run does not propose it
    again before ``keep_until`` (None: at its next run)."""
    if not reason.strip():
        raise RetentionError(_("Bitte den Grund der Ablehnung angeben."))
    _decide(proposal, actor, ProposalStatus.REJECTED)
    proposal.rejection_reason = reason.strip()
    proposal.keep_until = keep_until
    db.session.flush()
    _record_team_protocol(
        AuditAction.UPDATE,
        proposal.team_protocol,
        proposal,
        actor=actor,
        purpose="Löschung abgelehnt",
        details={"keep_until": keep_until.isoformat() if keep_until else None},
    )


def team_protocol_stale_reason(proposal: TeamProtocolDeletionProposal, on: date) -> str | None:
    """Why the proposal no longer holds on ``on`` (None: it does): deleted already, the
    session moved to another day, or the deletion date not reached."""
    if proposal.team_protocol.deleted_dt is not None:
        return "Bereits gelöscht"
    day = meeting_day(proposal.meeting)
    if day != proposal.session_day or (
        team_protocol_deletion_date(day) != proposal.deletion_due_on
    ):
        return "Löschfrist geändert"
    if proposal.deletion_due_on > on:
        return "Löschfrist noch nicht erreicht"
    return None


def team_protocol_withdrawn_because(proposal: TeamProtocolDeletionProposal, on: date) -> str | None:
    """Withdraw the proposal if it no longer holds on ``on``; the reason, or None."""
    reason = team_protocol_stale_reason(proposal, on)
    if reason is None:
        return None
    proposal.status = ProposalStatus.WITHDRAWN
    proposal.rejection_reason = f"Zurückgezogen: {reason}"
    proposal.decided_dt = utcnow()
    db.session.flush()
    _record_team_protocol(
        AuditAction.UPDATE,
        proposal.team_protocol,
        proposal,
        actor=None,
        purpose="Löschvorschlag zurückgezogen",
        details={"reason": reason},
    )
    return reason


def delete_team_protocol(
    proposal: TeamProtocolDeletionProposal, *, now: datetime | None = None
) -> TeamProtocolDeletionCertificate:
    """Carry out a confirmed proposal in the caller's transaction: the addenda removed, the
    notes emptied (the row stays with its seal: the session's record says a Teamprotokoll
    was kept), a certificate without any of the notes written. Checked again first
    (``team_protocol_stale_reason``); otherwise withdrawn and ``RetentionError``."""
    proposal = _confirmed_and_locked(proposal)
    team_protocol = proposal.team_protocol
    db.session.refresh(team_protocol)
    reason = team_protocol_withdrawn_because(proposal, rules.today())
    if reason is not None:
        raise RetentionError(_("Vorschlag zurückgezogen: %(reason)s", reason=reason))
    now = now or utcnow()
    removed = db.session.execute(
        delete(TeamProtocolAddendum)
        .where(TeamProtocolAddendum.team_protocol_id == team_protocol.id)
        .execution_options(synchronize_session=False)
    )
    rows_removed = {TeamProtocolAddendum.__tablename__: removed.rowcount or 0}
    team_protocol.notes = ""
    team_protocol.deleted_dt = now
    retention_class = class_for("team_protocol")
    decider = db.session.get(User, proposal.decided_by_id) if proposal.decided_by_id else None
    team = db.session.get(Team, proposal.meeting.team_id)
    certificate = TeamProtocolDeletionCertificate(
        proposal_id=proposal.id,
        meeting_id=proposal.meeting_id,
        session_day=proposal.session_day,
        team_name=team.name if team else "",
        retention_class=retention_class.key,
        class_label=retention_class.label,
        legal_basis=retention_class.legal_basis,
        deletion_due_on=proposal.deletion_due_on,
        proposed_dt=proposal.created_dt,
        proposed_by=proposal.proposed_by,
        confirmed_by_id=proposal.decided_by_id,
        confirmed_by_name=decider.display_name if decider else "",
        confirmed_dt=proposal.decided_dt,
        executed_dt=now,
        rows_removed=rows_removed,
        rows_kept={TeamProtocol.__tablename__: 1},
    )
    db.session.add(certificate)
    proposal.status = ProposalStatus.DONE
    proposal.executed_dt = now
    db.session.flush()
    _record_team_protocol(
        AuditAction.DELETE,
        team_protocol,
        proposal,
        actor=None,
        purpose="Löschung nach Ablauf der Löschfrist",
        details={"certificate": str(certificate.id), "rows_removed": rows_removed},
    )
    return certificate


def _record_team_protocol(
    action, team_protocol: TeamProtocol, proposal, *, actor, purpose, details=None
):
    # the object is the Teamprotokoll (no case, so no pseudonym); the proposal by its id
    record(
        action,
        team_protocol,
        actor=actor,
        purpose=purpose,
        details={
            "proposal": str(proposal.id),
            "session": str(proposal.meeting_id),
            **(details or {}),
        },
    )
