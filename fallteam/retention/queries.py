"""Reading the retention state: a case's retention classes and deletion dates (for its
owner), the DPO's overview of deletion dates, proposals, restrictions and certificates, and
the Teamprotokolle by deletion date. Structure only: pseudonyms, classes, dates, counts —
never case content, so nothing here decrypts."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import load_only, selectinload
from werkzeug.exceptions import NotFound

from fallteam.audit.models import AuditAction
from fallteam.audit.operations import record
from fallteam.auth.models import User
from fallteam.cases.models import CATEGORY_LABELS, Case
from fallteam.consent.models import Consent
from fallteam.extensions import db
from fallteam.meetings.models import AgendaDocument, Meeting
from fallteam.meetings.rules import meeting_day
from fallteam.protocols.models import CaseProtocol, ProtocolExcerpt, TeamProtocol
from fallteam.retention.models import (
    DeletionCertificate,
    DeletionProposal,
    TeamProtocolDeletionCertificate,
    TeamProtocolDeletionProposal,
)
from fallteam.retention.rules import (
    ProposalStatus,
    RestrictionState,
    RetentionClass,
    class_for,
    class_for_case_category,
    team_protocol_deletion_date,
)
from fallteam.teams.models import Team


@dataclass(frozen=True)
class DocumentRetention:
    """One kind of the case's documents with its class and deletion date."""

    kind: str
    count: int
    retention_class: RetentionClass
    deletion_due_on: date | None


@dataclass(frozen=True)
class CaseRetention:
    """What the owner sees of the case's retention: its class and date, its documents'."""

    retention_class: RetentionClass
    deletion_due_on: date | None
    documents: list[DocumentRetention]
    proposal: DeletionProposal | None


def case_retention(case: Case) -> CaseRetention:
    """The case's retention class and deletion date with those of its documents (consents
    go with the case; Fallprotokolle, excerpts and agenda documents are part of the case's
    file), and its open deletion proposal. Four queries, whatever the case holds."""
    case_class = class_for_case_category(case.category)
    consent_class = class_for("consent")

    def count(model) -> int:
        return (
            db.session.scalar(
                select(func.count()).select_from(model).where(model.case_id == case.id)
            )
            or 0
        )

    documents = [
        DocumentRetention("protocols", count(CaseProtocol), case_class, case.deletion_due_on),
        DocumentRetention("excerpts", count(ProtocolExcerpt), case_class, case.deletion_due_on),
        DocumentRetention("documents", count(AgendaDocument), case_class, case.deletion_due_on),
        DocumentRetention("consents", count(Consent), consent_class, case.deletion_due_on),
    ]
    proposal = db.session.scalar(
        select(DeletionProposal)
        .where(
            DeletionProposal.case_id == case.id,
            DeletionProposal.status.in_([ProposalStatus.PROPOSED, ProposalStatus.CONFIRMED]),
        )
        .limit(1)
    )
    return CaseRetention(case_class, case.deletion_due_on, documents, proposal)


# --- the DPO's overview ---------------------------------------------------------------------

PAGE_SIZE = 50


@dataclass(frozen=True)
class CaseDeadline:
    """One case as the DPO sees it: pseudonym, class, state, deletion date."""

    case_id: uuid.UUID
    pseudonym: str
    category: str
    retention_class: RetentionClass
    closed_on: date | None
    deletion_due_on: date | None
    restriction: str | None
    deleted: bool


@dataclass(frozen=True)
class TeamProtocolDeadline:
    """A session's Teamprotokoll and the day it is due for deletion."""

    meeting_id: uuid.UUID
    session_day: date
    deletion_due_on: date


