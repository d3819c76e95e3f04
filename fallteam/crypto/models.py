"""Wrapped data keys (DEKs). The key-encryption keys that wrap them never enter the database."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Index, LargeBinary, text
from sqlalchemy.orm import Mapped, mapped_column

from fallteam.core.models import Base, CreatedTimestamp, UUIDPrimaryKey

#: Owner of the system data key (non-case data); case keys are owned by their case's id.
SYSTEM_OWNER = uuid.UUID(int=0)


class DataKey(UUIDPrimaryKey, CreatedTimestamp, Base):
    """One data key, stored only wrapped by a KEK version.

    An owner (a case, or the system) has exactly one active key, which new values are
    encrypted with. Re-encryption makes a new active key; the old one stays until no value
    uses it and is then destroyed. Destroying a case's keys is crypto-shredding.
    """

    __tablename__ = "data_keys"
    __table_args__ = (
        # One active key per owner, enforced by the database (two workers creating a key for
        # the same owner at once collide here).
        Index(
            "uq_data_keys_active_owner",
            "owner_id",
            unique=True,
            sqlite_where=text("active"),
            postgresql_where=text("active"),
        ),
    )

    #: the case whose data this key encrypts, or ``SYSTEM_OWNER``
    owner_id: Mapped[uuid.UUID] = mapped_column(index=True)
    #: whether new values are encrypted with this key
    active: Mapped[bool] = mapped_column(default=True)
    #: version of the KEK the key is wrapped with
    kek_version: Mapped[int]
    #: nonce | AES-GCM(KEK, DEK) with the key's own id as associated data; None once destroyed
    wrapped_key: Mapped[bytes | None] = mapped_column(LargeBinary)
    #: when the key stopped being the active one (re-encryption started)
    deactivated_dt: Mapped[datetime | None]
    #: when the key was destroyed (crypto-shredding, or retired after re-encryption)
    destroyed_dt: Mapped[datetime | None]

    def __repr__(self) -> str:
        return f"<DataKey {self.id} owner={self.owner_id} kek={self.kek_version}>"
