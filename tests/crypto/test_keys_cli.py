"""`flask keys init` creates keys explicitly, readable by the owner only, and never overwrites."""

from __future__ import annotations

import stat

from click.testing import CliRunner

from fallteam.crypto.cli import keys_cli
from fallteam.crypto.keyring import Keyring


def _run(tmp_path, *args):
    env = {
        "FALLTEAM_INSTANCE_PATH": str(tmp_path),
        "FALLTEAM_KEYRING": "",
        "SECRET_KEY": "",
        "FALLTEAM_KEY_FILE": "",
    }
    return CliRunner().invoke(keys_cli, list(args), env=env)


def test_init_creates_a_private_key_ring_and_session_secret(tmp_path):
    result = _run(tmp_path, "init")
    assert result.exit_code == 0, result.output
    ring_file = tmp_path / "keys" / "keyring.json"
    secret_file = tmp_path / "keys" / "secret_key"
    for path in (ring_file, secret_file):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    ring = Keyring.from_json(ring_file.read_text())
    assert ring.active_kek == 1 and len(ring.kek(1)) == 32


def test_a_second_init_changes_nothing(tmp_path):
    _run(tmp_path, "init")
    ring_before = (tmp_path / "keys" / "keyring.json").read_bytes()
    secret_before = (tmp_path / "keys" / "secret_key").read_bytes()
    result = _run(tmp_path, "init")
    assert result.exit_code == 0
    assert "nichts geändert" in result.output
    assert (tmp_path / "keys" / "keyring.json").read_bytes() == ring_before
    assert (tmp_path / "keys" / "secret_key").read_bytes() == secret_before


def test_status_names_versions_but_prints_no_key_material(tmp_path):
    _run(tmp_path, "init")
    ring = Keyring.from_json((tmp_path / "keys" / "keyring.json").read_text())
    result = _run(tmp_path, "status", "--offline")
    assert "Aktive KEK-Version: 1" in result.output
    assert ring.to_json().split('"1": "')[1].split('"')[0] not in result.output
    assert "keks=[1]" in repr(ring) and "audit" not in repr(ring)


def test_status_without_keys_fails_clearly(tmp_path):
    result = _run(tmp_path, "status", "--offline")
    assert result.exit_code != 0
    assert "fehlt" in result.output
