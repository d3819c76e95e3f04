"""Key lifecycle: KEK rotation, re-encryption with new data keys, crypto-shredding.

Each function does one batch and flushes; the CLI loops and commits per batch, so a run can
be stopped at any point and started again: it continues where it stopped.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from sqlalchemy import Table, bindparam, func, select, update
from sqlalchemy.orm import registry as Registry

from fallteam.audit.models import AuditAction
from fallteam.audit.operations import record
from fallteam.core.models import Base, utcnow
from fallteam.crypto import aead, envelope
from fallteam.crypto.keyring import KeyProvider
from fallteam.crypto.models import SYSTEM_OWNER, DataKey
from fallteam.crypto.runtime import current_keyring, kek, replace_keyring
from fallteam.crypto.types import Sealed, encrypted_attributes
from fallteam.extensions import db


@dataclass(frozen=True)
class EncryptedColumn:
    """One encrypted column, with what is needed to rebuild its values' places."""

    table: Table
    column: str
    type_: object
    owner_column: str | None


def encrypted_columns(registries: Iterable[Registry] = (Base.registry,)) -> list[EncryptedColumn]:
    """Every encrypted column of the mapped classes."""
    found = []
    for reg in registries:
        for mapper in reg.mappers:
            owner_attr = getattr(mapper.class_, "__encryption_owner__", None)
            owner_column = mapper.attrs[owner_attr].columns[0].name if owner_attr else None
            for _key, column, type_ in encrypted_attributes(mapper):
                found.append(EncryptedColumn(mapper.local_table, column, type_, owner_column))
    return found


# --- KEK rotation ------------------------------------------------------------------------


def add_kek_version(provider: KeyProvider) -> int:
    """Store a new KEK version and make it active here; data keys still use the old one."""
    ring = current_keyring().with_new_kek()
    provider.store(ring)
    replace_keyring(ring)
    record(AuditAction.KEY_ROTATION, details={"phase": "started", "kek_version": ring.active_kek})
    return ring.active_kek


def rewrap_batch(limit: int = 1000) -> int:
    """Rewrap up to ``limit`` data keys under the active KEK; data rows are not touched."""
    active = current_keyring().active_kek
    # Locked while rewrapped, so a concurrent shredding waits and cannot be undone by us.
    keys = db.session.scalars(
        select(DataKey)
        .where(DataKey.wrapped_key.is_not(None), DataKey.kek_version != active)
        .order_by(DataKey.id)
        .limit(limit)
        .with_for_update()
    ).all()
    for key in keys:
        dek = aead.unwrap_key(kek(key.kek_version), key.id, key.wrapped_key)
        key.wrapped_key = aead.wrap_key(kek(active), key.id, dek)
        key.kek_version = active
    db.session.flush()
    return len(keys)


def finish_kek_rotation(rewrapped: int) -> None:
    """Note the end of a rotation in the audit log."""
    record(
        AuditAction.KEY_ROTATION,
        details={
            "phase": "finished",
            "kek_version": current_keyring().active_kek,
            "rewrapped": rewrapped,
        },
    )


def keys_by_kek_version() -> dict[int, int]:
    """How many live data keys each KEK version wraps."""
    rows = db.session.execute(
        select(DataKey.kek_version, func.count())
        .where(DataKey.wrapped_key.is_not(None))
        .group_by(DataKey.kek_version)
    ).all()
    return {version: count for version, count in rows}


# --- re-encryption -----------------------------------------------------------------------


def _retiring_keys(*, lock: bool = False) -> list[DataKey]:
    query = select(DataKey).where(DataKey.active.is_(False), DataKey.wrapped_key.is_not(None))
    return list(db.session.scalars(query.with_for_update() if lock else query))


def reencryption_pending() -> bool:
    """Whether a re-encryption was started and has not finished."""
    return bool(_retiring_keys())


