"""A Fallprotokoll: what the team worked out on one case on one agenda item. Its sections,
revisions and addenda are case content, encrypted with the case's key."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fallteam.cases.models import OfOneCase
from fallteam.core.models import Base, CreatedTimestamp, UUIDPrimaryKey
from fallteam.crypto.types import EncryptedJSON, EncryptedText
from fallteam.meetings.models import AgendaItem


class ProtocolStatus(enum.StrEnum):
    """Draft, submitted by the writer, finalised (locked) by the moderator."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    FINALISED = "finalised"


STATUS_LABELS = {
    ProtocolStatus.DRAFT: _l("Entwurf"),
    ProtocolStatus.SUBMITTED: _l("eingereicht"),
    ProtocolStatus.FINALISED: _l("abgeschlossen"),
}


class CaseProtocol(OfOneCase, UUIDPrimaryKey, CreatedTimestamp, Base):
    """The Fallprotokoll of one agenda item."""

    __tablename__ = "case_protocols"
    __encryption_owner__ = "case_id"
    __audit_type__ = "case_protocol"
    __table_args__ = (UniqueConstraint("item_id"),)

    #: the agenda item
    item_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("agenda_items.id", ondelete="CASCADE"))
    #: the item's case (its key encrypts the sections)
    case_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), index=True
    )
    #: who writes it (the item's writer when it was opened)
    writer_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    #: ``ProtocolStatus``
    status: Mapped[str] = mapped_column(String(10), default=ProtocolStatus.DRAFT)
    #: raised by every saved draft; a save must name the version it started from
    version: Mapped[int] = mapped_column(default=1)
    #: {section key: text}
    sections: Mapped[dict | None] = mapped_column(EncryptedJSON())
    #: §8a items only: the structured risk assessment (``rules.RISK_FIELDS``, the risk level
    #: and the ids of the participating professionals); None for every other item
    risk_assessment: Mapped[dict | None] = mapped_column(EncryptedJSON())
    #: SHA-256 (hex) of the canonical content, stored when finalised
    content_hash: Mapped[str | None] = mapped_column(String(64))
    finalised_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    finalised_dt: Mapped[datetime | None]

    item: Mapped[AgendaItem] = relationship()
    addenda: Mapped[list[ProtocolAddendum]] = relationship(
        order_by="ProtocolAddendum.created_dt", cascade="all, delete-orphan"
    )

    @property
    def locked(self) -> bool:
        return self.status == ProtocolStatus.FINALISED

    def __repr__(self) -> str:
        return f"<CaseProtocol {self.item_id} v{self.version}>"


class ProtocolRevision(OfOneCase, UUIDPrimaryKey, CreatedTimestamp, Base):
    """One saved draft of a Fallprotokoll: who saved which sections as which version."""

    __tablename__ = "protocol_revisions"
    __encryption_owner__ = "case_id"
    __audit_type__ = "protocol_revision"

    protocol_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("case_protocols.id", ondelete="CASCADE"), index=True
    )
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    version: Mapped[int]
    author_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    sections: Mapped[dict | None] = mapped_column(EncryptedJSON())
    #: §8a items: the risk assessment as saved with this version
    risk_assessment: Mapped[dict | None] = mapped_column(EncryptedJSON())


class ProtocolAddendum(OfOneCase, UUIDPrimaryKey, CreatedTimestamp, Base):
    """A correction under a finalised Fallprotokoll, which itself never changes."""

    __tablename__ = "protocol_addenda"
    __encryption_owner__ = "case_id"
    __audit_type__ = "protocol_addendum"

    protocol_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("case_protocols.id", ondelete="CASCADE"), index=True
    )
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    text: Mapped[str | None] = mapped_column(EncryptedText())
    reason: Mapped[str | None] = mapped_column(EncryptedText())
    author_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))


class ProtocolExcerpt(OfOneCase, UUIDPrimaryKey, CreatedTimestamp, Base):
    """A Protokollauszug made of a finalised Fallprotokoll: who made it when, whether with
    real names, and the SHA-256 of the signed PDF handed out (the PDF itself is not kept)."""

    __tablename__ = "protocol_excerpts"
    __audit_type__ = "protocol_excerpt"

    protocol_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("case_protocols.id", ondelete="CASCADE"), index=True
    )
    case_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), index=True
    )
    created_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    #: real names instead of role labels (the owner's explicit choice)
    real_names: Mapped[bool] = mapped_column(default=False)
    #: SHA-256 (hex) of the signed PDF's bytes
    sha256: Mapped[str] = mapped_column(String(64))
    #: the protocol's content hash the excerpt carries
    content_hash: Mapped[str] = mapped_column(String(64))


class TeamProtocol(UUIDPrimaryKey, CreatedTimestamp, Base):
    """The Teamprotokoll of a session (kept by its moderator): generated from the session, it
    holds only the moderator's short notes and, once the session is finalised, the seal (the
    SHA-256 of its canonical content, which includes the Fallprotokolle's hashes)."""

    __tablename__ = "team_protocols"
    __audit_type__ = "team_protocol"
    __table_args__ = (UniqueConstraint("meeting_id"),)

    #: the session
    meeting_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    #: the moderator's short notes on the session (no case content: checked by the guard)
    notes: Mapped[str] = mapped_column(String(2000), default="")
    #: ``ProtocolStatus`` (draft or finalised; it is never "submitted")
    status: Mapped[str] = mapped_column(String(10), default=ProtocolStatus.DRAFT)
    #: SHA-256 (hex) of the canonical content, stored when finalised
    content_hash: Mapped[str | None] = mapped_column(String(64))
    finalised_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    finalised_dt: Mapped[datetime | None]
    #: when the retention run deleted it (notes emptied, addenda removed; the seal stays)
    deleted_dt: Mapped[datetime | None]

    @property
    def locked(self) -> bool:
        return self.status == ProtocolStatus.FINALISED

    def __repr__(self) -> str:
        return f"<TeamProtocol {self.meeting_id} {self.status}>"


class TeamProtocolAddendum(UUIDPrimaryKey, CreatedTimestamp, Base):
    """A correction under a finalised Teamprotokoll, which itself never changes. Like the
    Teamprotokoll it carries no case content (the guard checks it against every case of the
    session), so it is not encrypted with a case key."""

    __tablename__ = "team_protocol_addenda"
    __audit_type__ = "team_protocol_addendum"

    team_protocol_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("team_protocols.id", ondelete="CASCADE"), index=True
    )
    text: Mapped[str] = mapped_column(String(5000))
    reason: Mapped[str] = mapped_column(String(5000))
    author_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
