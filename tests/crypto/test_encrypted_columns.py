"""Encrypted columns: plaintext in the program, ciphertext bound to its place in the database."""

from __future__ import annotations

import pytest
from sqlalchemy import insert, select, text, update

from fallteam.crypto.aead import DecryptionError
from fallteam.crypto.envelope import SHREDDED
from fallteam.crypto.models import DataKey
from fallteam.crypto.operations import shred_case_key
from fallteam.crypto.types import Sealed, UnsealedValueError
from fallteam.extensions import db
from tests.crypto.models import Family, Member, Note

NAME = "Schmidt, Anna-Lena"
NARRATIVE = "Die Mutter berichtet von Überforderung seit der Trennung im März."


def _store(app, *objects):
    with app.app_context():
        db.session.add_all(objects)
        db.session.commit()
        return [o.id for o in objects]


def _raw(app, table: str, column: str, row_id) -> bytes:
    with app.app_context():
        return bytes(
            db.session.connection()
            .execute(
                text(f"SELECT {column} FROM {table} WHERE id = :id"),
                {"id": row_id.hex if db.engine.dialect.name == "sqlite" else row_id},
            )
            .scalar_one()
        )


def test_values_round_trip_and_are_stored_encrypted(app, crypto_tables):
    family = Family(
        name=NAME,
        narrative=NARRATIVE,
        profile={"kinder": 3, "ort": "Teltow"},
        document=b"%PDF-1.7 Genogramm",
    )
    (family_id,) = _store(app, family)
    with app.app_context():
        loaded = db.session.get(Family, family_id)
        assert loaded.name == NAME
        assert loaded.narrative == NARRATIVE
        assert loaded.profile == {"kinder": 3, "ort": "Teltow"}
        assert loaded.document == b"%PDF-1.7 Genogramm"
    raw = _raw(app, "test_families", "name", family_id)
    assert raw[0] == 0x01 and NAME.encode() not in raw
    assert b"Teltow" not in _raw(app, "test_families", "profile", family_id)


def test_the_object_keeps_plaintext_after_flush_and_commit(app, crypto_tables):
    with app.app_context():
        family = Family(name=NAME)
        db.session.add(family)
        db.session.flush()
        assert family.name == NAME
        family.narrative = NARRATIVE
        db.session.commit()
        assert family.narrative == NARRATIVE


def test_every_encryption_uses_a_fresh_nonce(app, crypto_tables):
    first, second = Family(name=NAME), Family(name=NAME)
    ids = _store(app, first, second)
    assert _raw(app, "test_families", "name", ids[0]) != _raw(app, "test_families", "name", ids[1])


def test_a_value_copied_to_another_row_does_not_decrypt(app, crypto_tables):
    victim, other = Family(name=NAME), Family(name="Meier")
    victim_id, other_id = _store(app, victim, other)
    stolen = _raw(app, "test_families", "name", victim_id)
    with app.app_context():
        db.session.execute(
            update(Family.__table__).where(Family.id == other_id).values(name=Sealed(stolen))
        )
        db.session.commit()
    with app.app_context(), pytest.raises(DecryptionError):
        db.session.get(Family, other_id)


def test_a_value_copied_to_another_column_does_not_decrypt(app, crypto_tables):
    (family_id,) = _store(app, Family(name=NAME, narrative="x"))
    stolen = _raw(app, "test_families", "name", family_id)
    with app.app_context():
        db.session.execute(
            update(Family.__table__).where(Family.id == family_id).values(narrative=Sealed(stolen))
        )
        db.session.commit()
    with app.app_context(), pytest.raises(DecryptionError):
        db.session.get(Family, family_id)


def test_a_value_copied_into_another_case_does_not_decrypt(app, crypto_tables):
    one, two = Family(name="Eins"), Family(name="Zwei")
    one_id, two_id = _store(app, one, two)
    member = Member(case_id=one_id, name=NAME)
    (member_id,) = _store(app, member)
    with app.app_context():
        db.session.execute(
            update(Member.__table__).where(Member.id == member_id).values(case_id=two_id)
        )
        db.session.commit()
    with app.app_context(), pytest.raises(DecryptionError):
        db.session.get(Member, member_id)


def test_each_case_has_its_own_key_and_system_data_the_system_key(app, crypto_tables):
    one, two = Family(name="Eins"), Family(name="Zwei")
    one_id, two_id = _store(app, one, two, Note(text="Systemnotiz"))[:2]
    with app.app_context():
        owners = set(db.session.scalars(select(DataKey.owner_id)))
    assert {one_id, two_id} <= owners
    assert (
        _raw(app, "test_families", "name", one_id)[1:17]
        != _raw(app, "test_families", "name", two_id)[1:17]
    )


def test_plaintext_cannot_bypass_the_events(app, crypto_tables):
    with app.app_context(), pytest.raises(Exception) as refused:
        db.session.execute(insert(Note.__table__).values(id=Family().id, text="Klartext"))
    assert isinstance(refused.value, UnsealedValueError) or isinstance(
        refused.value.__cause__, UnsealedValueError
    )


def test_an_unknown_key_id_is_refused_before_decryption(app, crypto_tables):
    (note_id,) = _store(app, Note(text="x"))
    blob = bytearray(_raw(app, "test_notes", "text", note_id))
    blob[1:17] = bytes(16)
    with app.app_context():
        db.session.execute(
            update(Note.__table__).where(Note.id == note_id).values(text=Sealed(bytes(blob)))
        )
        db.session.commit()
    with app.app_context(), pytest.raises(DecryptionError, match="Unbekannter Datenschlüssel"):
        db.session.get(Note, note_id)


def test_a_shredded_case_reads_as_deleted_and_others_stay_readable(app, crypto_tables):
    doomed, kept = Family(name=NAME, narrative=NARRATIVE), Family(name="Meier")
    doomed_id, kept_id = _store(app, doomed, kept)
    _store(app, Member(case_id=doomed_id, name="Kind 1"))
    with app.app_context():
        assert shred_case_key(doomed_id, case_pseudonym="FT-2026-0001") == 1
        db.session.commit()
    with app.app_context():
        family = db.session.get(Family, doomed_id)
        assert family.name is SHREDDED and str(family.narrative) == "[gelöscht]"
        member = db.session.scalars(select(Member).where(Member.case_id == doomed_id)).one()
        assert member.name is SHREDDED
        assert db.session.get(Family, kept_id).name == "Meier"
        family.name = "neu"
        with pytest.raises(DecryptionError, match="vernichtet"):
            db.session.flush()