def start_reencryption() -> int:
    """Give every owner a new data key; the old ones retire once nothing uses them."""
    # Deactivating waits for every transaction still encrypting with a key (it holds the key
    # row FOR SHARE), so no value can be written with a key after it was deactivated.
    owners = db.session.scalars(
        select(DataKey)
        .where(DataKey.active.is_(True), DataKey.wrapped_key.is_not(None))
        .with_for_update()
    ).all()
    now = utcnow()
    for old in owners:
        old.active = False
        old.deactivated_dt = now
    db.session.flush()
    for old in owners:
        envelope.create_key(db.session, old.owner_id)
    db.session.flush()
    record(AuditAction.REENCRYPTION, details={"phase": "started", "keys": len(owners)})
    return len(owners)


def _sealed_with(column: EncryptedColumn, key_ids: list[uuid.UUID], limit: int) -> Iterator:
    table = column.table
    owner = table.c[column.owner_column] if column.owner_column else None
    query = (
        select(table.c.id, table.c[column.column], *([owner] if owner is not None else []))
        .where(func.substr(table.c[column.column], 2, 16).in_([k.bytes for k in key_ids]))
        .limit(limit)
    )
    return iter(db.session.execute(query).all())


def reencrypt_batch(limit: int = 1000, registries: Iterable[Registry] = (Base.registry,)) -> int:
    """Re-encrypt up to ``limit`` values still sealed with a retiring key.

    Each value is written only if it is still the one that was read, so an edit made
    meanwhile is never overwritten (that value is already sealed with the new key).
    """
    retiring = [k.id for k in _retiring_keys()]
    if not retiring:
        return 0
    done = 0
    for column in encrypted_columns(registries):
        table, name = column.table, column.column
        changes = []
        for row in _sealed_with(column, retiring, limit - done):
            case_id = row[2] if column.owner_column else None
            place = aead.Place(table.name, name, row[0], case_id)
            plain = envelope.decrypt(db.session, row[1].blob, place)
            fresh = envelope.encrypt(db.session, plain, place)
            changes.append({"_id": row[0], "_old": row[1], "_new": Sealed(fresh)})
        if changes:
            db.session.execute(
                update(table)
                .where(
                    table.c.id == bindparam("_id", type_=table.c.id.type),
                    table.c[name] == bindparam("_old", type_=table.c[name].type),
                )
                .values({name: bindparam("_new", type_=table.c[name].type)}),
                changes,
            )
            done += len(changes)
        if done >= limit:
            break
    db.session.flush()
    return done


def retire_unused_keys(registries: Iterable[Registry] = (Base.registry,)) -> int:
    """Destroy retiring keys that no value uses any more; ends a re-encryption."""
    retired = 0
    for key in _retiring_keys(lock=True):
        if any(next(_sealed_with(c, [key.id], 1), None) for c in encrypted_columns(registries)):
            continue
        key.wrapped_key = None
        key.destroyed_dt = utcnow()
        retired += 1
    db.session.flush()
    envelope.forget_cached_keys()
    if retired:
        record(AuditAction.REENCRYPTION, details={"phase": "finished", "retired_keys": retired})
    return retired


# --- crypto-shredding --------------------------------------------------------------------


def shred_case_key(case_id: uuid.UUID, *, case_pseudonym: str | None = None) -> int:
    """Destroy every data key of a case: none of its values can be decrypted any more,
    in the database or in any backup. The audit log keeps that it happened."""
    if case_id == SYSTEM_OWNER:
        raise ValueError("Der Systemschlüssel wird nicht vernichtet.")
    keys = db.session.scalars(
        select(DataKey)
        .where(DataKey.owner_id == case_id, DataKey.wrapped_key.is_not(None))
        .with_for_update()
    ).all()
    now = utcnow()
    for key in keys:
        key.wrapped_key = None
        key.active = False
        key.destroyed_dt = now
    if not keys:
        # A case shredded before it had a key still must never get one: leave a marker.
        db.session.add(DataKey(owner_id=case_id, active=False, kek_version=0, destroyed_dt=now))
    db.session.flush()
    envelope.forget_cached_keys()
    record(
        AuditAction.SHRED,
        object_type="case",
        object_id=case_id,
        case_pseudonym=case_pseudonym,
        details={"keys_destroyed": len(keys)},
    )
    return len(keys)
