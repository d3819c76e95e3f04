"""Agenda items (TOPs): a case registered for a session, its guests and documents."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, object_session, relationship

from fallteam.cases.models import Case, OfOneCase, pseudonym_of_case
from fallteam.consent.models import Purpose
from fallteam.core.models import Base, CreatedTimestamp, UUIDPrimaryKey
from fallteam.crypto.types import EncryptedBytes, EncryptedJSON, EncryptedText
from fallteam.meetings.models.meeting import Meeting


class Method(enum.StrEnum):
    """How the case is worked on in the session (source, 6. Fallteam, point 5)."""

    COLLEGIAL = "kollegiale_beratung"
    CONSTELLATION = "familienaufstellung"
    PERSPECTIVE = "perspektivwechsel"
    ROLE_PLAY = "rollenspiel"


METHOD_LABELS = {
    Method.COLLEGIAL: _l("Kollegiale Beratung"),
    Method.CONSTELLATION: _l("Familienaufstellung"),
    Method.PERSPECTIVE: _l("Perspektivwechsel"),
    Method.ROLE_PLAY: _l("Rollenspiel"),
}


class Presence(enum.StrEnum):
    """A team member's attendance for one agenda item."""

    PRESENT = "present"
    LATE = "late"
    LEFT_EARLY = "left_early"
    ABSENT = "absent"
    #: absent for this item because they know the family: they see nothing of it
    CONFLICTED = "conflicted"


PRESENCE_LABELS = {
    Presence.PRESENT: _l("anwesend"),
    Presence.LATE: _l("später gekommen"),
    Presence.LEFT_EARLY: _l("früher gegangen"),
    Presence.ABSENT: _l("abwesend"),
    Presence.CONFLICTED: _l("befangen"),
}

#: who counts as present for an item (the §8a assessment and the excerpt name them)
PRESENT_FOR_ITEM = frozenset({Presence.PRESENT, Presence.LATE, Presence.LEFT_EARLY})


#: purposes of an agenda item (which consent purposes count: ``consent.rules``)
ITEM_PURPOSE_LABELS = {
    Purpose.FALLBERATUNG: _l("Kollegiale Fallberatung"),
    Purpose.GEFAEHRDUNGSEINSCHAETZUNG: _l("Gefährdungseinschätzung nach § 8a SGB VIII"),
    Purpose.HILFEPLANUNG: _l("Vorbereitung der Hilfeplanung (§ 36 SGB VIII)"),
}


class AgendaItem(OfOneCase, UUIDPrimaryKey, CreatedTimestamp, Base):
    """One case on the agenda of one session (a TOP)."""

    __tablename__ = "agenda_items"
    __audit_type__ = "agenda_item"
    __encryption_owner__ = "case_id"
    __table_args__ = (UniqueConstraint("meeting_id", "case_id"),)

    #: the session
    meeting_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("meetings.id"), index=True)
    #: the case (its key encrypts the texts below)
    case_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), index=True
    )
    #: the fallführende Fachkraft who presents it
    presenter_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    #: who entered it (the presenter, or the moderator for a late item)
    registered_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    #: ``Method``
    method: Mapped[str] = mapped_column(String(30))
    #: what the item is for (``ITEM_PURPOSE_LABELS``); decides which consents count for it
    purpose: Mapped[str] = mapped_column(String(30), default=Purpose.FALLBERATUNG)
    #: the presenter's question to the team (passes the re-identification guard)
    question: Mapped[str | None] = mapped_column(EncryptedText())
    #: the presentation the team reads (passes the re-identification guard)
    presentation: Mapped[str | None] = mapped_column(EncryptedText())
    #: free text that carries a data category, shown only to viewers to whom a consent
    #: releases that category for the person it concerns (passes the guard):
    #: [{"category": "health" | "school" | "finances", "member": member id | None (the whole
    #: family), "text": str}]
    category_notes: Mapped[list | None] = mapped_column(EncryptedJSON())
    #: expected minutes
    expected_minutes: Mapped[int] = mapped_column(default=30)
    #: place in the agreed order (0 first)
    position: Mapped[int] = mapped_column(default=0)
    #: whether the case's genogram and resource map are shown with the item
    include_genogram: Mapped[bool] = mapped_column(default=True)
    include_resource_map: Mapped[bool] = mapped_column(default=True)
    #: the presenter confirmed presenting pseudonymised to guests no consent covers
    pseudonymised_confirmed: Mapped[bool] = mapped_column(default=False)
    #: why the moderator added it after the deadline
    late_reason: Mapped[str | None] = mapped_column(EncryptedText())
    #: the session it was moved from when that one was cancelled
    moved_from_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("meetings.id"))
    #: who writes the case protocol (never the presenter)
    writer_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    #: the item's clock: running since (None when stopped) and time already used
    clock_started_dt: Mapped[datetime | None]
    elapsed_seconds: Mapped[int] = mapped_column(default=0)
    #: the method's phase the moderator moved to (``meetings.rules.PHASES`` key; None: the
    #: phase follows the clock by the planned shares)
    current_phase: Mapped[str | None] = mapped_column(String(30))
    #: the item's clock reading (seconds) when that phase began
    phase_started_seconds: Mapped[int | None]
    #: when the presenter was reminded of an unfinished registration
    reminded_dt: Mapped[datetime | None]

    case: Mapped[Case] = relationship()
    meeting: Mapped[Meeting] = relationship(foreign_keys=[meeting_id])
    guests: Mapped[list[AgendaGuest]] = relationship(
        back_populates="item", cascade="all, delete-orphan", order_by="AgendaGuest.created_dt"
    )
    documents: Mapped[list[AgendaDocument]] = relationship(
        cascade="all, delete-orphan", order_by="AgendaDocument.created_dt"
    )
    attendance: Mapped[list[ItemAttendance]] = relationship(
        cascade="all, delete-orphan", order_by="ItemAttendance.user_id"
    )

    def conflicted(self, user_id: uuid.UUID) -> bool:
        """Whether the member ``user_id`` is marked befangen for this item."""
        return any(
            a.user_id == user_id and a.presence == Presence.CONFLICTED for a in self.attendance
        )

    def __repr__(self) -> str:
        return f"<AgendaItem {self.case_id} in {self.meeting_id}>"


