"""Schweigepflichtsentbindungen. Nothing is ever deleted: corrections are new versions and a
revocation (Widerruf) ends a consent at the moment it is recorded."""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Date, ForeignKey, String
from sqlalchemy.orm import Mapped, deferred, mapped_column

from fallteam.cases.models import OfOneCase
from fallteam.core.models import Base, CreatedTimestamp, UUIDPrimaryKey
from fallteam.crypto.types import EncryptedBytes, EncryptedText


class GrantorCapacity(enum.StrEnum):
    """In which capacity the family member released the information."""

    CUSTODIAL_PARENT = "sorgeberechtigt"
    YOUNG_PERSON = "jugendlich_14"
    YOUNG_ADULT = "jung_volljaehrig"
    GUARDIAN = "vormund"


CAPACITY_LABELS = {
    GrantorCapacity.CUSTODIAL_PARENT: _l("sorgeberechtigter Elternteil"),
    GrantorCapacity.YOUNG_PERSON: _l("junger Mensch ab 14 Jahren"),
    GrantorCapacity.YOUNG_ADULT: _l("junge/r Volljährige/r"),
    GrantorCapacity.GUARDIAN: _l("Vormund/Pfleger/in"),
}


class Purpose(enum.StrEnum):
    """What the released information may be used for."""

    FALLBERATUNG = "fallberatung"
    HILFEPLANUNG = "hilfeplanung"
    GEFAEHRDUNGSEINSCHAETZUNG = "gefaehrdungseinschaetzung"


PURPOSE_LABELS = {
    Purpose.FALLBERATUNG: _l("Fallberatung im Fallteam"),
    Purpose.HILFEPLANUNG: _l("Hilfeplanung (§ 36 SGB VIII)"),
    Purpose.GEFAEHRDUNGSEINSCHAETZUNG: _l("Gefährdungseinschätzung (§ 8a SGB VIII)"),
}


class DataCategory(enum.StrEnum):
    """Which kinds of data a consent releases."""

    IDENTITY = "identity"
    ADDRESS = "address"
    HEALTH = "health"
    SCHOOL = "school"
    FINANCES = "finances"


CATEGORY_LABELS = {
    DataCategory.IDENTITY: _l("Identität (Namen, Geburtsdaten)"),
    DataCategory.ADDRESS: _l("Anschrift"),
    DataCategory.HEALTH: _l("Gesundheit"),
    DataCategory.SCHOOL: _l("Schule/Kita"),
    DataCategory.FINANCES: _l("Finanzen/Leistungsbezug"),
}


class RecipientType(enum.StrEnum):
    """Whom a consent names: a person, an institution, or a kind of participant."""

    USER = "user"
    INSTITUTION = "institution"
    PARTICIPANT_KIND = "participant_kind"


class ConsentForm(enum.StrEnum):
    """How the consent was given."""

    WRITTEN = "schriftlich"
    VERBAL_WITH_WITNESS = "muendlich_zeuge"


FORM_LABELS = {
    ConsentForm.WRITTEN: _l("schriftlich (unterschrieben)"),
    ConsentForm.VERBAL_WITH_WITNESS: _l("mündlich, mit Zeugin/Zeugen dokumentiert"),
}


class Consent(OfOneCase, UUIDPrimaryKey, CreatedTimestamp, Base):
    """One version of a Schweigepflichtsentbindung for one case."""

    __tablename__ = "consents"
    __encryption_owner__ = "case_id"
    __audit_type__ = "consent"

    #: the case
    case_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), index=True
    )
    #: the earlier version this one corrects (None for the first)
    supersedes_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("consents.id"), index=True)
    #: the family member who released the information
    grantor_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("family_members.id"))
    #: ``GrantorCapacity``
    grantor_capacity: Mapped[str] = mapped_column(String(30))
    #: "sorgeberechtigt für …": ids (str) of the case's children whose data the grantor
    #: releases as custodial parent or guardian; the grantor's own data are always released
    custody_for: Mapped[list] = mapped_column(JSON, default=list)
    #: [{"type": RecipientType, "value": user id | institution id | participant kind}]
    recipients: Mapped[list] = mapped_column(JSON)
    #: [Purpose]
    purposes: Mapped[list] = mapped_column(JSON)
    #: [DataCategory]
    data_categories: Mapped[list] = mapped_column(JSON)
    #: first day in force
    valid_from: Mapped[date] = mapped_column(Date)
    #: last day in force (None: until revoked)
    valid_until: Mapped[date | None] = mapped_column(Date)
    #: ``ConsentForm``
    form: Mapped[str] = mapped_column(String(20))
    #: witness of a verbal consent
    witness: Mapped[str | None] = mapped_column(EncryptedText())
    #: the signed document (PDF or image), encrypted; loaded only when asked for
    document: Mapped[bytes | None] = deferred(mapped_column(EncryptedBytes()))
    #: its checked content type
    document_type: Mapped[str | None] = mapped_column(String(40))
    #: its file name as uploaded
    document_name: Mapped[str | None] = mapped_column(EncryptedText())
    #: who recorded it
    recorded_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    #: when the revocation was recorded (it takes effect at that moment)
    revoked_dt: Mapped[datetime | None]
    #: the day the family member declared the revocation
    revoked_on: Mapped[date | None] = mapped_column(Date)
    #: who received the revocation
    revocation_received_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    #: notes on the revocation
    revocation_note: Mapped[str | None] = mapped_column(EncryptedText())

    def __repr__(self) -> str:
        return f"<Consent {self.id} case={self.case_id}>"
