"""Wrapped data keys (DEKs). The key-encryption keys that wrap them never enter the database."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from fallteam.core.models import Base, CreatedTimestamp, UUIDPrimaryKey

SYSTEM_SCOPE = "system"
CASE_SCOPE = "case"


class DataKey(UUIDPrimaryKey, CreatedTimestamp, Base):
    """One data key, stored only wrapped by a KEK version."""

    __tablename__ = "data_keys"

    #: ``system`` for non-case data, ``case`` for one case's data
    scope: Mapped[str] = mapped_column(String(16))
    #: the case this key belongs to (``None`` for the system key)
    case_id: Mapped[uuid.UUID | None] = mapped_column(unique=True)
    #: version of the KEK the key is wrapped with
    kek_version: Mapped[int]
    #: nonce | AES-GCM(KEK, DEK) with the key's own id as associated data
    wrapped_key: Mapped[bytes | None] = mapped_column(LargeBinary)
    #: when the key was destroyed (crypto-shredding); the wrapped key is gone then
    shredded_dt: Mapped[datetime | None]

    def __repr__(self) -> str:
        return f"<DataKey {self.id} {self.scope} kek={self.kek_version}>"