class AgendaGuest(UUIDPrimaryKey, CreatedTimestamp, Base):
    """A case-related guest invited to one agenda item (not a team member)."""

    __tablename__ = "agenda_guests"
    __audit_type__ = "agenda_guest"
    __table_args__ = (UniqueConstraint("item_id", "user_id"),)

    #: the item
    item_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("agenda_items.id", ondelete="CASCADE"))
    #: the guest's account (an existing user, or one made for this item)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    #: the account was made for this item (an outside person)
    account_for_item: Mapped[bool] = mapped_column(default=False)
    #: when the invitation went out (the guest sees the item from then on)
    invited_dt: Mapped[datetime | None]
    #: attendance for this item (None: not marked yet)
    present: Mapped[bool | None]

    item: Mapped[AgendaItem] = relationship(back_populates="guests")

    @property
    def audit_case_pseudonym(self) -> str | None:
        """The pseudonym of the item's case (the audit log names it, ``cases.models.OfOneCase``)."""
        return self.item.audit_case_pseudonym if self.item is not None else None

    def __repr__(self) -> str:
        return f"<AgendaGuest {self.user_id} for {self.item_id}>"


class AgendaDocument(OfOneCase, UUIDPrimaryKey, CreatedTimestamp, Base):
    """A further document the presenter attached to an item (encrypted with the case key)."""

    __tablename__ = "agenda_documents"
    __audit_type__ = "agenda_document"
    __encryption_owner__ = "case_id"

    #: the item
    item_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("agenda_items.id", ondelete="CASCADE"), index=True
    )
    #: the case whose key encrypts it
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    #: file name as uploaded
    filename: Mapped[str] = mapped_column(EncryptedText())
    #: media type, from the content
    media_type: Mapped[str] = mapped_column(String(100))
    #: size in bytes
    size: Mapped[int]
    #: the file
    content: Mapped[bytes] = mapped_column(EncryptedBytes())

    def neutral_name(self, pseudonym: str, number: int) -> str:
        """The name shown to anyone but the case manager: the uploaded name can name the
        family ("FT-2026-0042 – Unterlage 1 (PDF)")."""
        kind = "PDF" if self.media_type == "application/pdf" else "Bild"
        return f"{pseudonym} – Unterlage {number} ({kind})"

    def __repr__(self) -> str:
        return f"<AgendaDocument {self.id} of {self.item_id}>"


class ItemAttendance(UUIDPrimaryKey, Base):
    """A team member's attendance for one agenda item (``Presence``)."""

    __tablename__ = "item_attendance"
    __audit_type__ = "item_attendance"
    __table_args__ = (UniqueConstraint("item_id", "user_id"),)

    item_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("agenda_items.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    #: ``Presence``
    presence: Mapped[str] = mapped_column(String(20))

    @property
    def audit_case_pseudonym(self) -> str | None:
        """The pseudonym of the item's case (the audit log names it, ``cases.models.OfOneCase``)."""
        session = object_session(self)
        if session is None:
            return None
        with session.no_autoflush:
            item = session.get(AgendaItem, self.item_id)
        return pseudonym_of_case(item, item.case_id) if item is not None else None

    def __repr__(self) -> str:
        return f"<ItemAttendance {self.user_id} {self.presence} for {self.item_id}>"
