"""Cases, their family members, genogram relations, resource map and participants.

Everything that identifies a family or tells its story is encrypted with the case's own data
key; the team knows a case only by its pseudonym and role labels.
"""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, object_session, relationship

from fallteam.core.models import Base, CreatedTimestamp, UUIDPrimaryKey
from fallteam.crypto.types import EncryptedJSON, EncryptedText


class CaseCategory(enum.StrEnum):
    """Which kind of case (Potsdam-Mittelmark standards, section 6, point 2a)."""

    HZE = "hze"
    SGB2 = "sgb2"
    EINGLIEDERUNG = "eingliederungshilfe"
    VORMUNDSCHAFT = "vormundschaft"
    SONSTIGE = "sonstige"


CATEGORY_LABELS = {
    CaseCategory.HZE: _l("Hilfen zur Erziehung"),
    CaseCategory.SGB2: _l("SGB II – Belastungsfaktoren vermutet"),
    CaseCategory.EINGLIEDERUNG: _l("Eingliederungshilfe (§ 35a SGB VIII / SGB IX)"),
    CaseCategory.VORMUNDSCHAFT: _l("Vormundschaft/Pflegschaft"),
    CaseCategory.SONSTIGE: _l("Sonstiger Fall"),
}


class ClosingReason(enum.StrEnum):
    """Why the fallführende Fachkraft closed a case (a short list: no case content)."""

    GOAL_REACHED = "ziel_erreicht"
    HELP_ENDED = "hilfe_beendet"
    HANDED_OVER = "abgegeben"
    WITHDRAWN = "mitwirkung_beendet"
    OTHER = "sonstiges"


CLOSING_REASON_LABELS = {
    ClosingReason.GOAL_REACHED: _l("Ziel erreicht, keine weitere Beratung nötig"),
    ClosingReason.HELP_ENDED: _l("Hilfe beendet oder ausgelaufen (z. B. Volljährigkeit)"),
    ClosingReason.HANDED_OVER: _l("Zuständigkeit abgegeben (Umzug, anderer Dienst)"),
    ClosingReason.WITHDRAWN: _l("Familie wirkt nicht mehr mit"),
    ClosingReason.OTHER: _l("Sonstiger Grund"),
}


class ReopeningReason(enum.StrEnum):
    """Why the owner reopens a closed case."""

    NEW_NEED = "neuer_bedarf"
    CLOSED_IN_ERROR = "irrtuemlich"
    OTHER = "sonstiges"


REOPENING_REASON_LABELS = {
    ReopeningReason.NEW_NEED: _l("Erneuter Beratungs- oder Hilfebedarf"),
    ReopeningReason.CLOSED_IN_ERROR: _l("Irrtümlich abgeschlossen"),
    ReopeningReason.OTHER: _l("Sonstiger Grund"),
}


class BackgroundStatus(enum.StrEnum):
    """Whether the background text may be shown to the team (re-identification guard)."""

    EMPTY = "empty"
    RELEASED = "released"
    HELD = "held"


class OfOneCase:
    """Mixin of every table whose rows belong to one case (a ``case_id`` column): the audit
    log names that case by its pseudonym (``audit.operations.record`` reads
    ``audit_case_pseudonym``), so that "who touched case X" — refusals included — is one look
    at the log. The case is taken from the session's identity map: no query while it is
    loaded, which it is wherever a row of it was just read or changed."""

    @property
    def audit_case_pseudonym(self) -> str | None:
        """The pseudonym of the case this row belongs to (None when it cannot be found)."""
        return pseudonym_of_case(self, getattr(self, "case_id", None))


def pseudonym_of_case(row: object, case_id: uuid.UUID | None) -> str | None:
    """The pseudonym of case ``case_id``, loaded through the session ``row`` belongs to."""
    session = object_session(row)
    if session is None or case_id is None:
        return None
    with session.no_autoflush:  # asked while recording: never flush half-made work
        case = session.get(Case, case_id)
    return case.pseudonym if case is not None else None


