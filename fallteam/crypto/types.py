"""Encrypted column types: models declare ``mapped_column(EncryptedText())`` and never see crypto.

A column type alone sees only the value, not the row it belongs to, so the work happens in
session and mapper events that know the instance:

- ``before_flush`` seals every new or changed plaintext with the owner's data key, bound to
  table, column, row id and case id (the row's UUID exists from construction on);
- ``load`` / ``refresh`` open the sealed values of loaded rows through ``envelope.decrypt``.

The column type itself refuses plaintext, so a bulk statement that bypasses the events
cannot write unencrypted data. A model whose values belong to a case names the attribute
holding the case id in ``__encryption_owner__`` (``"id"`` for the case itself); without it,
values are encrypted with the system key.
"""

from __future__ import annotations

import json
import uuid
from functools import cache
from typing import Any

from sqlalchemy import LargeBinary, event, inspect
from sqlalchemy.orm import Mapper, Session, defer
from sqlalchemy.orm.attributes import instance_dict, instance_state, set_committed_value
from sqlalchemy.types import TypeDecorator

from fallteam.crypto import envelope
from fallteam.crypto.aead import Place
from fallteam.crypto.runtime import plaintext_baseline


class UnsealedValueError(TypeError):
    """Plaintext was about to reach the database without passing the encryption events."""


class Sealed:
    """A ciphertext on its way between the database and the events."""

    __slots__ = ("blob",)

    def __init__(self, blob: bytes) -> None:
        self.blob = blob

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sealed) and other.blob == self.blob

    def __hash__(self) -> int:
        return hash(self.blob)

    def __repr__(self) -> str:
        return f"<Sealed {len(self.blob)} bytes>"


class _EncryptedType(TypeDecorator[Any]):
    impl = LargeBinary
    cache_ok = True

    def process_bind_param(self, value: Any, dialect) -> bytes | None:
        if value is None:
            return None
        if isinstance(value, Sealed):
            return value.blob
        raise UnsealedValueError(
            "Klartext für eine verschlüsselte Spalte: nur über die ORM-Sitzung speichern."
        )

    def process_result_value(self, value: bytes | None, dialect) -> Sealed | None:
        return None if value is None else Sealed(bytes(value))

    # Each concrete type defines to_bytes(value) -> bytes and from_bytes(bytes) -> value.


class EncryptedText(_EncryptedType):
    """A string, encrypted (UTF-8)."""

    cache_ok = True

    def to_bytes(self, value: str) -> bytes:
        return value.encode("utf-8")

    def from_bytes(self, data: bytes) -> str:
        return data.decode("utf-8")


class EncryptedJSON(_EncryptedType):
    """A JSON document, encrypted. Assign a new value to change it (no in-place tracking)."""

    cache_ok = True

    def to_bytes(self, value: Any) -> bytes:
        return json.dumps(value, ensure_ascii=False, sort_keys=True).encode("utf-8")

    def from_bytes(self, data: bytes) -> Any:
        return json.loads(data.decode("utf-8"))


class EncryptedBytes(_EncryptedType):
    """Binary content (uploaded documents), encrypted. Declare it ``deferred`` on big columns."""

    cache_ok = True

    def to_bytes(self, value: bytes) -> bytes:
        return bytes(value)

    def from_bytes(self, data: bytes) -> bytes:
        return data


@cache
def encrypted_attributes(mapper: Mapper) -> tuple[tuple[str, str, _EncryptedType], ...]:
    """(attribute key, column name, type) of every encrypted column of a mapped class."""
    found = []
    for prop in mapper.column_attrs:
        for column in prop.columns:
            if isinstance(column.type, _EncryptedType) and column.table is mapper.local_table:
                found.append((prop.key, column.name, column.type))
    return tuple(found)


@cache
def _sealing_of(cls: type) -> tuple[str, tuple[tuple[str, str, _EncryptedType], ...]]:
    """The table and encrypted attributes of a mapped class, looked up once per class."""
    mapper = inspect(cls)
    return mapper.local_table.name, encrypted_attributes(mapper)


def sealed_left_unloaded(*entities: Any) -> list[Any]:
    """Loader options that leave every encrypted column of ``entities`` unloaded: for a page
    that shows none of them, nothing is decrypted and no data key unwrapped (a column asked
    for later is loaded, and opened, on access)."""
    return [
        defer(getattr(entity, key))
        for entity in entities
        for key, _column, _type in _sealing_of(entity)[1]
    ]


