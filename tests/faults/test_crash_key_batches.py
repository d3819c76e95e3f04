"""A key job killed in the middle of a batch (``flask keys reencrypt`` and ``flask keys
rotate-kek``, small batches, SIGKILL while a batch has written everything but not committed)
leaves every value decryptable, and running the job again finishes it: afterwards no value
is sealed with a retired key, every data key is wrapped by the active KEK, every value
decrypts to what it was before, and the audit chain verifies."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from fallteam.crypto import operations
from fallteam.crypto.cli import keys_cli
from fallteam.crypto.models import DataKey
from fallteam.crypto.runtime import current_keyring
from fallteam.extensions import db
from tests.audit.conftest import restarted
from tests.faults.conftest import (
    assert_chain_contiguous,
    assert_storage_intact,
    decrypted_values,
    forget_connections,
    instance_of,
    kill_group,
    run_to_end,
)
from tests.faults.stall import STALLING


def _killed_in_batch(flask_command, instance, *args: str, at_commit: int) -> None:
    """Start the job with the stall at its ``at_commit``-th commit and kill it there."""
    run = flask_command(
        instance, *args, module=STALLING, FALLTEAM_TEST_STALL_AT_COMMIT=str(at_commit)
    )
    try:
        assert instance.stalled(timeout=60), run.text()
    finally:
        kill_group(run.process)
    instance.stall_file.unlink()


def _run_again(app, *args: str) -> str:
    """The job once more, in a freshly started application of the instance (the killed
    process's state is gone; the database and the key file are what is left)."""
    with restarted(app) as fresh:
        result = fresh.test_cli_runner().invoke(keys_cli, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def _key_state(app):
    with app.app_context():
        # the key file changed under the test's application: it follows at next use
        ring = current_keyring()
        keys = db.session.scalars(select(DataKey).where(DataKey.wrapped_key.is_not(None))).all()
        state = {
            "pending": operations.reencryption_pending(),
            "kek_versions": {key.kek_version for key in keys},
            "active_kek": ring.active_kek,
            "inactive_keys": sum(not key.active for key in keys),
        }
        db.session.rollback()
    return state


@pytest.mark.slow
def test_key_jobs_killed_mid_batch_resume_to_the_end_and_every_value_decrypts(
    app, team_session, flask_command, size
):
    team_session(size.pick(2, 8))
    instance = instance_of(app, AUDIT_CHECKPOINT_EVERY=5)
    before = decrypted_values(app)
    assert len(before) > 40  # enough values for several batches of four

    # commit 1 starts the round (new data keys), 2 is the first batch, 3 is held
    _killed_in_batch(flask_command, instance, "keys", "reencrypt", "--batch-size", "4", at_commit=3)
    forget_connections(app)
    assert_storage_intact(app)
    stopped = _key_state(app)
    assert stopped["pending"]  # the round began and is not finished
    assert decrypted_values(app) == before  # half old keys, half new: all readable

    output = _run_again(app, "reencrypt", "--batch-size", "4")
    assert "Setze begonnene Neuverschlüsselung fort." in output
    done = _key_state(app)
    assert not done["pending"] and done["inactive_keys"] == 0
    assert decrypted_values(app) == before

    # commit 1 stores the new KEK version's start, 2 is the first batch, 3 is held
    _killed_in_batch(
        flask_command, instance, "keys", "rotate-kek", "--batch-size", "2", at_commit=3
    )
    forget_connections(app)
    assert_storage_intact(app)
    stopped = _key_state(app)
    assert stopped["active_kek"] == 2 and stopped["kek_versions"] == {1, 2}
    assert decrypted_values(app) == before

    _run_again(app, "rotate-kek", "--resume", "--batch-size", "2")
    assert _key_state(app)["kek_versions"] == {2}
    assert decrypted_values(app) == before

    assert_chain_contiguous(app)
    code, output = run_to_end(flask_command(instance, "audit", "verify"))
    assert code == 0, output
