"""The restore drill: a backup of an instance with real data restores into an empty instance,
where every encrypted value reads as before, the audit chain verifies and pages are served;
and every way of restoring without the right keys, or onto data, fails closed and leaves the
target as it was."""

from __future__ import annotations

import json
import stat
import struct
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import func, make_url, select, text

from fallteam import create_app
from fallteam.audit.models import AuditAction, AuditEvent
from fallteam.auth.models import User
from fallteam.backup import archive
from fallteam.cases.models import Case
from fallteam.crypto.keyring import FileKeyProvider, Keyring
from fallteam.demo.data import DEMO_USERS
from fallteam.extensions import db
from tests.backup.conftest import (
    PASSPHRASE,
    Target,
    instance_settings,
    new_database,
    plaintexts,
    table_names,
)
from tests.conftest import Account, make_account, sign_in

ABORTED = "Wiederherstellung abgebrochen:"


def _restore(source, target: Target, keys=None, dump=None, **environment: str):
    """``flask backup restore DUMP --keys KEYS --passphrase-file …`` on ``target``."""
    return target.restore(
        str(dump or source.dump),
        "--keys",
        str(keys or source.keys),
        "--passphrase-file",
        str(source.passphrase_file),
        **environment,
    )


def _drill(source, target: Target, *, passphrase_from_environment: bool = False) -> None:
    if passphrase_from_environment:
        result = target.restore(
            str(source.dump), "--keys", str(source.keys), FALLTEAM_BACKUP_PASSPHRASE=PASSPHRASE
        )
    else:
        result = _restore(source, target)
    assert result.exit_code == 0, result.output
    assert "Audit-Kette geprüft" in result.output and "unversehrt" in result.output
    for path in (target.key_file, target.instance / "keys" / "document_signing.json"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    restored = target.app()
    try:
        # every encrypted value opens to what the source held
        values = plaintexts(restored)
        assert len(values) > 100 and values == source.values
        assert any(v == b"Hollerbach" for v in values.values())  # a family name of the demo
        # the chain verifies (the command the operators run) and ends with the restore
        verified = restored.test_cli_runner().invoke(args=["audit", "verify", "--workers", "1"])
        assert verified.exit_code == 0, verified.output
        assert "Protokoll unversehrt" in verified.output
        with restored.app_context():
            restore_event = db.session.scalars(
                select(AuditEvent).where(AuditEvent.action == AuditAction.RESTORE.value)
            ).one()
            fachkraft = db.session.scalars(select(User).where(User.username == "fachkraft")).one()
            case_id = db.session.scalar(
                select(Case.id).where(Case.case_manager_id == fachkraft.id).order_by(Case.id)
            )
            account = Account(
                fachkraft.id,
                "fachkraft",
                next(d.password for d in DEMO_USERS if d.username == "fachkraft"),
                fachkraft.totp_secret,
                ["fachkraft", "member"],
            )
        assert restore_event.seq > 1
        # the restored instance serves its pages to the restored account
        client = restored.test_client()
        sign_in(client, restored, account)
        page = client.get(f"/faelle/{case_id}")
        assert page.status_code == 200
        assert "Hollerbach" in page.get_data(as_text=True)
        # a second restore onto the restored instance is refused and changes nothing
        tables, ring = sorted(table_names(target.url)), target.key_file.read_bytes()
        again = _restore(source, target)
        assert again.exit_code != 0
        assert ABORTED in again.output and "enthält schon Daten" in again.output
        assert sorted(table_names(target.url)) == tables
        assert target.key_file.read_bytes() == ring
        with restored.app_context():
            restores = db.session.scalar(
                select(func.count()).where(AuditEvent.action == AuditAction.RESTORE.value)
            )
        assert restores == 1
    finally:
        with restored.app_context():
            db.engine.dispose()


def test_create_reports_both_files_in_german(source):
    assert "Datenbanksicherung:" in source.create_output
    assert "Schlüsselsicherung:" in source.create_output
    assert "getrennt verwahren" in source.create_output
    for path in (source.dump, source.keys):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    # the backup is itself in the log, as an export
    with source.app.app_context():
        exports = db.session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == AuditAction.EXPORT.value, AuditEvent.object_type == "database"
            )
        ).all()
        assert len(exports) == 1 and json.loads(exports[0].details)["rows"] > 0