@dataclass
class RetentionOverview:
    """Everything of the DPO's retention page."""

    today: date
    proposed: list[DeletionProposal]
    confirmed: list[DeletionProposal]
    decided: list[DeletionProposal]
    certificates: list[DeletionCertificate]
    restriction_requests: list[Case]
    restricted: list[Case]
    deadlines: list[CaseDeadline]
    page: int
    pages: int
    team_protocols: list[TeamProtocolDeadline]
    due_not_proposed: int
    without_date: int
    names: dict[uuid.UUID, str] = field(default_factory=dict)
    #: the Teamprotokolle's proposals (open, confirmed, rejected or withdrawn) and certificates
    team_proposed: list[TeamProtocolDeletionProposal] = field(default_factory=list)
    team_confirmed: list[TeamProtocolDeletionProposal] = field(default_factory=list)
    team_decided: list[TeamProtocolDeletionProposal] = field(default_factory=list)
    team_certificates: list[TeamProtocolDeletionCertificate] = field(default_factory=list)
    #: the sessions' team names, by session id
    team_names: dict[uuid.UUID, str] = field(default_factory=dict)


def _deadline(case: Case) -> CaseDeadline:
    return CaseDeadline(
        case_id=case.id,
        pseudonym=case.pseudonym,
        category=str(CATEGORY_LABELS.get(case.category, case.category)),
        retention_class=class_for_case_category(case.category),
        closed_on=case.closed_on,
        deletion_due_on=case.deletion_due_on,
        restriction=case.restriction,
        deleted=case.deleted_dt is not None,
    )


#: only what the overview shows of a case: no encrypted column is loaded (or decrypted)
_CASE_STRUCTURE = (
    Case.id,
    Case.pseudonym,
    Case.category,
    Case.case_manager_id,
    Case.closed_on,
    Case.deletion_due_on,
    Case.deleted_dt,
    Case.restriction,
    Case.restriction_reason,
    Case.restriction_requested_dt,
    Case.restricted_dt,
    Case.restricted_for_id,
    Case.restriction_ended_by_id,
)


def _structure(query):
    return query.options(load_only(*_CASE_STRUCTURE))


def case_structure(case_id: uuid.UUID) -> Case:
    """A case as the DPO's decisions need it: pseudonym, owner, dates, restriction — none of
    its encrypted fields loaded (so none decrypted); 404 when there is none."""
    case = db.session.scalar(_structure(select(Case).where(Case.id == case_id)))
    if case is None:
        raise NotFound()
    return case


def case_by_pseudonym(pseudonym: str) -> Case | None:
    """The case with this pseudonym (typed by the DPO, any case), as ``case_structure``
    loads it; None when there is none."""
    pseudonym = pseudonym.strip().upper()
    if not pseudonym:
        return None
    return db.session.scalar(_structure(select(Case).where(Case.pseudonym == pseudonym)))


def proposal_of(proposal_id: uuid.UUID) -> DeletionProposal:
    """A deletion proposal with its case's structure (``case_structure``); 404 when none."""
    proposal = db.session.scalar(
        select(DeletionProposal)
        .where(DeletionProposal.id == proposal_id)
        .options(selectinload(DeletionProposal.case).load_only(*_CASE_STRUCTURE))
    )
    if proposal is None:
        raise NotFound()
    return proposal


