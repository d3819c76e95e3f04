"""The outgoing mail queue, invitation recipients and private calendar feeds."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from fallteam.core.models import Base, CreatedTimestamp, UUIDPrimaryKey
from fallteam.crypto.types import EncryptedText


class MailStatus(enum.StrEnum):
    """Waiting (also between retries), delivered, or given up after the last retry."""

    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


class OutgoingMail(UUIDPrimaryKey, CreatedTimestamp, Base):
    """One message waiting for, or done with, ``flask mail send-pending``.

    Addresses and texts are encrypted with the system key: the queue holds no case data, but
    names and addresses of staff are personal data too.
    """

    __tablename__ = "outgoing_mails"
    __audit_type__ = "mail"
    __table_args__ = (Index("ix_outgoing_mails_status_next", "status", "next_attempt_dt"),)

    #: what it is (invitation, update, cancellation, reminder, moved, plan)
    kind: Mapped[str] = mapped_column(String(30))
    #: the recipient's account, when there is one
    recipient_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"), index=True)
    #: the address it goes to
    recipient_address: Mapped[str] = mapped_column(EncryptedText())
    subject: Mapped[str] = mapped_column(EncryptedText())
    body: Mapped[str] = mapped_column(EncryptedText())
    #: iCalendar attachment (text/calendar), if any
    calendar: Mapped[str | None] = mapped_column(EncryptedText())
    #: the session it is about (the moderator sees failures there)
    meeting_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("meetings.id"), index=True)
    #: ``MailStatus``
    status: Mapped[str] = mapped_column(String(10), default=MailStatus.PENDING)
    #: delivery attempts so far
    attempts: Mapped[int] = mapped_column(default=0)
    #: not before this time
    next_attempt_dt: Mapped[datetime]
    #: the last error (the SMTP answer or the connection error, without message content)
    last_error: Mapped[str | None] = mapped_column(String(500))
    #: when the server accepted it
    sent_dt: Mapped[datetime | None]

    def __repr__(self) -> str:
        return f"<OutgoingMail {self.kind} {self.status}>"


class MeetingInvitee(UUIDPrimaryKey, CreatedTimestamp, Base):
    """Someone the invitation of a session went to: updates and cancellations go to them too."""

    __tablename__ = "meeting_invitees"
    __audit_type__ = "meeting_invitee"
    __table_args__ = (UniqueConstraint("meeting_id", "user_id"),)

    meeting_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))


class CalendarFeed(UUIDPrimaryKey, CreatedTimestamp, Base):
    """A user's private calendar subscription; only the token's hash is stored."""

    __tablename__ = "calendar_feeds"
    __audit_type__ = "calendar_feed"

    #: whose sessions it lists (one feed per person; a new one replaces the old)
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), unique=True
    )
    #: SHA-256 of the secret token in the URL
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: last time a calendar fetched it
    last_used_dt: Mapped[datetime | None]
