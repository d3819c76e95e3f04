"""The primitives, composed from ``cryptography``'s AES-256-GCM: nothing here is home-made.

Ciphertext format (version 1)::

    0x01 | data key id (16 bytes) | nonce (12 bytes) | ciphertext + 16-byte tag

with associated data ``0x01 | data key id | "fallteam:v1|table|column|row id|case id"``.

A wrapped data key is ``nonce | AES-GCM(KEK, DEK, aad = "fallteam:dek|" + key id)``.
These functions touch no database, so the format can be checked against golden values.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

FORMAT_V1 = 0x01
KEY_ID_BYTES = 16
NONCE_BYTES = 12
TAG_BYTES = 16
HEADER_BYTES = 1 + KEY_ID_BYTES + NONCE_BYTES


class DecryptionError(RuntimeError):
    """A value could not be decrypted: tampered, moved, of unknown format or key."""


@dataclass(frozen=True)
class Place:
    """Where a value lives; becomes the associated data of its ciphertext."""

    table: str
    column: str
    row_id: uuid.UUID
    case_id: uuid.UUID | None = None

    def associated_data(self) -> bytes:
        """Table, column, row and case, so a value moved anywhere else fails to decrypt."""
        case = str(self.case_id) if self.case_id else "-"
        return f"fallteam:v1|{self.table}|{self.column}|{self.row_id}|{case}".encode()


def new_key() -> bytes:
    """A fresh 256-bit key from the operating system."""
    return AESGCM.generate_key(bit_length=256)


def _wrap_aad(key_id: uuid.UUID) -> bytes:
    return b"fallteam:dek|" + key_id.bytes


def wrap_key(kek: bytes, key_id: uuid.UUID, dek: bytes) -> bytes:
    """Wrap a data key under a key-encryption key, bound to the data key's id."""
    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(kek).encrypt(nonce, dek, _wrap_aad(key_id))


def unwrap_key(kek: bytes, key_id: uuid.UUID, wrapped: bytes) -> bytes:
    """The data key inside ``wrapped``; raises ``DecryptionError`` if it was not wrapped so."""
    try:
        return AESGCM(kek).decrypt(wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:], _wrap_aad(key_id))
    except InvalidTag as exc:
        raise DecryptionError("Datenschlüssel lässt sich nicht entpacken.") from exc


def key_id_bytes(blob: bytes) -> bytes:
    """The 16 bytes of the data key id in a ciphertext's header; refuses unknown formats
    before anything else."""
    if len(blob) < HEADER_BYTES + TAG_BYTES or blob[0] != FORMAT_V1:
        raise DecryptionError("Unbekanntes Verschlüsselungsformat.")
    return bytes(blob[1 : 1 + KEY_ID_BYTES])


def key_id_of(blob: bytes) -> uuid.UUID:
    """The data key id in a ciphertext's header; refuses unknown formats before anything else."""
    return uuid.UUID(bytes=key_id_bytes(blob))


def seal(aead: AESGCM, key_id: uuid.UUID, plaintext: bytes, place: Place) -> bytes:
    """Encrypt with a fresh random nonce into the versioned format.

    The header (format and key id) is authenticated too: it is part of the associated data.
    """
    header = bytes([FORMAT_V1]) + key_id.bytes
    nonce = os.urandom(NONCE_BYTES)
    return header + nonce + aead.encrypt(nonce, plaintext, header + place.associated_data())


def open_sealed(aead: AESGCM, blob: bytes, place: Place) -> bytes:
    """Decrypt a value sealed for ``place``; the header must already have been checked."""
    header = bytes(blob[: 1 + KEY_ID_BYTES])
    nonce = bytes(blob[1 + KEY_ID_BYTES : HEADER_BYTES])
    try:
        return aead.decrypt(nonce, bytes(blob[HEADER_BYTES:]), header + place.associated_data())
    except InvalidTag as exc:
        raise DecryptionError("Wert wurde verändert oder gehört nicht an diese Stelle.") from exc
