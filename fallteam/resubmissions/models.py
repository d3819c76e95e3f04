"""A Wiedervorlage: a case comes back to a team's first planned session on or after its due
day. What to look at and the outcome are case content, encrypted with the case's key."""

from __future__ import annotations

import enum
import uuid
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fallteam.auth.models import User
from fallteam.cases.models import Case, OfOneCase
from fallteam.core.models import Base, CreatedTimestamp, UUIDPrimaryKey
from fallteam.crypto.types import EncryptedText


class ResubmissionStatus(enum.StrEnum):
    """Open until dealt with; then closed, or renewed with a new date (a new row)."""

    OPEN = "open"
    CLOSED = "closed"
    RENEWED = "renewed"


STATUS_LABELS = {
    ResubmissionStatus.OPEN: _l("offen"),
    ResubmissionStatus.CLOSED: _l("erledigt"),
    ResubmissionStatus.RENEWED: _l("erneuert"),
}


class Resubmission(OfOneCase, UUIDPrimaryKey, CreatedTimestamp, Base):
    """One Wiedervorlage of a case to a team."""

    __tablename__ = "resubmissions"
    __encryption_owner__ = "case_id"
    __audit_type__ = "resubmission"
    __table_args__ = (Index("ix_resubmissions_team_status_due", "team_id", "status", "due"),)

    #: the case
    case_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), index=True
    )
    #: the team it comes back to
    team_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    #: the due day, in the office's time zone
    due: Mapped[date] = mapped_column(Date)
    #: what to look at
    topic: Mapped[str | None] = mapped_column(EncryptedText())
    #: SHA-256 of the topic's text (``rules.topic_digest``), set with it: a sealed
    #: Teamprotokoll covers the digest, which stays when the case's deletion empties the topic
    topic_sha256: Mapped[str | None] = mapped_column(String(64))
    #: who is responsible
    responsible_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    #: ``ResubmissionStatus``
    status: Mapped[str] = mapped_column(String(10), default=ResubmissionStatus.OPEN)
    #: how it was dealt with
    outcome: Mapped[str | None] = mapped_column(EncryptedText())
    #: the Wiedervorlage this one renews
    renewed_from_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("resubmissions.id", ondelete="SET NULL")
    )
    #: who set it
    created_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    #: the agenda item whose Fallprotokoll agreed it (None: set on the case by its owner)
    agreed_in_item_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("agenda_items.id", ondelete="SET NULL"), index=True
    )
    #: the later agenda item whose Fallprotokoll recorded its outcome
    dealt_in_item_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("agenda_items.id", ondelete="SET NULL"), index=True
    )
    #: the office day the responsible person was reminded by e-mail that it is due
    reminded_on: Mapped[date | None] = mapped_column(Date)

    case: Mapped[Case] = relationship()
    responsible: Mapped[User] = relationship(foreign_keys=[responsible_id])

    def __repr__(self) -> str:
        return f"<Resubmission {self.case_id} {self.due}>"
