"""Envelope encryption: each owner (a case, or the system) has a data key wrapped by the KEK.

This is the one place that turns ciphertext into plaintext. Data keys are unwrapped once per
request (application context), not once per field.
"""

from __future__ import annotations

import uuid

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import g, has_app_context
from sqlalchemy import Select, event, select
from sqlalchemy.orm import Session

from fallteam.crypto import aead
from fallteam.crypto.aead import DecryptionError, Place
from fallteam.crypto.models import SYSTEM_OWNER, DataKey
from fallteam.crypto.runtime import current_keyring, kek, plaintext_baseline

__all__ = ["SHREDDED", "DecryptionError", "Place", "Shredded", "decrypt", "encrypt"]


class Shredded:
    """What a field reads as once its data key was destroyed: clearly deleted, not a crash."""

    _instance: Shredded | None = None

    def __new__(cls) -> Shredded:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __str__(self) -> str:
        return "[gelöscht]"

    def __repr__(self) -> str:
        return "SHREDDED"

    def __bool__(self) -> bool:
        return False


SHREDDED = Shredded()

_KEY_COLUMNS = (DataKey.id, DataKey.kek_version, DataKey.wrapped_key)


class _RequestKeys:
    """Keys unwrapped in this request (application context), each owner's active key, and
    the KEKs used (a version's KEK never changes; looking it up checks the key file, once
    per request is enough to follow a rotation)."""

    __slots__ = ("active", "by_header", "keks", "plaintext", "unwrapped")

    def __init__(self) -> None:
        #: a benchmark's baseline instance: stored values are plaintext (testing only)
        self.plaintext = plaintext_baseline()
        self.unwrapped: dict[uuid.UUID, AESGCM | Shredded] = {}
        #: the same keys by the 16 key-id bytes a ciphertext's header carries: a list page
        #: opens hundreds of values, and building a UUID for each costs more than the AES
        self.by_header: dict[bytes, AESGCM | Shredded] = {}
        self.active: dict[uuid.UUID, uuid.UUID] = {}
        self.keks: dict[int, bytes] = {}


def request_keys() -> _RequestKeys:
    """The keys of this request (application context): looked up once by a caller that
    opens many values."""
    if not has_app_context():
        return _RequestKeys()
    keys = g.get("_fallteam_keys")
    if keys is None:
        keys = g._fallteam_keys = _RequestKeys()
    return keys


def forget_cached_keys() -> None:
    """Drop the unwrapped keys of this request (after shredding or re-encryption)."""
    if has_app_context():
        g.pop("_fallteam_keys", None)


@event.listens_for(Session, "after_commit")
def _forget_active_keys(session: Session) -> None:
    # The lock that kept a key active ends with the transaction: look it up again next time.
    if has_app_context() and "_fallteam_keys" in g:
        g._fallteam_keys.active.clear()


@event.listens_for(Session, "after_soft_rollback")
def _forget_keys_after_rollback(session: Session, previous_transaction) -> None:
    # A key made in the rolled-back work does not exist: forget everything of this request.
    forget_cached_keys()


def _unwrap(key_id: uuid.UUID, kek_version: int, wrapped: bytes | None) -> AESGCM | Shredded:
    keys = request_keys()
    cache = keys.unwrapped
    if key_id not in cache:
        if wrapped is None:
            cache[key_id] = SHREDDED
        else:
            wrapping = keys.keks.get(kek_version)
            if wrapping is None:
                wrapping = keys.keks[kek_version] = kek(kek_version)
            cache[key_id] = AESGCM(aead.unwrap_key(wrapping, key_id, wrapped))
        keys.by_header[key_id.bytes] = cache[key_id]
    return cache[key_id]


def prime_keys(session: Session, owner_ids) -> None:
    """Unwrap the data keys of several owners with one query, before their rows are loaded.

    ``owner_ids`` is a collection of ids or a ``select`` of one id column (e.g. the cases a
    list shows). Loading a list of cases then decrypts without one key lookup per case.
    """
    if not isinstance(owner_ids, Select):
        owner_ids = [i for i in owner_ids if i is not None]
        if not owner_ids:
            return
    rows = session.connection().execute(
        select(*_KEY_COLUMNS).where(DataKey.owner_id.in_(owner_ids))
    )
    for key_id, kek_version, wrapped in rows:
        _unwrap(key_id, kek_version, wrapped)  # unwraps only what this request lacks