def owner_case_id(obj: Any) -> uuid.UUID | None:
    """The case an instance's encrypted values belong to (None: system data)."""
    attribute = getattr(type(obj), "__encryption_owner__", None)
    return getattr(obj, attribute) if attribute else None


def place_of(obj: Any, column: str) -> Place:
    """The place of one encrypted value of ``obj``."""
    table = _sealing_of(type(obj))[0]
    return Place(table=table, column=column, row_id=obj.id, case_id=owner_case_id(obj))


_RESTORE = "fallteam.crypto.restore"


@event.listens_for(Session, "before_flush")
def _seal_plaintexts(session: Session, flush_context, instances) -> None:
    restore = session.info.setdefault(_RESTORE, [])
    plaintext = plaintext_baseline()
    for obj in [*session.new, *session.dirty]:
        attributes = _sealing_of(type(obj))[1]
        if not attributes:
            continue
        state = inspect(obj)
        owner = getattr(type(obj), "__encryption_owner__", None)
        if owner and not state.pending and state.attrs[owner].history.has_changes():
            # Its values are sealed for the old case and key; moving them would make them
            # unreadable, and shredding the new case would not cover them.
            raise UnsealedValueError(
                "Verschlüsselte Daten können nicht in einen anderen Fall verschoben werden."
            )
        for key, column, type_ in attributes:
            value = state.dict.get(key)
            if value is None or isinstance(value, Sealed):
                continue
            if not state.pending and not state.attrs[key].history.has_changes():
                continue
            if value is envelope.SHREDDED:
                raise envelope.DecryptionError("Ein gelöschter Wert kann nicht gespeichert werden.")
            if obj.id is None:
                raise UnsealedValueError("Zeile ohne ID: der Wert ließe sich nicht binden.")
            if plaintext:  # benchmark baseline only: stored as is, no data key
                blob = type_.to_bytes(value)
            else:
                blob = envelope.encrypt(session, type_.to_bytes(value), place_of(obj, column))
            setattr(obj, key, Sealed(blob))
            restore.append((obj, key, value))


@event.listens_for(Session, "after_flush_postexec")
def _restore_plaintexts(session: Session, flush_context) -> None:
    # The objects keep holding plaintext for the rest of the unit of work.
    for obj, key, value in session.info.pop(_RESTORE, []):
        set_committed_value(obj, key, value)


@event.listens_for(Session, "after_soft_rollback")
def _restore_after_failed_flush(session: Session, previous_transaction) -> None:
    for obj, key, value in session.info.pop(_RESTORE, []):
        if isinstance(inspect(obj).dict.get(key), Sealed):
            inspect(obj).dict[key] = value


def open_sealed(obj: Any, only: set[str] | None = None) -> None:
    """Replace the sealed values of a loaded instance by their plaintext (or ``SHREDDED``)."""
    # Runs for every row any query loads (a list page loads hundreds): the common cases —
    # no encrypted column, or none of them loaded — leave before anything else is looked up.
    table, attributes = _sealing_of(type(obj))
    if not attributes:
        return
    loaded = instance_dict(obj)
    sealed = [
        (key, column, type_, value)
        for key, column, type_ in attributes
        if isinstance(value := loaded.get(key), Sealed) and (only is None or key in only)
    ]
    if not sealed:
        return
    state = instance_state(obj)
    keys = envelope.request_keys()
    opened = {}
    if keys.plaintext:  # benchmark baseline only: the stored bytes are the plaintext
        for key, _column, type_, value in sealed:
            opened[key] = type_.from_bytes(value.blob)
    else:
        row_id, case_id = obj.id, owner_case_id(obj)
        session = state.session
        for key, column, type_, value in sealed:
            place = Place(table, column, row_id, case_id)
            plain = envelope.decrypt(session, value.blob, place, keys)
            opened[key] = plain if plain is envelope.SHREDDED else type_.from_bytes(plain)
    changed = state.committed_state
    for key, plain in opened.items():
        if key in changed:
            set_committed_value(obj, key, plain)
        else:  # as loaded, without history: what set_committed_value does, for less
            loaded[key] = plain


@event.listens_for(Mapper, "load")
def _open_on_load(obj, context) -> None:
    open_sealed(obj)


@event.listens_for(Mapper, "refresh")
def _open_on_refresh(obj, context, attrs) -> None:
    open_sealed(obj, set(attrs) if attrs else None)