class Case(UUIDPrimaryKey, CreatedTimestamp, Base):
    """A family's case, managed by one fallführende Fachkraft."""

    __tablename__ = "cases"
    __encryption_owner__ = "id"
    __audit_type__ = "case"

    #: the team's name for the case, e.g. FT-2026-0042 (never derived from the identity)
    pseudonym: Mapped[str] = mapped_column(String(20), unique=True)
    #: the fallführende Fachkraft
    case_manager_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    #: ``CaseCategory``
    category: Mapped[str] = mapped_column(String(30))
    #: risk assessment under SGB VIII § 8a
    child_protection: Mapped[bool] = mapped_column(default=False)
    #: the office's own file number (Aktenzeichen)
    file_number: Mapped[str | None] = mapped_column(EncryptedText())
    #: blind index of the file number, for the duplicate check
    file_number_index: Mapped[str | None] = mapped_column(String(64), index=True)
    #: free-text background
    background: Mapped[str | None] = mapped_column(EncryptedText())
    #: ``BackgroundStatus``: shown to the team only once released
    background_status: Mapped[str] = mapped_column(String(10), default=BackgroundStatus.EMPTY)
    #: why the background was released despite possible identity hits
    background_release_reason: Mapped[str | None] = mapped_column(EncryptedText())
    #: who registered it
    created_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    #: the day its owner closed it (None: open); starts the retention clock
    closed_on: Mapped[date | None] = mapped_column(Date)
    #: why (``ClosingReason``)
    closing_reason: Mapped[str | None] = mapped_column(String(30))
    #: the owner's note on closing (may name the family: encrypted)
    closing_note: Mapped[str | None] = mapped_column(EncryptedText())
    #: the day its data are due for deletion (Löschfrist, ``retention.rules``), computed where
    #: the owner's request decrypts the family (a date only: the birth date is never copied)
    deletion_due_on: Mapped[date | None] = mapped_column(Date, index=True)
    #: when its data were deleted (crypto-shredded); the row stays as a tombstone
    deleted_dt: Mapped[datetime | None]
    #: restriction of processing (Sperrung, § 84 Abs. 3 SGB X, Art. 18 DSGVO):
    #: ``retention.rules.RestrictionState`` (None: not restricted)
    restriction: Mapped[str | None] = mapped_column(String(10))
    #: the ground (``retention.rules.RestrictionReason``)
    restriction_reason: Mapped[str | None] = mapped_column(String(30))
    #: when it was asked for (by the owner) or set (by the DPO)
    restriction_requested_dt: Mapped[datetime | None]
    #: the DPO who approved or set it, and when
    restricted_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    restricted_dt: Mapped[datetime | None]
    #: the one owner the DPO approved: nobody else reads the case while it is restricted
    restricted_for_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    #: the DPO who last lifted or declined its restriction: never the second person who
    #: confirms its deletion (four eyes)
    restriction_ended_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    #: the day the family disputed the accuracy of its data (bestritten, Art. 18 DSGVO,
    #: § 84 SGB X): shown with the data wherever the case is shown
    disputed_on: Mapped[date | None] = mapped_column(Date)

    members: Mapped[list[FamilyMember]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="FamilyMember.position"
    )
    relations: Mapped[list[FamilyRelation]] = relationship(cascade="all, delete-orphan")
    resources: Mapped[list[ResourceEntry]] = relationship(cascade="all, delete-orphan")
    participants: Mapped[list[CaseParticipant]] = relationship(cascade="all, delete-orphan")

    @property
    def audit_case_pseudonym(self) -> str:
        """The pseudonym the audit log names this case by."""
        return self.pseudonym

    @property
    def closed(self) -> bool:
        """Whether its owner closed it."""
        return self.closed_on is not None

    @property
    def deleted(self) -> bool:
        """Whether its data were deleted (only the pseudonym and dates remain)."""
        return self.deleted_dt is not None

    def __repr__(self) -> str:
        return f"<Case {self.pseudonym}>"


