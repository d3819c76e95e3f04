"""Sessions of a Fallteam. Named ``Meeting``: Flask and SQLAlchemy already use "session"."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from fallteam.core.models import Base, CreatedTimestamp, UUIDPrimaryKey


class MeetingStatus(enum.StrEnum):
    """Planned, or cancelled (with a reason)."""

    PLANNED = "planned"
    CANCELLED = "cancelled"


class ChangeReason(enum.StrEnum):
    """Why a session is cancelled or moved: organisational reasons only. A fixed list, not
    free text, so that no reason can name a family (nothing to encrypt, nothing for the
    re-identification guard to miss); stored in ``Meeting.change_reason``."""

    ILLNESS = "illness"
    HOLIDAY = "holiday"
    ROOM = "room"
    CONFLICT = "conflict"
    STAFF = "staff"
    OTHER = "other"


CHANGE_REASON_LABELS = {
    ChangeReason.ILLNESS: _l("Erkrankung oder Verhinderung"),
    ChangeReason.HOLIDAY: _l("Feiertag oder Schließtag"),
    ChangeReason.ROOM: _l("Raum nicht verfügbar"),
    ChangeReason.CONFLICT: _l("Terminüberschneidung"),
    ChangeReason.STAFF: _l("Personalversammlung oder Fortbildung"),
    ChangeReason.OTHER: _l("Sonstiger organisatorischer Grund"),
}


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
    #: when the moderator sent the invitation (None: not yet)
    invitation_sent_dt: Mapped[datetime | None]
    #: iCalendar SEQUENCE: raised by every change sent after the invitation
    calendar_sequence: Mapped[int] = mapped_column(default=0)

    def __repr__(self) -> str:
        return f"<Meeting {self.team_id} {self.starts_dt:%Y-%m-%d}>"


class MeetingAttendance(UUIDPrimaryKey, Base):
    """Whether a team member is at a session (guests are marked per agenda item)."""

    __tablename__ = "meeting_attendance"
    __audit_type__ = "attendance"
    __table_args__ = (UniqueConstraint("meeting_id", "user_id"),)

    meeting_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    present: Mapped[bool]
