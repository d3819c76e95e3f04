"""Sessions of a Fallteam. Named ``Meeting``: Flask and SQLAlchemy already use "session"."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from fallteam.core.models import Base, CreatedTimestamp, UUIDPrimaryKey


class MeetingStatus(enum.StrEnum):
    """Planned, or cancelled (with a reason)."""

    PLANNED = "planned"
    CANCELLED = "cancelled"


class Meeting(UUIDPrimaryKey, CreatedTimestamp, Base):
    """One session of a team."""

    __tablename__ = "meetings"
    __audit_type__ = "meeting"
    __table_args__ = (Index("ix_meetings_team_starts", "team_id", "starts_dt"),)

    #: the team
    team_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    #: start (UTC; shown in Europe/Berlin)
    starts_dt: Mapped[datetime]
    #: planned end
    ends_dt: Mapped[datetime]
    #: where
    place: Mapped[str] = mapped_column(String(200), default="")
    #: ``MeetingStatus``
    status: Mapped[str] = mapped_column(String(20), default=MeetingStatus.PLANNED)
    #: why it was cancelled or moved
    change_reason: Mapped[str | None] = mapped_column(String(500))
    #: who moderates (a permanent member)
    moderator_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    #: whether the moderation plan for this session has been published to the team
    moderation_published: Mapped[bool] = mapped_column(default=False)

    def __repr__(self) -> str:
        return f"<Meeting {self.team_id} {self.starts_dt:%Y-%m-%d}>"