def retention_overview(on: date, page: int = 1) -> RetentionOverview:
    """The DPO's retention page on the day ``on``: open proposals (to confirm or reject),
    confirmed ones waiting for the run, recent decisions and certificates, restriction
    requests and restrictions in force, one page of every case's deletion date, and the
    Teamprotokolle by deletion date. A constant number of queries."""
    proposals = list(
        db.session.scalars(
            select(DeletionProposal)
            .where(DeletionProposal.status.in_([ProposalStatus.PROPOSED, ProposalStatus.CONFIRMED]))
            .order_by(DeletionProposal.deletion_due_on, DeletionProposal.case_pseudonym)
            # the four-eyes rule asks for each proposal's case owner: loaded with them, and
            # only the structure (nothing encrypted is loaded or decrypted)
            .options(selectinload(DeletionProposal.case).load_only(*_CASE_STRUCTURE))
        )
    )
    decided = list(
        db.session.scalars(
            select(DeletionProposal)
            .where(DeletionProposal.status.in_([ProposalStatus.REJECTED, ProposalStatus.WITHDRAWN]))
            .order_by(DeletionProposal.decided_dt.desc())
            .limit(PAGE_SIZE)
        )
    )
    certificates = list(
        db.session.scalars(
            select(DeletionCertificate)
            .order_by(DeletionCertificate.executed_dt.desc())
            .limit(PAGE_SIZE)
        )
    )
    restrictions = list(
        db.session.scalars(
            _structure(
                select(Case)
                .where(Case.restriction.is_not(None))
                .order_by(Case.restriction_requested_dt, Case.pseudonym)
            )
        )
    )
    total = db.session.scalar(select(func.count()).select_from(Case)) or 0
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(page, 1), pages)
    cases = db.session.scalars(
        _structure(
            select(Case)
            .order_by(Case.deletion_due_on.is_(None), Case.deletion_due_on, Case.pseudonym)
            .limit(PAGE_SIZE)
            .offset((page - 1) * PAGE_SIZE)
        )
    )
    open_case_ids = select(DeletionProposal.case_id).where(
        DeletionProposal.status.in_([ProposalStatus.PROPOSED, ProposalStatus.CONFIRMED])
    )
    due_not_proposed = (
        db.session.scalar(
            select(func.count())
            .select_from(Case)
            .where(
                Case.closed_on.is_not(None),
                Case.deletion_due_on <= on,
                Case.deleted_dt.is_(None),
                Case.restriction.is_(None),
                Case.id.not_in(open_case_ids),
            )
        )
        or 0
    )
    without_date = (
        db.session.scalar(
            select(func.count())
            .select_from(Case)
            .where(Case.closed_on.is_not(None), Case.deletion_due_on.is_(None))
        )
        or 0
    )
    team_proposals = list(
        db.session.scalars(
            select(TeamProtocolDeletionProposal)
            .where(
                TeamProtocolDeletionProposal.status.in_(
                    [
                        ProposalStatus.PROPOSED,
                        ProposalStatus.CONFIRMED,
                        ProposalStatus.REJECTED,
                        ProposalStatus.WITHDRAWN,
                    ]
                )
            )
            .order_by(
                TeamProtocolDeletionProposal.status,
                TeamProtocolDeletionProposal.decided_dt.desc(),
                TeamProtocolDeletionProposal.deletion_due_on,
            )
            .limit(PAGE_SIZE)
            # the four-eyes rule asks for the session's moderator and the one who sealed it
            .options(
                selectinload(TeamProtocolDeletionProposal.meeting),
                selectinload(TeamProtocolDeletionProposal.team_protocol).load_only(
                    TeamProtocol.id, TeamProtocol.finalised_by_id, TeamProtocol.deleted_dt
                ),
            )
        )
    )
    team_certificates = list(
        db.session.scalars(
            select(TeamProtocolDeletionCertificate)
            .order_by(TeamProtocolDeletionCertificate.executed_dt.desc())
            .limit(PAGE_SIZE)
        )
    )
    meeting_ids = {p.meeting_id for p in team_proposals}
    team_names = (
        dict(
            db.session.execute(
                select(Meeting.id, Team.name)
                .join(Team, Team.id == Meeting.team_id)
                .where(Meeting.id.in_(meeting_ids))
            ).all()
        )
        if meeting_ids
        else {}
    )
    deciders = {p.decided_by_id for p in [*proposals, *decided, *team_proposals] if p.decided_by_id}
    names = (
        {
            u.id: u.display_name
            for u in db.session.scalars(select(User).where(User.id.in_(deciders)))
        }
        if deciders
        else {}
    )
    return RetentionOverview(
        today=on,
        proposed=[p for p in proposals if p.status == ProposalStatus.PROPOSED],
        confirmed=[p for p in proposals if p.status == ProposalStatus.CONFIRMED],
        decided=decided,
        certificates=certificates,
        restriction_requests=[
            c for c in restrictions if c.restriction == RestrictionState.REQUESTED
        ],
        restricted=[c for c in restrictions if c.restriction == RestrictionState.RESTRICTED],
        deadlines=[_deadline(c) for c in cases],
        page=page,
        pages=pages,
        team_protocols=team_protocol_deadlines(),
        due_not_proposed=due_not_proposed,
        without_date=without_date,
        names=names,
        team_proposed=[p for p in team_proposals if p.status == ProposalStatus.PROPOSED],
        team_confirmed=[p for p in team_proposals if p.status == ProposalStatus.CONFIRMED],
        team_decided=[
            p
            for p in team_proposals
            if p.status in (ProposalStatus.REJECTED, ProposalStatus.WITHDRAWN)
        ],
        team_certificates=team_certificates,
        team_names=team_names,
    )


