"""Fallteams, their members and absences."""

from __future__ import annotations

import enum
import uuid
from datetime import date, time

from flask_babel import lazy_gettext as _l
from sqlalchemy import Date, ForeignKey, String, Time, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fallteam.core.models import Base, CreatedTimestamp, UUIDPrimaryKey


class Rhythm(enum.StrEnum):
    """How often the team meets (Potsdam-Mittelmark standards 6.5a)."""

    WEEKLY = "weekly"
    FORTNIGHTLY = "fortnightly"


RHYTHM_LABELS = {Rhythm.WEEKLY: _l("wöchentlich"), Rhythm.FORTNIGHTLY: _l("14-täglich")}
WEEKDAYS = [
    _l("Montag"),
    _l("Dienstag"),
    _l("Mittwoch"),
    _l("Donnerstag"),
    _l("Freitag"),
    _l("Samstag"),
    _l("Sonntag"),
]


class Team(UUIDPrimaryKey, CreatedTimestamp, Base):
    """One Fallteam: where and how often it meets, and its registration deadline."""

    __tablename__ = "teams"
    __audit_type__ = "team"

    #: name, e.g. "Fallteam Teltow"
    name: Mapped[str] = mapped_column(String(120), unique=True)
    #: region or location
    region: Mapped[str] = mapped_column(String(120), default="")
    #: ``Rhythm``
    rhythm: Mapped[str] = mapped_column(String(20), default=Rhythm.WEEKLY)
    #: weekday of the sessions, 0 = Monday
    weekday: Mapped[int] = mapped_column(default=2)
    #: start time (Europe/Berlin wall clock)
    start_time: Mapped[time] = mapped_column(Time, default=time(9, 0))
    #: planned length in minutes (about three hours)
    duration_minutes: Mapped[int] = mapped_column(default=180)
    #: where it meets
    place: Mapped[str] = mapped_column(String(200), default="")
    #: cases must be registered this many days before a session
    registration_deadline_days: Mapped[int] = mapped_column(default=1)
    #: first day the rhythm counts from (fortnightly sessions fall on alternate weeks from it)
    rhythm_anchor: Mapped[date] = mapped_column(Date)

    members: Mapped[list[TeamMember]] = relationship(
        back_populates="team", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Team {self.name}>"


class MemberKind(enum.StrEnum):
    """Permanent members moderate in rotation; temporary ones belong for a while."""

    PERMANENT = "permanent"
    TEMPORARY = "temporary"


MEMBER_KIND_LABELS = {MemberKind.PERMANENT: _l("ständig"), MemberKind.TEMPORARY: _l("zeitweilig")}


class TeamMember(UUIDPrimaryKey, CreatedTimestamp, Base):
    """A person's membership in a team."""

    __tablename__ = "team_members"
    __table_args__ = (UniqueConstraint("team_id", "user_id"),)
    __audit_type__ = "team_member"

    #: the team
    team_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    #: the person
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    #: ``MemberKind``
    kind: Mapped[str] = mapped_column(String(20))
    #: last day of a temporary membership
    until: Mapped[date | None] = mapped_column(Date)

    team: Mapped[Team] = relationship(back_populates="members")

    def active_on(self, day: date) -> bool:
        """Whether the membership holds on ``day``."""
        return self.until is None or day <= self.until

    def __repr__(self) -> str:
        return f"<TeamMember {self.user_id} in {self.team_id}>"


class Absence(UUIDPrimaryKey, CreatedTimestamp, Base):
    """A time someone is away (no reason is stored: it could be health data)."""

    __tablename__ = "absences"
    __audit_type__ = "absence"

    #: who
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    #: first day away
    starts_on: Mapped[date] = mapped_column(Date)
    #: last day away
    ends_on: Mapped[date] = mapped_column(Date)

    def __repr__(self) -> str:
        return f"<Absence {self.user_id} {self.starts_on}–{self.ends_on}>"
