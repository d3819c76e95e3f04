"""The tail of the chain cannot be cut unnoticed: deleting the newest events and rewinding
the chain head to an earlier, valid event makes the database agree with itself — only the
checkpoint kept outside shows that the log once went further, and ``flask audit verify``
compares with it by default."""

from __future__ import annotations

import re

from sqlalchemy import select

from fallteam.audit.models import AuditChainHead
from fallteam.extensions import db
from tests.audit.conftest import (
    checkpoint_dir,
    cut_tail_and_rewind_head,
    restarted,
    run_cli,
    write_events,
)


def test_a_cut_tail_with_a_rewound_head_fails_verification_against_the_kept_checkpoint(
    checkpointing_app,
):
    write_events(checkpointing_app, 35)
    files = sorted(p.name for p in checkpoint_dir(checkpointing_app).iterdir() if p.is_file())
    # the first event, then every 10: each left the database by itself
    assert files == [f"checkpoint-{seq:012d}.txt" for seq in (1, 11, 21, 31)]

    cut_tail_and_rewind_head(checkpointing_app, keep=17)

    with restarted(checkpointing_app) as app:
        # what the database alone says: nothing wrong (the hole this closes)
        blind = run_cli(app, "audit", "verify", "--no-checkpoint-dir")
        assert blind.exit_code == 0, blind.output
        assert "Protokoll unversehrt" in blind.output
        assert "Kein externer Checkpoint" in blind.output
        with app.app_context():
            head = db.session.scalar(select(AuditChainHead.last_seq))  # 17 + that run's event

        checked = run_cli(app, "audit", "verify")
    assert checked.exit_code == 1, checked.output
    assert "Protokoll unversehrt" not in checked.output
    assert "Neuester externer Checkpoint: Nr. 31 vom " in checked.output
    assert re.search(r"vor \d+ Minuten", checked.output)
    assert f"erstes betroffenes Ereignis Nr. {head + 1}" in checked.output
    assert f"Ereignisse {head + 1} bis 31 fehlen (Ende abgeschnitten)" in checked.output


def test_events_written_after_the_cut_do_not_replace_the_kept_checkpoint(checkpointing_app):
    write_events(checkpointing_app, 30)
    kept = (checkpoint_dir(checkpointing_app) / "checkpoint-000000000021.txt").read_text()
    cut_tail_and_rewind_head(checkpointing_app, keep=12)
    with restarted(checkpointing_app) as app:
        # the application runs on: a new event 21 and a new checkpoint 21, with another mac
        write_events(app, 10)
        with app.app_context():
            assert db.session.scalar(select(AuditChainHead.last_checkpoint_seq)) == 21
        assert (checkpoint_dir(app) / "checkpoint-000000000021.txt").read_text() == kept
        checked = run_cli(app, "audit", "verify")
    assert checked.exit_code == 1, checked.output
    assert "erstes betroffenes Ereignis Nr. 21" in checked.output
    assert "Ereignis 21 weicht vom extern verwahrten Checkpoint" in checked.output


def test_an_intact_log_verifies_against_its_kept_checkpoint(checkpointing_app):
    write_events(checkpointing_app, 25)
    result = run_cli(checkpointing_app, "audit", "verify")
    assert result.exit_code == 0, result.output
    assert "Neuester externer Checkpoint: Nr. 21 vom " in result.output
    assert "Protokoll unversehrt" in result.output


def test_a_cut_tail_stays_visible_after_the_application_ran_past_the_cut(checkpointing_app):
    write_events(checkpointing_app, 30)
    directory = checkpoint_dir(checkpointing_app)
    kept = (directory / "checkpoint-000000000021.txt").read_text()
    cut_tail_and_rewind_head(checkpointing_app, keep=12)
    with restarted(checkpointing_app) as app:
        # new events 13 to 37: the new chain's checkpoint 21 clashes with the kept file, its
        # checkpoint 31 is written and is now the newest file of the directory
        write_events(app, 25)
        assert (directory / "checkpoint-000000000021.txt").read_text() == kept
        assert (directory / "checkpoint-000000000031.txt").is_file()
        # the clash is not only logged: it leaves a mark the application never removes
        assert (directory / "conflict-000000000021.txt").is_file()
        checked = run_cli(app, "audit", "verify")
    assert checked.exit_code == 1, checked.output
    assert "Protokoll unversehrt" not in checked.output
    assert "Ereignis 21 weicht vom extern verwahrten Checkpoint" in checked.output
    assert "conflict-000000000021.txt" in checked.output
    assert "erstes betroffenes Ereignis Nr. 21" in checked.output


def test_every_kept_file_is_compared_not_only_the_newest(checkpointing_app):
    write_events(checkpointing_app, 30)
    directory = checkpoint_dir(checkpointing_app)
    cut_tail_and_rewind_head(checkpointing_app, keep=12)
    with restarted(checkpointing_app) as app:
        write_events(app, 25)
        # even without the conflict mark (a directory copied elsewhere and back), the kept
        # checkpoint 21 contradicts the database
        (directory / "conflict-000000000021.txt").unlink(missing_ok=True)
        checked = run_cli(app, "audit", "verify")
    assert checked.exit_code == 1, checked.output
    assert "Neuester externer Checkpoint: Nr. 31" in checked.output
    assert "Ereignis 21 weicht vom extern verwahrten Checkpoint" in checked.output