def owner_of(case_id: uuid.UUID | None) -> uuid.UUID:
    """The data key owner for a value of ``case_id`` (the system for non-case data)."""
    return case_id or SYSTEM_OWNER


def active_key(session: Session, owner_id: uuid.UUID) -> tuple[uuid.UUID, AESGCM]:
    """The owner's active data key, made (and added to ``session``) on first use."""
    keys = request_keys()
    known = keys.active.get(owner_id)
    if known is not None and isinstance(keys.unwrapped.get(known), AESGCM):
        return known, keys.unwrapped[known]
    with session.no_autoflush:
        pending = next(
            (
                k
                for k in session.new
                if isinstance(k, DataKey) and k.owner_id == owner_id and k.active
            ),
            None,
        )
        # FOR SHARE (PostgreSQL): while this transaction encrypts with the key, a
        # re-encryption cannot deactivate it, and so cannot retire it under our feet.
        row = (
            (pending.id, pending.kek_version, pending.wrapped_key)
            if pending is not None
            else session.execute(
                select(*_KEY_COLUMNS)
                .where(DataKey.owner_id == owner_id, DataKey.active)
                .with_for_update(read=True)
            ).one_or_none()
        )
    if row is None:
        _refuse_if_shredded(session, owner_id)
        return create_key(session, owner_id)
    cipher = _unwrap(*row)
    keys.active[owner_id] = row[0]
    return row[0], cipher


def _refuse_if_shredded(session: Session, owner_id: uuid.UUID) -> None:
    # A shredded case stays deleted: nothing new is ever encrypted for it.
    with session.no_autoflush:
        destroyed = session.execute(
            select(DataKey.id)
            .where(
                DataKey.owner_id == owner_id,
                DataKey.active.is_(False),
                DataKey.destroyed_dt.is_not(None),
                DataKey.deactivated_dt.is_(None),  # shredded, not retired by re-encryption
            )
            .limit(1)
        ).first()
    if destroyed is not None and owner_id != SYSTEM_OWNER:
        raise DecryptionError("Die Schlüssel dieses Falls wurden vernichtet; er ist gelöscht.")


def create_key(session: Session, owner_id: uuid.UUID) -> tuple[uuid.UUID, AESGCM]:
    """A new active data key for ``owner_id``, wrapped by the active KEK (added, not flushed)."""
    ring = current_keyring()
    dek = aead.new_key()
    key = DataKey(owner_id=owner_id, active=True, kek_version=ring.active_kek)
    key.wrapped_key = aead.wrap_key(ring.kek(ring.active_kek), key.id, dek)
    session.add(key)
    cipher = AESGCM(dek)
    keys = request_keys()
    keys.unwrapped[key.id] = keys.by_header[key.id.bytes] = cipher
    keys.active[owner_id] = key.id
    return key.id, cipher


def encrypt(session: Session, plaintext: bytes, place: Place) -> bytes:
    """Encrypt ``plaintext`` for ``place`` with the active key of its owner."""
    key_id, cipher = active_key(session, owner_of(place.case_id))
    return aead.seal(cipher, key_id, plaintext, place)


def decrypt(
    session: Session, blob: bytes, place: Place, keys: _RequestKeys | None = None
) -> bytes | Shredded:
    """Decrypt a value stored at ``place``; ``SHREDDED`` when its key was destroyed.
    ``keys``: this request's ``request_keys()``, when the caller has them at hand.

    Uses Core, not the ORM, to find the key: this runs inside ORM load events.
    """
    cipher = (keys or request_keys()).by_header.get(aead.key_id_bytes(blob))
    if cipher is None:
        key_id = aead.key_id_of(blob)
        row = (
            session.connection()
            .execute(select(*_KEY_COLUMNS).where(DataKey.id == key_id))
            .one_or_none()
        )
        if row is None:
            raise DecryptionError("Unbekannter Datenschlüssel.")
        cipher = _unwrap(*row)
    if isinstance(cipher, Shredded):
        return SHREDDED
    return aead.open_sealed(cipher, blob, place)