class Sex(enum.StrEnum):
    """For the genogram symbol."""

    FEMALE = "f"
    MALE = "m"
    DIVERSE = "d"
    UNKNOWN = "u"


#: Roles in the family as the team names them; the pseudonymised view shows these.
FAMILY_ROLES = [
    "Mutter",
    "Vater",
    "Kind",
    "Pflegemutter",
    "Pflegevater",
    "Pflegekind",
    "Stiefmutter",
    "Stiefvater",
    "Großmutter",
    "Großvater",
    "Partnerin",
    "Partner",
    "Vormund",
    "Sonstige",
]
#: the roles in the visitor's language (stored and compared are the German words above)
FAMILY_ROLE_LABELS = {
    "Mutter": _l("Mutter"),
    "Vater": _l("Vater"),
    "Kind": _l("Kind"),
    "Pflegemutter": _l("Pflegemutter"),
    "Pflegevater": _l("Pflegevater"),
    "Pflegekind": _l("Pflegekind"),
    "Stiefmutter": _l("Stiefmutter"),
    "Stiefvater": _l("Stiefvater"),
    "Großmutter": _l("Großmutter"),
    "Großvater": _l("Großvater"),
    "Partnerin": _l("Partnerin"),
    "Partner": _l("Partner"),
    "Vormund": _l("Vormund"),
    "Sonstige": _l("Sonstige"),
}
#: roles shown with their age in the pseudonymised view
CHILD_ROLES = {"Kind", "Pflegekind"}


class FamilyMember(OfOneCase, UUIDPrimaryKey, Base):
    """One person of the family. The real identity is encrypted; role and sex are not."""

    __tablename__ = "family_members"
    __encryption_owner__ = "case_id"
    __audit_type__ = "family_member"
    __table_args__ = (Index("ix_family_members_case_position", "case_id", "position"),)

    #: the case
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    #: order in the family list (children are numbered in this order)
    position: Mapped[int] = mapped_column(default=0)
    #: role in the family (``FAMILY_ROLES``)
    role: Mapped[str] = mapped_column(String(30))
    #: ``Sex``
    sex: Mapped[str] = mapped_column(String(1), default=Sex.UNKNOWN)
    #: first name
    first_name: Mapped[str | None] = mapped_column(EncryptedText())
    #: surname
    last_name: Mapped[str | None] = mapped_column(EncryptedText())
    #: birth date, ISO format
    birth_date: Mapped[str | None] = mapped_column(EncryptedText())
    #: postal address
    address: Mapped[str | None] = mapped_column(EncryptedText())
    #: genogram facts: {"deceased": bool, "in_household": bool, "is_index": bool}
    facts: Mapped[dict | None] = mapped_column(EncryptedJSON())
    #: blind index of surname + first name + birth date, for the duplicate check
    identity_index: Mapped[str | None] = mapped_column(String(64), index=True)

    case: Mapped[Case] = relationship(back_populates="members")

    @property
    def born(self) -> date | None:
        """The birth date as a date."""
        return date.fromisoformat(self.birth_date) if isinstance(self.birth_date, str) else None

    def fact(self, name: str) -> bool:
        """One genogram fact (False when unknown or shredded)."""
        return bool(isinstance(self.facts, dict) and self.facts.get(name))

    def __repr__(self) -> str:
        return f"<FamilyMember {self.role} of {self.case_id}>"


class RelationKind(enum.StrEnum):
    """Genogram relations."""

    PARENT_OF = "parent_of"
    PARTNER_OF = "partner_of"
    SEPARATED = "separated"
    DIVORCED = "divorced"


RELATION_LABELS = {
    RelationKind.PARENT_OF: _l("ist Elternteil von"),
    RelationKind.PARTNER_OF: _l("ist Partner/in von"),
    RelationKind.SEPARATED: _l("lebt getrennt von"),
    RelationKind.DIVORCED: _l("ist geschieden von"),
}


