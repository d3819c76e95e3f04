"""Declarative base and mixins shared by every domain's models."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import DateTime, MetaData, Uuid, event
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, registry
from sqlalchemy.types import TypeDecorator

#: Constraint names are fixed so Alembic migrations can address them on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC (the only kind of time stored)."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always returned timezone-aware.

    SQLite keeps no zone, PostgreSQL does; this type makes both behave the same and refuses
    naive datetimes, which would otherwise be silently read as local time somewhere.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; store timezone-aware UTC times only")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    """Base of all models: fixed constraint names and typed columns."""

    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: UTCDateTime(), uuid.UUID: Uuid()},
    )


class UUIDPrimaryKey:
    """A random UUID primary key made by the client when the object is constructed.

    The id exists before the INSERT so encrypted fields can bind their ciphertext to the row.
    """

    #: primary key, made at construction
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)


@event.listens_for(UUIDPrimaryKey, "init", propagate=True)
def _assign_id(target, args, kwargs) -> None:
    if kwargs.get("id") is None:
        kwargs["id"] = uuid.uuid4()


class CreatedTimestamp:
    """When the row was created (UTC)."""

    #: creation time (UTC)
    created_dt: Mapped[datetime] = mapped_column(default=utcnow)