def team_protocol_deadlines(limit: int = PAGE_SIZE) -> list[TeamProtocolDeadline]:
    """The Teamprotokolle not yet deleted by deletion date (session day plus the class's
    years), earliest first; the retention run proposes each once its date is reached."""
    meetings = db.session.scalars(
        select(Meeting)
        .join(TeamProtocol, TeamProtocol.meeting_id == Meeting.id)
        .where(TeamProtocol.deleted_dt.is_(None))
        .order_by(Meeting.starts_dt)
        .limit(limit)
    )
    return [
        TeamProtocolDeadline(m.id, meeting_day(m), team_protocol_deletion_date(meeting_day(m)))
        for m in meetings
    ]


def certificate_document(certificate: DeletionCertificate) -> dict:
    """The certificate as a document (for download): no personal data of the family."""
    return {
        "art": "Löschnachweis",
        "fall": certificate.case_pseudonym,
        "aufbewahrungsklasse": certificate.retention_class,
        "klasse": certificate.class_label,
        "rechtsgrundlage": certificate.legal_basis,
        "loeschfrist": certificate.deletion_due_on.isoformat(),
        "vorgeschlagen": certificate.proposed_dt.isoformat(),
        "vorgeschlagen_von": certificate.proposed_by,
        "bestaetigt": certificate.confirmed_dt.isoformat(),
        "bestaetigt_von": {
            "id": str(certificate.confirmed_by_id) if certificate.confirmed_by_id else None,
            "name": certificate.confirmed_by_name,
        },
        "geloescht": certificate.executed_dt.isoformat(),
        "vernichtete_schluessel": certificate.keys_destroyed,
        "entfernte_zeilen": certificate.rows_removed,
        "geleerte_zeilen": certificate.rows_kept,
    }


def export_certificate(certificate: DeletionCertificate) -> str:
    """The certificate as JSON for the DPO's records; the download is recorded."""
    record(
        AuditAction.EXPORT,
        certificate,
        case_pseudonym=certificate.case_pseudonym,
        purpose="Löschnachweis",
    )
    return json.dumps(certificate_document(certificate), ensure_ascii=False, indent=2)


def team_protocol_proposal_of(proposal_id: uuid.UUID) -> TeamProtocolDeletionProposal:
    """A Teamprotokoll's deletion proposal with its session and record; 404 when none."""
    proposal = db.session.scalar(
        select(TeamProtocolDeletionProposal)
        .where(TeamProtocolDeletionProposal.id == proposal_id)
        .options(
            selectinload(TeamProtocolDeletionProposal.meeting),
            selectinload(TeamProtocolDeletionProposal.team_protocol),
        )
    )
    if proposal is None:
        raise NotFound()
    return proposal


def team_certificate_document(certificate: TeamProtocolDeletionCertificate) -> dict:
    """A Teamprotokoll's deletion certificate as a document: session, team, class, dates,
    who confirmed, rows removed — nothing of the notes."""
    return {
        "art": "Löschnachweis Teamprotokoll",
        "sitzung": str(certificate.meeting_id),
        "sitzungstag": certificate.session_day.isoformat(),
        "team": certificate.team_name,
        "aufbewahrungsklasse": certificate.retention_class,
        "klasse": certificate.class_label,
        "rechtsgrundlage": certificate.legal_basis,
        "loeschfrist": certificate.deletion_due_on.isoformat(),
        "vorgeschlagen": certificate.proposed_dt.isoformat(),
        "vorgeschlagen_von": certificate.proposed_by,
        "bestaetigt": certificate.confirmed_dt.isoformat(),
        "bestaetigt_von": {
            "id": str(certificate.confirmed_by_id) if certificate.confirmed_by_id else None,
            "name": certificate.confirmed_by_name,
        },
        "geloescht": certificate.executed_dt.isoformat(),
        "entfernte_zeilen": certificate.rows_removed,
        "geleerte_zeilen": certificate.rows_kept,
    }