class FamilyRelation(OfOneCase, UUIDPrimaryKey, Base):
    """One line of the genogram, stored encrypted: {"kind", "a", "b"} (member ids)."""

    __tablename__ = "family_relations"
    __encryption_owner__ = "case_id"
    __audit_type__ = "family_relation"

    #: the case
    case_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), index=True
    )
    #: {"kind": RelationKind, "a": member id, "b": member id}
    details: Mapped[dict] = mapped_column(EncryptedJSON())

    def __repr__(self) -> str:
        return f"<FamilyRelation of {self.case_id}>"


class ResourceKind(enum.StrEnum):
    """What stands around the family on the resource map."""

    PERSON = "person"
    SERVICE = "service"
    INSTITUTION = "institution"


class ResourceQuality(enum.StrEnum):
    """How the connection is: strength or strain."""

    STRONG = "strong"
    WEAK = "weak"
    STRAINED = "strained"
    AMBIVALENT = "ambivalent"


RESOURCE_KIND_LABELS = {
    ResourceKind.PERSON: _l("Person"),
    ResourceKind.SERVICE: _l("Dienst/Angebot"),
    ResourceKind.INSTITUTION: _l("Einrichtung"),
}
RESOURCE_QUALITY_LABELS = {
    ResourceQuality.STRONG: _l("stark (Ressource)"),
    ResourceQuality.WEAK: _l("schwach"),
    ResourceQuality.STRAINED: _l("belastend"),
    ResourceQuality.AMBIVALENT: _l("ambivalent"),
}


class ResourceEntry(OfOneCase, UUIDPrimaryKey, Base):
    """A person or service around the family (Ressourcenkarte)."""

    __tablename__ = "resource_entries"
    __encryption_owner__ = "case_id"
    __audit_type__ = "resource_entry"

    #: the case
    case_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), index=True
    )
    #: ``ResourceKind``
    kind: Mapped[str] = mapped_column(String(20))
    #: ``ResourceQuality``
    quality: Mapped[str] = mapped_column(String(20))
    #: who or what, e.g. "Oma Erika", "Kita Sonnenblume" (identifying: encrypted)
    label: Mapped[str] = mapped_column(EncryptedText())

    def __repr__(self) -> str:
        return f"<ResourceEntry {self.kind} of {self.case_id}>"


class ParticipantKind(enum.StrEnum):
    """In which capacity someone takes part in a case's presentation."""

    MEMBER = "member"
    GUEST = "guest"


class CaseParticipant(OfOneCase, UUIDPrimaryKey, CreatedTimestamp, Base):
    """Someone who may see the case's (pseudonymised) presentation, for a time window.

    Sessions (a later issue) create these for the team and the invited guests of an agenda
    item; until then the fallführende Fachkraft grants them by hand.
    """

    __tablename__ = "case_participants"
    __audit_type__ = "case_participant"

    #: the case
    case_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), index=True
    )
    #: who
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    #: ``ParticipantKind``
    kind: Mapped[str] = mapped_column(String(10))
    #: from when
    valid_from_dt: Mapped[datetime]
    #: until when (end of the session day for guests)
    valid_until_dt: Mapped[datetime]
    #: who granted it
    granted_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))

    def __repr__(self) -> str:
        return f"<CaseParticipant {self.user_id} in {self.case_id}>"


class PseudonymCounter(Base):
    """The last number given out per prefix and year (FT-2026-0042)."""

    __tablename__ = "pseudonym_counters"

    #: prefix (the team's, later)
    prefix: Mapped[str] = mapped_column(String(10), primary_key=True)
    #: calendar year
    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    #: last number given out
    last: Mapped[int] = mapped_column(default=0)

    def __repr__(self) -> str:
        return f"<PseudonymCounter {self.prefix}-{self.year}: {self.last}>"
