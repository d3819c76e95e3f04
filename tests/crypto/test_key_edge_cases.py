"""Edge cases found in review: rollbacks, cases shredded early, moved rows, rotated rings."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from fallteam.crypto import envelope, operations
from fallteam.crypto.aead import DecryptionError
from fallteam.crypto.keyring import FileKeyProvider, Keyring
from fallteam.crypto.models import DataKey
from fallteam.crypto.runtime import current_keyring
from fallteam.crypto.types import UnsealedValueError
from fallteam.extensions import db
from tests.crypto.models import Family, Member


def test_a_key_made_in_rolled_back_work_is_not_used_afterwards(app, crypto_tables):
    with app.app_context():
        db.session.add(Family(name="verworfen"))
        db.session.flush()
        db.session.rollback()
        kept = Family(name="behalten")
        db.session.add(kept)
        db.session.add(Member(case_id=kept.id, name="Kind"))
        db.session.commit()
        kept_id = kept.id
    with app.app_context():
        assert db.session.get(Family, kept_id).name == "behalten"


def test_a_case_shredded_before_it_had_a_key_never_gets_one(app, crypto_tables):
    with app.app_context():
        family = Family(name="x")
        family_id = family.id
        operations.shred_case_key(family_id)
        db.session.commit()
        db.session.add(Family(id=family_id, name="neu"))
        with pytest.raises(DecryptionError, match="vernichtet"):
            db.session.flush()
        db.session.rollback()
        assert not db.session.scalars(
            select(DataKey).where(DataKey.owner_id == family_id, DataKey.active)
        ).all()


def test_encrypted_rows_cannot_be_moved_to_another_case(app, crypto_tables):
    with app.app_context():
        one, two = Family(name="Eins"), Family(name="Zwei")
        db.session.add_all([one, two])
        db.session.flush()
        member = Member(case_id=one.id, name="Kind")
        db.session.add(member)
        db.session.commit()
        member.case_id = two.id
        with pytest.raises(UnsealedValueError, match="anderen Fall"):
            db.session.flush()
        db.session.rollback()


def test_a_worker_follows_a_kek_rotated_by_another_process(app, crypto_tables, tmp_path):
    from fallteam import create_app
    from tests.conftest import test_settings

    key_file = tmp_path / "keys" / "keyring.json"
    with app.app_context():
        FileKeyProvider(key_file).store(current_keyring())
    settings = {
        **test_settings(tmp_path, app.config["SQLALCHEMY_DATABASE_URI"]),
        "FALLTEAM_KEYRING": None,
        "FALLTEAM_KEY_FILE": str(key_file),
    }
    worker, rotator = create_app(settings), create_app(settings)
    try:
        with worker.app_context():
            before = current_keyring().active_kek
        with rotator.app_context():
            operations.add_kek_version(FileKeyProvider(key_file))
            db.session.rollback()  # the ring changed on disk; nothing else is kept
        with worker.app_context():
            assert current_keyring().active_kek == before + 1
            key_id, _ = envelope.create_key(db.session, Family().id)
            assert db.session.get(DataKey, key_id).kek_version == before + 1
            db.session.rollback()
    finally:
        for application in (worker, rotator):
            with application.app_context():
                db.engine.dispose()


def test_a_worker_follows_a_ring_replaced_within_the_same_clock_tick(tmp_path):
    # The rotation and the retirement, or a ring distributed with `rsync -a` (which keeps
    # the source's time), can leave the key file with the modification time it had when the
    # worker read it; the worker must still notice the new ring.
    import os

    from fallteam import create_app

    key_file = tmp_path / "keys" / "keyring.json"
    provider = FileKeyProvider(key_file)
    provider.store(Keyring.generate())
    app = create_app(
        {
            "INSTANCE_PATH": str(tmp_path),
            "FALLTEAM_ENV": "testing",
            "SECRET_KEY": "x" * 40,
            "FALLTEAM_KEY_FILE": str(key_file),
            "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite3'}",
        }
    )
    with app.app_context():
        first = current_keyring()
        seen = key_file.stat()
        provider.store(first.with_new_kek())
        os.utime(key_file, ns=(seen.st_atime_ns, seen.st_mtime_ns))
        assert key_file.stat().st_mtime_ns == seen.st_mtime_ns
        assert current_keyring().active_kek == first.active_kek + 1
        # retiring the old version: same time again, one KEK fewer
        rotated = current_keyring()
        provider.store(
            Keyring(
                keks={rotated.active_kek: rotated.kek(rotated.active_kek)},
                active_kek=rotated.active_kek,
                audit_mac_key=rotated.audit_mac_key,
                blind_index_key=rotated.blind_index_key,
                checkpoint_signing_key=rotated.checkpoint_signing_key,
            )
        )
        os.utime(key_file, ns=(seen.st_atime_ns, seen.st_mtime_ns))
        assert sorted(current_keyring().keks) == [rotated.active_kek]
