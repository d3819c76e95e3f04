"""Deletion proposals (the four-eyes step of the retention run) and deletion certificates.

Neither holds personal data of a family: the case appears by its pseudonym only, the staff
who decided by account id (and, on the certificate, by name, as the proof requires).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fallteam.cases.models import Case
from fallteam.core.models import Base, CreatedTimestamp, UUIDPrimaryKey
from fallteam.meetings.models import Meeting
from fallteam.protocols.models import TeamProtocol


class DeletionProposal(UUIDPrimaryKey, CreatedTimestamp, Base):
    """A case past its deletion date, proposed by ``flask retention run`` for deletion; a
    second person (the DPO) confirms or rejects it; the next run carries it out."""

    __tablename__ = "deletion_proposals"
    __audit_type__ = "deletion_proposal"
    #: one open (proposed or confirmed) proposal per case, whatever runs overlap
    __table_args__ = (
        Index(
            "uq_deletion_proposals_one_open",
            "case_id",
            unique=True,
            sqlite_where=text("status IN ('proposed', 'confirmed')"),
            postgresql_where=text("status IN ('proposed', 'confirmed')"),
        ),
    )

    #: the case (its row stays as a tombstone after the deletion)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id"), index=True)
    #: the case's pseudonym when proposed
    case_pseudonym: Mapped[str] = mapped_column(String(20))
    #: the retention class key (``security/retention.toml``)
    retention_class: Mapped[str] = mapped_column(String(40))
    #: the deletion date that was reached
    deletion_due_on: Mapped[date] = mapped_column(Date)
    #: who proposed it (the run)
    proposed_by: Mapped[str] = mapped_column(String(40))
    #: ``retention.rules.ProposalStatus``
    status: Mapped[str] = mapped_column(String(10), index=True)
    #: who confirmed or rejected it, and when
    decided_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    decided_dt: Mapped[datetime | None]
    #: why it was rejected (the DPO's words about the period, not case content)
    rejection_reason: Mapped[str | None] = mapped_column(String(500))
    #: a rejected case is not proposed again before this day (None: at the next run)
    keep_until: Mapped[date | None] = mapped_column(Date)
    #: when the deletion was carried out
    executed_dt: Mapped[datetime | None]

    case: Mapped[Case] = relationship()

    def __repr__(self) -> str:
        return f"<DeletionProposal {self.case_pseudonym} {self.status}>"


class DeletionCertificate(UUIDPrimaryKey, CreatedTimestamp, Base):
    """Proof that a case was deleted: what, under which class and legal basis, when due,
    when done, proposed and confirmed by whom, how many keys and rows went. No personal data
    of the family."""

    __tablename__ = "deletion_certificates"
    __audit_type__ = "deletion_certificate"

    #: the proposal carried out
    proposal_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("deletion_proposals.id"), unique=True)
    #: the case (a tombstone now)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id"), index=True)
    case_pseudonym: Mapped[str] = mapped_column(String(20))
    #: the retention class: key, label and legal basis as configured at the deletion
    retention_class: Mapped[str] = mapped_column(String(40))
    class_label: Mapped[str] = mapped_column(String(300))
    legal_basis: Mapped[str] = mapped_column(String(300))
    #: the deletion date that was reached
    deletion_due_on: Mapped[date] = mapped_column(Date)
    #: proposed when and by whom (the run)
    proposed_dt: Mapped[datetime]
    proposed_by: Mapped[str] = mapped_column(String(40))
    #: the second person who confirmed it
    confirmed_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    confirmed_by_name: Mapped[str] = mapped_column(String(200))
    confirmed_dt: Mapped[datetime]
    #: when the deletion was carried out
    executed_dt: Mapped[datetime]
    #: the case's data keys destroyed (crypto-shredding)
    keys_destroyed: Mapped[int]
    #: rows removed per table, and the tombstone rows kept (emptied) per table
    rows_removed: Mapped[dict] = mapped_column(JSON)
    rows_kept: Mapped[dict] = mapped_column(JSON)

    def __repr__(self) -> str:
        return f"<DeletionCertificate {self.case_pseudonym}>"


class TeamProtocolDeletionProposal(UUIDPrimaryKey, CreatedTimestamp, Base):
    """A session's Teamprotokoll past its deletion date (session day plus the class's years),
    proposed by ``flask retention run``; the DPO (never the session's moderator) confirms or
    rejects it; the next run empties it. Its own table: a deletion proposal of a case always
    names a case (``deletion_proposals.case_id`` stays NOT NULL)."""

    __tablename__ = "team_protocol_deletion_proposals"
    __audit_type__ = "team_protocol_deletion_proposal"
    #: one open (proposed or confirmed) proposal per Teamprotokoll, whatever runs overlap
    __table_args__ = (
        Index(
            "uq_team_protocol_deletion_proposals_one_open",
            "team_protocol_id",
            unique=True,
            sqlite_where=text("status IN ('proposed', 'confirmed')"),
            postgresql_where=text("status IN ('proposed', 'confirmed')"),
        ),
    )

    #: the Teamprotokoll (its row stays, emptied, after the deletion)
    team_protocol_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("team_protocols.id"), index=True)
    #: the session, and its day when proposed
    meeting_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("meetings.id"))
    session_day: Mapped[date] = mapped_column(Date)
    #: the retention class key (``security/retention.toml``)
    retention_class: Mapped[str] = mapped_column(String(40))
    #: the deletion date that was reached
    deletion_due_on: Mapped[date] = mapped_column(Date)
    #: who proposed it (the run)
    proposed_by: Mapped[str] = mapped_column(String(40))
    #: ``retention.rules.ProposalStatus``
    status: Mapped[str] = mapped_column(String(10), index=True)
    #: who confirmed or rejected it, and when
    decided_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    decided_dt: Mapped[datetime | None]
    #: why it was rejected or withdrawn
    rejection_reason: Mapped[str | None] = mapped_column(String(500))
    #: a rejected Teamprotokoll is not proposed again before this day (None: at the next run)
    keep_until: Mapped[date | None] = mapped_column(Date)
    #: when the deletion was carried out
    executed_dt: Mapped[datetime | None]

    team_protocol: Mapped[TeamProtocol] = relationship()
    meeting: Mapped[Meeting] = relationship()

    def __repr__(self) -> str:
        return f"<TeamProtocolDeletionProposal {self.session_day} {self.status}>"


class TeamProtocolDeletionCertificate(UUIDPrimaryKey, CreatedTimestamp, Base):
    """Proof that a session's Teamprotokoll was deleted: which session (id, day, team), under
    which class and legal basis, when due, confirmed by whom, when done, how many rows went.
    Nothing of the notes."""

    __tablename__ = "team_protocol_deletion_certificates"
    __audit_type__ = "team_protocol_deletion_certificate"

    #: the proposal carried out
    proposal_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("team_protocol_deletion_proposals.id"), unique=True
    )
    #: the session (its row, attendance and agenda stay: they belong to their cases)
    meeting_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("meetings.id"), index=True)
    session_day: Mapped[date] = mapped_column(Date)
    team_name: Mapped[str] = mapped_column(String(200))
    #: the retention class: key, label and legal basis as configured at the deletion
    retention_class: Mapped[str] = mapped_column(String(40))
    class_label: Mapped[str] = mapped_column(String(300))
    legal_basis: Mapped[str] = mapped_column(String(300))
    #: the deletion date that was reached
    deletion_due_on: Mapped[date] = mapped_column(Date)
    proposed_dt: Mapped[datetime]
    proposed_by: Mapped[str] = mapped_column(String(40))
    confirmed_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    confirmed_by_name: Mapped[str] = mapped_column(String(200))
    confirmed_dt: Mapped[datetime]
    executed_dt: Mapped[datetime]
    #: rows removed per table (the addenda) and rows kept emptied (the Teamprotokoll itself)
    rows_removed: Mapped[dict] = mapped_column(JSON)
    rows_kept: Mapped[dict] = mapped_column(JSON)

    def __repr__(self) -> str:
        return f"<TeamProtocolDeletionCertificate {self.session_day}>"
