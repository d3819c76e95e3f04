"""Models that exist only for the crypto tests (cases arrive with a later issue).

They live in their own registry so the migrations-match-models test is not disturbed; the
encryption events apply to every mapper and session, these included.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import MetaData, Uuid
from sqlalchemy.orm import DeclarativeBase, Mapped, deferred, mapped_column, registry

from fallteam.core.models import UTCDateTime, UUIDPrimaryKey
from fallteam.crypto.types import EncryptedBytes, EncryptedJSON, EncryptedText


class CryptoTestBase(DeclarativeBase):
    registry = registry(
        metadata=MetaData(), type_annotation_map={datetime: UTCDateTime(), uuid.UUID: Uuid()}
    )


class Family(UUIDPrimaryKey, CryptoTestBase):
    """A case-like owner: its values are encrypted with its own data key."""

    __tablename__ = "test_families"
    __encryption_owner__ = "id"

    name: Mapped[str] = mapped_column(EncryptedText())
    narrative: Mapped[str | None] = mapped_column(EncryptedText())
    profile: Mapped[dict | None] = mapped_column(EncryptedJSON())
    document: Mapped[bytes | None] = deferred(mapped_column(EncryptedBytes()))


class Member(UUIDPrimaryKey, CryptoTestBase):
    """A value of a case stored in another table: same case key, its own place."""

    __tablename__ = "test_members"
    __encryption_owner__ = "case_id"

    case_id: Mapped[uuid.UUID]
    name: Mapped[str] = mapped_column(EncryptedText())


class Note(UUIDPrimaryKey, CryptoTestBase):
    """Non-case data: encrypted with the system key."""

    __tablename__ = "test_notes"

    text: Mapped[str] = mapped_column(EncryptedText())
