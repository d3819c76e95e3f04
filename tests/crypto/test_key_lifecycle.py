"""KEK rotation and re-encryption lose nothing, survive a crash, and never overwrite an edit."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, insert, select

from fallteam.crypto import envelope, operations
from fallteam.crypto.aead import Place
from fallteam.crypto.keyring import FileKeyProvider
from fallteam.crypto.models import DataKey
from fallteam.crypto.runtime import current_keyring
from fallteam.crypto.types import Sealed
from fallteam.extensions import db
from tests.crypto.models import CryptoTestBase, Family, Member

REGISTRIES = (operations.Base.registry, CryptoTestBase.registry)


def _run(step, stop_after: int | None = None) -> int:
    """Commit per batch, like the CLI; optionally die after some batches."""
    batches = total = 0
    while True:
        if stop_after is not None and batches == stop_after:
            raise RuntimeError("simulated crash")
        done = step()
        db.session.commit()
        if not done:
            return total
        total += done
        batches += 1


def _seed_members(families: int, per_family: int) -> dict[uuid.UUID, str]:
    """Many encrypted values, inserted in bulk (sealed through the choke point)."""
    expected = {}
    for f in range(families):
        family = Family(name=f"Familie {f}")
        db.session.add(family)
        db.session.flush()
        rows = []
        for m in range(per_family):
            member_id = uuid.uuid4()
            value = f"Mitglied {f}-{m}"
            place = Place("test_members", "name", member_id, family.id)
            blob = envelope.encrypt(db.session, value.encode(), place)
            rows.append({"id": member_id, "case_id": family.id, "name": Sealed(blob)})
            expected[member_id] = value
        db.session.execute(insert(Member.__table__), rows)
    db.session.commit()
    return expected


def _all_member_names() -> dict[uuid.UUID, str]:
    """Every member's name, decrypted through the choke point (Core rows: 100,000 ORM
    objects would only measure the ORM)."""
    table = Member.__table__
    return {
        row.id: envelope.decrypt(
            db.session, row.name.blob, Place("test_members", "name", row.id, row.case_id)
        ).decode()
        for row in db.session.execute(select(table.c.id, table.c.name, table.c.case_id))
    }


def test_kek_rotation_of_ten_thousand_case_keys_loses_nothing(app, crypto_tables, tmp_path):
    provider = FileKeyProvider(tmp_path / "keyring.json")
    with app.app_context():
        provider.store(current_keyring())
        for _ in range(10_000):
            envelope.create_key(db.session, uuid.uuid4())
        db.session.commit()
        expected = _seed_members(3, 5)
        old_version = current_keyring().active_kek
        new_version = operations.add_kek_version(provider)
        db.session.commit()
        rewrapped = _run(lambda: operations.rewrap_batch(2000))
        assert rewrapped >= 10_003
        assert set(operations.keys_by_kek_version()) == {new_version}
        envelope.forget_cached_keys()
        assert _all_member_names() == expected
        assert provider.load().active_kek == new_version
        assert old_version in provider.load().keks


def test_reencryption_of_a_hundred_thousand_fields_loses_nothing(app, crypto_tables):
    with app.app_context():
        expected = _seed_members(100, 1000)
        operations.start_reencryption()
        db.session.commit()
        old_keys = {k.id for k in db.session.scalars(select(DataKey).where(~DataKey.active))}
        done = _run(lambda: operations.reencrypt_batch(20_000, REGISTRIES))
        assert done >= 100_000
        operations.retire_unused_keys(REGISTRIES)
        db.session.commit()
        envelope.forget_cached_keys()
        assert _all_member_names() == expected
        retired = db.session.scalars(select(DataKey).where(DataKey.id.in_(old_keys))).all()
        assert all(k.wrapped_key is None and k.destroyed_dt for k in retired)


def test_a_reencryption_killed_halfway_resumes_to_the_end(app, crypto_tables):
    with app.app_context():
        expected = _seed_members(10, 100)
        operations.start_reencryption()
        db.session.commit()
        with pytest.raises(RuntimeError, match="simulated crash"):
            _run(lambda: operations.reencrypt_batch(150, REGISTRIES), stop_after=3)
        db.session.rollback()
        assert operations.reencryption_pending()
        _run(lambda: operations.reencrypt_batch(150, REGISTRIES))
        assert operations.retire_unused_keys(REGISTRIES) >= 10
        db.session.commit()
        assert not operations.reencryption_pending()
        envelope.forget_cached_keys()
        assert _all_member_names() == expected
        assert _run(lambda: operations.reencrypt_batch(150, REGISTRIES)) == 0


def test_reencryption_never_overwrites_a_concurrent_edit(app, crypto_tables, monkeypatch):
    with app.app_context():
        _seed_members(1, 3)
        operations.start_reencryption()
        db.session.commit()
        member = db.session.scalars(select(Member)).first()
        member_id = member.id
        stale = db.session.execute(
            select(
                Member.__table__.c.id, Member.__table__.c.name, Member.__table__.c.case_id
            ).where(Member.__table__.c.id == member.id)
        ).all()
        member.name = "Während der Neuverschlüsselung geändert"
        db.session.commit()
        # The batch read the row before the edit: its write must not land.
        monkeypatch.setattr(
            operations,
            "_sealed_with",
            lambda column, *a: iter(stale if column.table is Member.__table__ else ()),
        )
        operations.reencrypt_batch(10, REGISTRIES)
        db.session.commit()
        db.session.expunge_all()
        assert db.session.get(Member, member_id).name == "Während der Neuverschlüsselung geändert"


def test_a_key_unwrapped_once_serves_the_whole_request(app, crypto_tables, monkeypatch):
    with app.app_context():
        family = Family(name="Eins")
        db.session.add(family)
        db.session.commit()
        family_id = family.id
        for i in range(20):
            db.session.add(Member(case_id=family_id, name=f"M{i}"))
        db.session.commit()
    calls = []
    original = envelope.aead.unwrap_key
    monkeypatch.setattr(envelope.aead, "unwrap_key", lambda *a: calls.append(1) or original(*a))
    with app.app_context():
        names = [
            m.name for m in db.session.scalars(select(Member).where(Member.case_id == family_id))
        ]
        assert len(names) == 20
    assert len(calls) == 1


def test_values_written_during_a_rotation_stay_readable(app, crypto_tables, tmp_path):
    provider = FileKeyProvider(tmp_path / "keyring.json")
    with app.app_context():
        provider.store(current_keyring())
        operations.add_kek_version(provider)
        family = Family(name="Neu nach Rotation")
        db.session.add(family)
        db.session.commit()
        family_id = family.id
        _run(lambda: operations.rewrap_batch(100))
        envelope.forget_cached_keys()
        db.session.expunge_all()
        assert db.session.get(Family, family_id).name == "Neu nach Rotation"
        assert (
            db.session.scalar(
                select(func.count())
                .select_from(DataKey)
                .where(
                    DataKey.kek_version != current_keyring().active_kek,
                    DataKey.wrapped_key.is_not(None),
                )
            )
            == 0
        )
