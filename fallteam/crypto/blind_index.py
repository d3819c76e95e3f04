"""Blind index: exact-match search on an encrypted field without storing its plaintext.

``blind_index(value, table=..., column=...)`` is HMAC-SHA256 under a key derived per table and
column (HKDF from the key ring's blind-index key) of the normalised value. It answers only
"is this exactly the same value?" — no prefix, no similarity, no ordering. Normalisation makes
"Müller", "MUELLER " and "mueller" the same; it does not make "Meyer" equal "Maier".
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

from fallteam.crypto.runtime import current_keyring

_TRANSLITERATION = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
_SPACES = re.compile(r"\s+")
_CACHE = "fallteam.blind_index_keys"


def normalise(value: str) -> str:
    """Case, accents of German umlauts, and white space no longer matter."""
    text = unicodedata.normalize("NFKC", value).casefold().translate(_TRANSLITERATION)
    return _SPACES.sub(" ", text).strip()


def _column_key(table: str, column: str) -> bytes:
    cache = current_app.extensions.setdefault(_CACHE, {})
    if (table, column) not in cache:
        cache[(table, column)] = HKDF(
            algorithm=hashes.SHA256(),
            length=32,
            salt=None,
            info=f"fallteam:blind-index:v1:{table}.{column}".encode(),
        ).derive(current_keyring().blind_index_key)
    return cache[(table, column)]


def blind_index(value: str, *, table: str, column: str) -> str:
    """The index value (64 hex characters) of ``value`` for one table column."""
    key = _column_key(table, column)
    return hmac.new(key, normalise(value).encode("utf-8"), hashlib.sha256).hexdigest()


def keyed_digest(value: str, *, table: str, column: str) -> str:
    """HMAC-SHA256 (hex) of ``value`` exactly as it is (not normalised), under the same
    per-column key: a digest that outlives the value (a sealed document that must still
    verify after the value was deleted) but cannot be tested against guesses without the
    key ring."""
    key = _column_key(table, column)
    return hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()
