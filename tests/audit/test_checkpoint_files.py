"""A checkpoint file appears whole or not at all, even when two writers race for it; a
different checkpoint for the same number leaves a lasting conflict mark."""

from __future__ import annotations

import threading

from fallteam.audit import chain, checkpoints
from fallteam.audit.operations import write_checkpoint_files
from fallteam.core.models import utcnow
from fallteam.crypto.keyring import Keyring


def _checkpoint(seq=5, key=None, mac=bytes(range(32))):
    key = key or Keyring.generate().checkpoint_signing_key
    created = utcnow()
    return checkpoints.SignedCheckpoint(
        seq, mac, created, chain.sign_checkpoint(key, seq, mac, created), chain.public_key_of(key)
    )


def test_two_writers_of_the_same_checkpoint_leave_its_text_once(tmp_path, monkeypatch):
    one = _checkpoint()
    both_inside = threading.Barrier(2)
    paused = threading.local()

    def pausing(real):
        # each writer's first write or fsync waits until the other one is as far: the
        # moment where one has created its file and the other looks at it
        def call(*args):
            if not getattr(paused, "done", False):
                paused.done = True
                try:
                    both_inside.wait(timeout=2)
                except threading.BrokenBarrierError:
                    pass
            return real(*args)

        return call

    monkeypatch.setattr(checkpoints.os, "write", pausing(checkpoints.os.write))
    monkeypatch.setattr(checkpoints.os, "fsync", pausing(checkpoints.os.fsync))
    results, errors = [], []

    def writer():
        try:
            results.append(checkpoints.write(tmp_path, one))
        except Exception as exc:  # pragma: no cover - shown by the assertion
            errors.append(exc)

    threads = [threading.Thread(target=writer) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(results) == [False, True]
    assert (tmp_path / checkpoints.file_name(5)).read_text() == one.text()
    # nothing else is left in the directory but the one file (and the empty work folder)
    assert [p.name for p in tmp_path.iterdir() if p.is_file()] == [checkpoints.file_name(5)]


def test_a_clash_at_writing_leaves_a_conflict_mark_that_stays(tmp_path):
    key = Keyring.generate().checkpoint_signing_key
    kept = _checkpoint(21, key, mac=b"\x01" * 32)
    other = _checkpoint(21, key, mac=b"\x02" * 32)
    assert write_checkpoint_files(tmp_path, [kept]) == 1
    assert write_checkpoint_files(tmp_path, [other]) == 0
    assert (tmp_path / checkpoints.file_name(21)).read_text() == kept.text()
    mark = tmp_path / checkpoints.conflict_file_name(21)
    assert mark.is_file()
    assert other.head_mac.hex() in mark.read_text()
    assert checkpoints.conflicts(tmp_path) == [mark.name]
    # the same clash again changes nothing, and nothing removes the mark
    write_checkpoint_files(tmp_path, [other])
    write_checkpoint_files(tmp_path, [kept])
    assert checkpoints.conflicts(tmp_path) == [mark.name]