def test_neither_file_shows_a_name_or_a_key(source):
    raw_dump, raw_keys = source.dump.read_bytes(), source.keys.read_bytes()
    ring = Keyring.from_json(Path(source.app.config["FALLTEAM_KEY_FILE"]).read_text())
    for secret in (b"Hollerbach", b"Fliederweg", b"Demo-Ahornblatt-Laterne"):
        assert secret not in raw_dump and secret not in raw_keys
    for key in (ring.kek(1), ring.audit_mac_key, ring.checkpoint_signing_key):
        assert archive._b64(key).encode() not in raw_keys and key not in raw_dump


def test_the_drill_restores_an_instance_that_reads_verifies_and_serves(source, target):
    _drill(source, target)


def test_a_sqlite_backup_restores_into_postgresql(source, postgres_target):
    if source.backend != "sqlite":
        pytest.skip("the cross-backend drill starts from the SQLite backup")
    _drill(source, postgres_target, passphrase_from_environment=True)


def test_without_the_key_backup_nothing_is_restored(source, target):
    result = target.restore(str(source.dump), "--passphrase-file", str(source.passphrase_file))
    assert result.exit_code != 0
    assert ABORTED in result.output and "Schlüsselsicherung" in result.output
    assert target.is_untouched()


def test_a_missing_key_file_is_refused(source, target, tmp_path):
    result = _restore(source, target, keys=tmp_path / "fehlt.json")
    assert result.exit_code != 0 and ABORTED in result.output and "nicht gefunden" in result.output
    assert target.is_untouched()


def test_a_wrong_passphrase_writes_nothing(source, target, tmp_path):
    wrong = tmp_path / "falsch.txt"
    wrong.write_text("Eichhörnchen fahren gern U-Bahn")
    result = target.restore(
        str(source.dump), "--keys", str(source.keys), "--passphrase-file", str(wrong)
    )
    assert result.exit_code != 0
    assert ABORTED in result.output and "Passphrase ist falsch" in result.output
    assert target.is_untouched()


def test_a_typed_passphrase_is_the_one_checked(source, target):
    result = target.restore(
        str(source.dump), "--keys", str(source.keys), input="Eichhörnchen fahren gern Rad\n"
    )
    assert result.exit_code != 0 and "Passphrase ist falsch" in result.output
    assert target.is_untouched()


def test_the_key_backup_of_another_instance_is_refused(source, target, tmp_path):
    with source.dump.open("rb") as fh:
        backup_id = archive.read_header(fh)[0]["backup_id"]
    foreign = archive.KeyBackup(
        backup_id,  # even under the same id
        "2026-01-01T00:00:00+00:00",
        Keyring.generate(),
        None,
        b"\x00" * 32,
    )
    forged = tmp_path / "schluessel.json"
    forged.write_bytes(archive.seal_keys(foreign, PASSPHRASE))
    result = _restore(source, target, keys=forged)
    assert result.exit_code != 0 and ABORTED in result.output
    assert "gehört nicht zu dieser Schlüsselsicherung" in result.output
    assert target.is_untouched()


def _chunk_offsets(dump: bytes) -> list[tuple[int, int]]:
    """(start, end) of every chunk record of a dump."""
    start = len(archive.MAGIC)
    start += 4 + struct.unpack(">I", dump[start : start + 4])[0]
    found = []
    while start < len(dump):
        length = struct.unpack(">I", dump[start : start + 4])[0]
        found.append((start, start + 4 + length))
        start += 4 + length
    return found


