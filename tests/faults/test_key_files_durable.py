"""Key files survive a power cut as a whole: the new key ring (after ``keys rotate-kek``) and
the document-signing file are written to a temporary file, synced, renamed over the old one,
and the rename itself is synced (the directory) before anything uses the new keys. Otherwise
the host can come back with the old key file while the database, whose commits are durable,
already holds data keys wrapped by the new KEK."""

from __future__ import annotations

import os
import stat

import pytest

from fallteam.crypto import signing
from fallteam.crypto.keyring import FileKeyProvider, Keyring


@pytest.fixture
def synced(monkeypatch) -> list[str]:
    """What was synced, in order: "file" or "directory"."""
    done: list[str] = []
    real = os.fsync

    def spy(fd: int) -> None:
        done.append("directory" if stat.S_ISDIR(os.fstat(fd).st_mode) else "file")
        real(fd)

    monkeypatch.setattr(os, "fsync", spy)
    return done


def test_a_stored_key_ring_is_synced_and_so_is_its_rename(tmp_path, synced):
    provider = FileKeyProvider(tmp_path / "keys" / "keyring.json")
    ring = Keyring.generate()
    provider.store(ring)
    provider.store(ring.with_new_kek())

    assert synced == ["file", "directory", "file", "directory"]
    assert provider.load().active_kek == ring.active_kek + 1
    assert not (tmp_path / "keys" / "keyring.tmp").exists()


def test_the_document_signing_file_is_synced_and_so_is_its_rename(tmp_path, synced):
    path = tmp_path / "keys" / "document_signing.json"
    assert signing.ensure(path, Keyring.generate(), "Jugendamt Teltow")

    assert synced[-2:] == ["file", "directory"]
