"""Envelope encryption with AES-256-GCM: DEKs wrapped by the KEK, values bound to their place.

Ciphertext format (version 1)::

    0x01 | data key id (16 bytes) | nonce (12 bytes) | ciphertext + tag

The associated data names the value's place (table, column, row id, case id), so a ciphertext
copied to another row, column or case fails to decrypt.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import g, has_app_context

from fallteam.crypto.models import SYSTEM_SCOPE, DataKey
from fallteam.crypto.runtime import current_keyring
from fallteam.extensions import db

FORMAT_V1 = 0x01
NONCE_BYTES = 12
_HEADER = 1 + 16 + NONCE_BYTES

#: the system data key has a fixed id, so two workers creating it at once collide on the key
SYSTEM_KEY_ID = uuid.UUID("00000000-0000-4000-8000-000000000001")


class DecryptionError(RuntimeError):
    """A value could not be decrypted: tampered, moved, unknown format or key, or shredded."""


@dataclass(frozen=True)
class Place:
    """Where a value lives; becomes the associated data of its ciphertext."""

    table: str
    column: str
    row_id: uuid.UUID
    case_id: uuid.UUID | None = None

    def associated_data(self) -> bytes:
        case = str(self.case_id) if self.case_id else "-"
        return f"fallteam:v1|{self.table}|{self.column}|{self.row_id}|{case}".encode()


def _wrap_aad(key_id: uuid.UUID) -> bytes:
    return b"fallteam:dek|" + key_id.bytes


def new_data_key(scope: str, case_id: uuid.UUID | None = None, key_id: uuid.UUID | None = None):
    """Create a fresh DEK, store it wrapped by the active KEK, and return the row (flushed)."""
    ring = current_keyring()
    key = DataKey(id=key_id, scope=scope, case_id=case_id, kek_version=ring.active_kek)
    nonce = os.urandom(NONCE_BYTES)
    dek = AESGCM.generate_key(bit_length=256)
    key.wrapped_key = nonce + AESGCM(ring.kek(ring.active_kek)).encrypt(
        nonce, dek, _wrap_aad(key.id)
    )
    db.session.add(key)
    db.session.flush()
    _cache()[key.id] = AESGCM(dek)
    return key


def _cache() -> dict[uuid.UUID, AESGCM]:
    # Unwrapping once per request (application context), not once per field.
    if not has_app_context():
        return {}
    if "_fallteam_deks" not in g:
        g._fallteam_deks = {}
    return g._fallteam_deks


def unwrap(key: DataKey) -> AESGCM:
    """The AEAD of a stored data key; refuses shredded keys and unknown KEK versions."""
    cache = _cache()
    if key.id in cache:
        return cache[key.id]
    if key.wrapped_key is None:
        raise DecryptionError("Der Schlüssel wurde vernichtet (gelöscht).")
    ring = current_keyring()
    wrapped = key.wrapped_key
    try:
        dek = AESGCM(ring.kek(key.kek_version)).decrypt(
            wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:], _wrap_aad(key.id)
        )
    except InvalidTag as exc:
        raise DecryptionError("Datenschlüssel lässt sich nicht entpacken.") from exc
    cache[key.id] = aead = AESGCM(dek)
    return aead


def system_key() -> DataKey:
    """The system DEK for non-case data, created on first use."""
    key = db.session.get(DataKey, SYSTEM_KEY_ID)
    if key is not None:
        return key
    with db.session.begin_nested():
        return new_data_key(SYSTEM_SCOPE, key_id=SYSTEM_KEY_ID)


def encrypt(plaintext: bytes, place: Place, key: DataKey) -> bytes:
    """Encrypt ``plaintext`` for ``place`` under ``key`` with a fresh random nonce."""
    nonce = os.urandom(NONCE_BYTES)
    body = unwrap(key).encrypt(nonce, plaintext, place.associated_data())
    return bytes([FORMAT_V1]) + key.id.bytes + nonce + body


def decrypt(blob: bytes, place: Place) -> bytes:
    """Decrypt a value stored at ``place``; format and key id are checked before decrypting."""
    if len(blob) < _HEADER + 16 or blob[0] != FORMAT_V1:
        raise DecryptionError("Unbekanntes Verschlüsselungsformat.")
    key_id = uuid.UUID(bytes=bytes(blob[1:17]))
    key = db.session.get(DataKey, key_id)
    if key is None:
        raise DecryptionError("Unbekannter Datenschlüssel.")
    nonce = bytes(blob[17:_HEADER])
    try:
        return unwrap(key).decrypt(nonce, bytes(blob[_HEADER:]), place.associated_data())
    except InvalidTag as exc:
        raise DecryptionError("Wert wurde verändert oder gehört nicht an diese Stelle.") from exc