@pytest.mark.parametrize(
    "damage",
    ["flipped byte", "cut at the end", "final chunk removed", "chunk appended", "header changed"],
)
def test_a_damaged_dump_is_refused_before_anything_is_written(source, target, tmp_path, damage):
    # (reordered and dropped middle chunks: test_archive.py, with a dump of many chunks)
    data = bytearray(source.dump.read_bytes())
    chunks = _chunk_offsets(bytes(data))
    if damage == "flipped byte":
        data[len(data) // 2] ^= 0x01
    elif damage == "cut at the end":
        data = data[:-100]
    elif damage == "final chunk removed":
        data = data[: chunks[-1][0]]
    elif damage == "chunk appended":
        data += data[chunks[0][0] : chunks[0][1]]
    else:  # the same length, so only the authentication can tell
        data = data.replace(b'"created":"2', b'"created":"3', 1)
    damaged = tmp_path / "beschaedigt.sicherung"
    damaged.write_bytes(bytes(data))
    result = _restore(source, target, dump=damaged)
    assert result.exit_code != 0 and ABORTED in result.output, result.output
    assert "Datenbanksicherung" in result.output
    assert target.is_untouched()


def test_a_target_with_data_is_never_overwritten(source, target):
    FileKeyProvider(target.key_file).store(Keyring.generate())
    existing = create_app(instance_settings(target.instance, target.url))
    try:
        with existing.app_context():
            upgrade()
        make_account(existing, ["admin"], username="bestand")
        ring_before = target.key_file.read_bytes()
        result = _restore(source, target)
        assert result.exit_code != 0 and ABORTED in result.output
        # the different key ring is named first: nothing is even started
        assert "anderer Schlüsselbund" in result.output
        assert target.key_file.read_bytes() == ring_before
        # without it, the data in the database stops the restore
        target.key_file.unlink()
        result = _restore(source, target)
        assert result.exit_code != 0 and "enthält schon Daten" in result.output, result.output
        assert not target.key_file.exists()
        with existing.app_context():
            users = db.session.scalars(select(User.username)).all()
        assert users == ["bestand"]
    finally:
        with existing.app_context():
            db.engine.dispose()


@pytest.mark.parametrize("defect", ["audit event edited", "ciphertext edited"])
def test_a_backup_that_does_not_prove_itself_leaves_no_table(target, tmp_path, defect):
    """A dump that decrypts but whose content fails the checks (an audit event changed in the
    database before the backup, a sealed value changed): migrations and rows are rolled back
    with the rest, the target has no table and no key file."""
    url, drop = new_database(target.backend, tmp_path / "quelle-db")
    instance = tmp_path / "quelle"
    FileKeyProvider(instance / "keys" / "keyring.json").store(Keyring.generate())
    app = create_app(instance_settings(instance, url))
    try:
        with app.app_context():
            upgrade()
        make_account(app, ["fachkraft"], username="quelle")
        with app.app_context():
            connection = db.session.connection()
            if defect == "audit event edited":
                if connection.dialect.name == "postgresql":
                    connection.execute(text("ALTER TABLE audit_events DISABLE TRIGGER USER"))
                else:
                    connection.execute(text("DROP TRIGGER audit_events_no_update"))
                connection.execute(text("UPDATE audit_events SET purpose = 'x' WHERE seq = 1"))
            else:
                sealed = connection.scalar(text("SELECT totp_secret FROM users"))
                changed = bytes(sealed[:-1]) + bytes([sealed[-1] ^ 1])
                connection.execute(text("UPDATE users SET totp_secret = :v"), {"v": changed})
            db.session.commit()
        created = app.test_cli_runner().invoke(
            args=["backup", "create", "--output", str(tmp_path / "out")],
            env={"FALLTEAM_BACKUP_PASSPHRASE": PASSPHRASE},
        )
        assert created.exit_code == 0, created.output
        dump = next((tmp_path / "out").glob("*.sicherung"))
        keys = next((tmp_path / "out").glob("*.json"))
        result = target.restore(
            str(dump), "--keys", str(keys), FALLTEAM_BACKUP_PASSPHRASE=PASSPHRASE
        )
        assert result.exit_code != 0 and ABORTED in result.output
        expected = "Audit-Kette" if defect == "audit event edited" else "nicht entschlüsseln"
        assert expected in result.output, result.output
        if target.backend == "sqlite":  # the database file the restore began is gone again
            assert not Path(make_url(target.url).database).exists()
        assert target.is_untouched()
    finally:
        with app.app_context():
            db.engine.dispose()
        drop()


def test_a_key_backup_with_the_right_dump_key_but_another_ring_is_refused(source, target, tmp_path):
    """Whoever can seal a key backup (knows the passphrase) cannot swap the ring: the dump
    names its ring by a keyed fingerprint, checked before anything is written."""
    opened = archive.open_keys(source.keys.read_bytes(), PASSPHRASE)
    swapped = archive.KeyBackup(
        opened.backup_id, opened.created, Keyring.generate(), None, opened.backup_key
    )
    forged = tmp_path / "schluessel.json"
    forged.write_bytes(archive.seal_keys(swapped, PASSPHRASE))
    result = _restore(source, target, keys=forged)
    assert result.exit_code != 0 and ABORTED in result.output
    assert "anderen Schlüsselbund" in result.output, result.output
    assert target.is_untouched()
