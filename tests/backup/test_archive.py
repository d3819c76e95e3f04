"""The dump's chunk stream and the key backup alone: reordering, dropping or cutting chunks is
found, and the key backup opens only with its passphrase."""

from __future__ import annotations

import io
import json
import struct

import pytest

from fallteam.backup import archive
from fallteam.backup.archive import BackupError, KeyBackup
from fallteam.crypto.keyring import Keyring

KEY = bytes(range(32))
LINES = [f'{{"row":{i},"text":"{"x" * (i % 50)}"}}'.encode() for i in range(3000)]


def _dump(tmp_path, key=KEY):
    path = tmp_path / "test.sicherung"
    out = io.BytesIO()
    # an incompressible tail and a small chunk size: many chunks
    writer = archive.DumpWriter(out, key, {"backup_id": "abc"}, chunk_bytes=512)
    for line in LINES:
        writer.line(line + b"\n")
    writer.close()
    assert writer.chunks > 3
    path.write_bytes(out.getvalue())
    return path


def _chunks(data: bytes) -> tuple[bytes, list[bytes]]:
    start = len(archive.MAGIC)
    start += 4 + struct.unpack(">I", data[start : start + 4])[0]
    head, rest, found = data[:start], data[start:], []
    while rest:
        length = 4 + struct.unpack(">I", rest[:4])[0]
        found.append(rest[:length])
        rest = rest[length:]
    return head, found


def test_the_lines_come_back_as_written(tmp_path):
    assert list(archive.read_lines(_dump(tmp_path), KEY)) == LINES


@pytest.mark.parametrize("change", ["swap", "drop middle", "drop final", "repeat"])
def test_a_changed_order_or_a_missing_chunk_is_found(tmp_path, change):
    path = _dump(tmp_path)
    head, chunks = _chunks(path.read_bytes())
    if change == "swap":
        chunks[1], chunks[2] = chunks[2], chunks[1]
    elif change == "drop middle":
        del chunks[1]
    elif change == "drop final":
        del chunks[-1]
    else:
        chunks.insert(2, chunks[1])
    path.write_bytes(head + b"".join(chunks))
    with pytest.raises(BackupError):
        list(archive.read_lines(path, KEY))


def test_another_key_opens_nothing(tmp_path):
    with pytest.raises(BackupError, match="gehört nicht zu dieser Schlüsselsicherung"):
        next(archive.read_lines(_dump(tmp_path), bytes(32)))


def test_the_key_backup_opens_only_with_its_passphrase_and_unchanged():
    ring = Keyring.generate()
    backup = KeyBackup("abc", "2026-12-05T00:00:00+00:00", ring, '{"x": 1}', bytes(32))
    sealed = archive.seal_keys(backup, "ein langer Satz als Passphrase")
    opened = archive.open_keys(sealed, "ein langer Satz als Passphrase")
    assert opened.ring.to_json() == ring.to_json() and opened.signing_file == '{"x": 1}'
    with pytest.raises(BackupError, match="Passphrase ist falsch"):
        archive.open_keys(sealed, "ein langer Satz als Passphrasf")
    # the cleartext header is authenticated too: another backup id does not open
    forged = sealed.replace(b'"backup_id": "abc"', b'"backup_id": "abd"')
    with pytest.raises(BackupError, match="Passphrase ist falsch"):
        archive.open_keys(forged, "ein langer Satz als Passphrase")


def test_short_passphrases_are_refused():
    backup = KeyBackup("abc", "now", Keyring.generate(), None, bytes(32))
    with pytest.raises(BackupError, match="zu kurz"):
        archive.seal_keys(backup, "kurz123")


@pytest.mark.parametrize(
    "kdf",
    [
        {"n": 2**14 + 1},  # not a power of two: scrypt itself raises ValueError
        {"n": 2**20, "r": 16},  # 2 GiB of memory for one guess
    ],
    ids=["n not a power of two", "gigabytes"],
)
def test_a_forged_kdf_header_is_refused_in_german_before_any_derivation(kdf, monkeypatch):
    backup = KeyBackup("abc", "2026-12-05T00:00:00+00:00", Keyring.generate(), None, bytes(32))
    sealed = json.loads(archive.seal_keys(backup, "ein langer Satz als Passphrase"))
    sealed["kdf"].update(kdf)

    def derive(*args):
        raise AssertionError("derivation with forged parameters")

    monkeypatch.setattr(archive, "_scrypt", derive)
    with pytest.raises(BackupError, match="KDF-Parameter"):
        archive.open_keys(json.dumps(sealed).encode(), "ein langer Satz als Passphrase")


def test_a_backup_target_without_hard_links_still_gets_the_file_and_never_loses_one(
    tmp_path, monkeypatch
):
    def no_hard_links(src, dst):
        raise PermissionError(1, "Operation not permitted")  # what vfat answers

    monkeypatch.setattr(archive.os, "link", no_hard_links)
    target = tmp_path / "usb" / "fallteam-schluessel.json"
    size = archive.write_private(target, lambda fh: fh.write(b"sealed"))
    assert target.read_bytes() == b"sealed" and size == 6
    assert oct(target.stat().st_mode & 0o777) == "0o600"
    assert [p.name for p in target.parent.iterdir()] == [target.name]  # no temporary file left
    with pytest.raises(BackupError, match="existiert schon"):
        archive.write_private(target, lambda fh: fh.write(b"other"))
    assert target.read_bytes() == b"sealed"
