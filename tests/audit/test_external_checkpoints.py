"""Checkpoints kept outside: written after the commit, never overwritten, healed after a
crash, checked for their signature and key, and every verification remembered."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import event, select

from fallteam.audit import chain, checkpoints
from fallteam.audit.models import AuditCheckpoint, AuditEvent, AuditVerification
from fallteam.config import finish_settings, load_settings
from fallteam.crypto.keyring import Keyring
from fallteam.extensions import db
from tests.audit.conftest import checkpoint_dir, run_cli, write_events


def _files(app) -> list[int]:
    return sorted(checkpoints.exported_seqs(checkpoint_dir(app)))


def test_every_checkpoint_is_written_once_its_transaction_commits(checkpointing_app):
    write_events(checkpointing_app, 3)
    assert _files(checkpointing_app) == [1]
    write_events(checkpointing_app, 30, per_commit=5)
    with checkpointing_app.app_context():
        signed = db.session.scalars(select(AuditCheckpoint.seq)).all()
    assert _files(checkpointing_app) == sorted(signed) == [1, 11, 21, 31]
    text = (checkpoint_dir(checkpointing_app) / "checkpoint-000000000021.txt").read_text()
    assert text.startswith("Fallteam Audit-Checkpoint v1\nSequenz: 21\n")


def test_a_transaction_that_fails_at_its_commit_writes_no_file(checkpointing_app):
    write_events(checkpointing_app, 1)

    def fail(session):
        raise RuntimeError("commit scheitert")

    with checkpointing_app.app_context():
        from fallteam.audit.operations import make_checkpoint

        write_events(checkpointing_app, 4)
        event.listen(db.session(), "before_commit", fail)
        try:
            make_checkpoint()
            with pytest.raises(RuntimeError):
                db.session.commit()
        finally:
            event.remove(db.session(), "before_commit", fail)
        db.session.rollback()
    assert _files(checkpointing_app) == [1]


def test_a_crash_between_commit_and_file_is_healed_by_the_next_checkpoint(
    checkpointing_app, monkeypatch
):
    write_events(checkpointing_app, 1)
    real_write = checkpoints.write
    monkeypatch.setattr(checkpoints, "write", lambda *a: (_ for _ in ()).throw(OSError("voll")))
    write_events(checkpointing_app, 10)  # checkpoint 11 committed, its file not written
    assert _files(checkpointing_app) == [1]
    monkeypatch.setattr(checkpoints, "write", real_write)
    write_events(checkpointing_app, 10)  # checkpoint 21 brings 11 along
    assert _files(checkpointing_app) == [1, 11, 21]


def test_export_checkpoints_writes_what_the_directory_lacks(checkpointing_app):
    write_events(checkpointing_app, 25)
    for path in checkpoint_dir(checkpointing_app).glob("checkpoint-*.txt"):
        path.unlink()  # a new, empty directory
    result = run_cli(checkpointing_app, "audit", "export-checkpoints")
    assert result.exit_code == 0, result.output
    assert "3 Checkpoints" in result.output
    assert _files(checkpointing_app) == [1, 11, 21]
    again = run_cli(checkpointing_app, "audit", "export-checkpoints")
    assert "0 Checkpoints" in again.output


def test_the_checkpoint_command_signs_now_and_writes_the_file(checkpointing_app):
    write_events(checkpointing_app, 4)
    result = run_cli(checkpointing_app, "audit", "checkpoint")
    assert result.exit_code == 0, result.output
    assert _files(checkpointing_app) == [1, 4]


def _checkpoint(seq=5, key=None):
    key = key or Keyring.generate().checkpoint_signing_key
    from fallteam.core.models import utcnow

    created = utcnow()
    mac = bytes(range(32))
    return checkpoints.SignedCheckpoint(
        seq, mac, created, chain.sign_checkpoint(key, seq, mac, created), chain.public_key_of(key)
    )


def test_a_file_is_never_overwritten_only_a_cut_short_one_completed(tmp_path):
    first = _checkpoint()
    assert checkpoints.write(tmp_path, first) is True
    assert checkpoints.write(tmp_path, first) is False
    path = tmp_path / checkpoints.file_name(5)
    with pytest.raises(checkpoints.CheckpointConflict):
        checkpoints.write(tmp_path, _checkpoint())
    assert path.read_text() == first.text()
    path.unlink()
    path.write_text(first.text()[:40])  # a crash in the middle of writing
    assert checkpoints.write(tmp_path, first) is True
    assert path.read_text() == first.text()


def test_text_and_json_lines_read_back_alike():
    one, two = _checkpoint(3), _checkpoint(9)
    assert checkpoints.parse(one.text() + two.text()) == [one, two]
    assert checkpoints.parse(f"{one.json_line()}\n{two.json_line()}\n") == [one, two]
    with pytest.raises(checkpoints.CheckpointFormatError):
        checkpoints.parse("irgendein Text")
    with pytest.raises(checkpoints.CheckpointFormatError):
        checkpoints.parse(json.dumps({"format": "fallteam-audit-checkpoint-v1", "seq": 1}))


def test_a_changed_file_in_the_directory_is_reported(checkpointing_app):
    write_events(checkpointing_app, 25)
    path = checkpoint_dir(checkpointing_app) / "checkpoint-000000000021.txt"
    lines = path.read_text().splitlines(keepends=True)
    lines[2] = "Kopf-MAC: " + "0" * 64 + "\n"
    path.chmod(0o640)
    path.write_text("".join(lines))
    result = run_cli(checkpointing_app, "audit", "verify")
    assert result.exit_code == 1, result.output
    assert "checkpoint-000000000021.txt" in result.output
    assert "Signatur des Checkpoints ist ungültig" in result.output
    # the newest valid one is still compared
    assert "Neuester externer Checkpoint: Nr. 11" in result.output


def test_a_checkpoint_of_another_instance_is_reported(checkpointing_app, tmp_path):
    write_events(checkpointing_app, 12)
    foreign = tmp_path / "fremd.txt"
    foreign.write_text(_checkpoint(11).text())
    result = run_cli(checkpointing_app, "audit", "verify", "--external", str(foreign))
    assert result.exit_code == 1, result.output
    assert "fremd.txt (Nr. 11): stammt von einem anderen Schlüssel" in result.output


def test_without_any_kept_checkpoint_verify_warns_that_a_cut_would_go_unseen(committed_app):
    committed_app.config["AUDIT_CHECKPOINT_DIR"] = ""
    write_events(committed_app, 3)
    result = run_cli(committed_app, "audit", "verify")
    assert result.exit_code == 0, result.output
    assert "WARNUNG: Kein externer Checkpoint gefunden" in result.output
    assert "unbemerkt" in result.output


def test_every_verification_is_remembered_and_recorded(checkpointing_app):
    write_events(checkpointing_app, 12)
    assert run_cli(checkpointing_app, "audit", "verify").exit_code == 0
    with checkpointing_app.app_context():
        run = db.session.scalars(select(AuditVerification)).one()
        assert (run.trigger, run.intact, run.events, run.external_seq) == ("cli", True, 12, 11)
        assert run.actor_id is None and run.first_broken_seq is None
        recorded = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "verify")).one()
        assert recorded.object_id == str(run.id)
        assert '"intact":true' in recorded.details


@pytest.mark.settings(AUDIT_CHECKPOINT_MINUTES=0, AUDIT_CHECKPOINT_EVERY=10**9)
def test_with_zero_minutes_every_transaction_signs_a_checkpoint(app):
    write_events(app, 3)
    with app.app_context():
        assert len(db.session.scalars(select(AuditCheckpoint.seq)).all()) == 3


@pytest.mark.settings(AUDIT_CHECKPOINT_EVERY=10**9)
def test_within_the_minutes_no_further_checkpoint_is_signed(app):
    write_events(app, 3)
    with app.app_context():
        assert len(db.session.scalars(select(AuditCheckpoint.seq)).all()) == 1


def test_an_instance_file_in_hours_still_works(tmp_path):
    (tmp_path / "fallteam.toml").write_text("AUDIT_CHECKPOINT_HOURS = 2\n")
    settings = load_settings(
        {"FALLTEAM_ENV": "testing", "SECRET_KEY": "x" * 40, "FALLTEAM_KEYRING": "{}"},
        tmp_path,
    )
    finished = finish_settings(settings)
    assert finished["AUDIT_CHECKPOINT_MINUTES"] == 120
    assert "AUDIT_CHECKPOINT_HOURS" not in finished
