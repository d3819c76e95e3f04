"""The ciphertext format: stable across releases, and no tampering goes unnoticed."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from hypothesis import given
from hypothesis import strategies as st

from fallteam.crypto import aead
from fallteam.crypto.aead import DecryptionError, Place

GOLDEN = Path(__file__).parent / "golden" / "format_v1.json"
KEY = AESGCM(bytes(range(32)))
KEY_ID = uuid.UUID(int=7)
PLACE = Place("cases", "narrative", uuid.UUID(int=1), uuid.UUID(int=2))

places = st.builds(
    Place,
    st.sampled_from(["cases", "family_members", "consents"]),
    st.sampled_from(["name", "narrative", "address"]),
    st.uuids(),
    st.one_of(st.none(), st.uuids()),
)


def test_golden_ciphertexts_still_decrypt():
    golden = json.loads(GOLDEN.read_text(encoding="utf-8"))
    key_id = uuid.UUID(golden["key_id"])
    dek = aead.unwrap_key(
        bytes.fromhex(golden["kek"]), key_id, bytes.fromhex(golden["wrapped_key"])
    )
    for value in golden["values"]:
        blob = bytes.fromhex(value["ciphertext"])
        place = Place(
            value["table"],
            value["column"],
            uuid.UUID(value["row_id"]),
            uuid.UUID(value["case_id"]) if value["case_id"] else None,
        )
        assert aead.key_id_of(blob) == key_id
        assert aead.open_sealed(AESGCM(dek), blob, place).decode() == value["plaintext"]


@given(st.text())
def test_decrypt_of_encrypt_is_the_identity(text):
    blob = aead.seal(KEY, KEY_ID, text.encode(), PLACE)
    assert aead.open_sealed(KEY, blob, PLACE).decode() == text


@given(st.binary(min_size=1, max_size=200), st.data())
def test_any_single_flipped_byte_is_detected(plaintext, data):
    blob = bytearray(aead.seal(KEY, KEY_ID, plaintext, PLACE))
    position = data.draw(st.integers(0, len(blob) - 1))
    blob[position] ^= data.draw(st.integers(1, 255))
    with pytest.raises(DecryptionError):
        aead.key_id_of(bytes(blob))  # header checks first, as the application does
        aead.open_sealed(KEY, bytes(blob), PLACE)


@given(st.binary(max_size=100), st.binary(max_size=100))
def test_a_swapped_nonce_is_detected(first, second):
    one = aead.seal(KEY, KEY_ID, first, PLACE)
    two = aead.seal(KEY, KEY_ID, second, PLACE)
    swapped = one[:17] + two[17:29] + one[29:]
    with pytest.raises(DecryptionError):
        aead.open_sealed(KEY, swapped, PLACE)


@given(st.binary(max_size=100), places, places)
def test_a_value_moved_to_another_place_is_detected(plaintext, origin, target):
    if origin == target:
        return
    blob = aead.seal(KEY, KEY_ID, plaintext, origin)
    with pytest.raises(DecryptionError):
        aead.open_sealed(KEY, blob, target)


def test_unknown_format_versions_are_refused_before_decryption():
    blob = bytearray(aead.seal(KEY, KEY_ID, b"x", PLACE))
    blob[0] = 0x02
    with pytest.raises(DecryptionError, match="Unbekanntes Verschlüsselungsformat"):
        aead.key_id_of(bytes(blob))
    with pytest.raises(DecryptionError):
        aead.key_id_of(b"\x01short")


def test_a_data_key_wrapped_for_another_id_does_not_unwrap():
    wrapped = aead.wrap_key(bytes(32), KEY_ID, aead.new_key())
    with pytest.raises(DecryptionError):
        aead.unwrap_key(bytes(32), uuid.UUID(int=8), wrapped)
