"""`flask audit verify` and `flask keys rotate-kek` on an instance whose data is really stored."""

from __future__ import annotations

import re
import threading
from contextlib import contextmanager

from sqlalchemy import select, text

from fallteam import create_app
from fallteam.audit.models import AuditAction, AuditEvent
from fallteam.audit.operations import record
from fallteam.auth.models import User
from fallteam.crypto.cli import keys_cli
from fallteam.extensions import db


def _cli(app, *args):
    if args[0] == "keys":  # a plugin command group, not on app.cli
        return app.test_cli_runner().invoke(keys_cli, list(args[1:]))
    return app.test_cli_runner().invoke(args=list(args))


@contextmanager
def _restarted(app):
    """The same instance started anew (new process state, same database and key file)."""
    fresh = create_app(app.config["TEST_SETTINGS"])
    try:
        yield fresh
    finally:
        with fresh.app_context():
            db.engine.dispose()


def _demo(app):
    app.config.update(FALLTEAM_DEMO=True, FALLTEAM_ENV="development")
    assert _cli(app, "demo", "load").exit_code == 0


def test_verify_passes_on_a_fresh_demo_and_names_an_edited_event(committed_app):
    _demo(committed_app)
    intact = _cli(committed_app, "audit", "verify")
    assert intact.exit_code == 0, intact.output
    assert "Protokoll unversehrt" in intact.output
    with committed_app.app_context():
        connection = db.session.connection()
        if connection.dialect.name == "postgresql":
            connection.execute(text("ALTER TABLE audit_events DISABLE TRIGGER USER"))
        else:
            connection.execute(text("DROP TRIGGER audit_events_no_update"))
        connection.execute(text("UPDATE audit_events SET action = 'read' WHERE seq = 3"))
        db.session.commit()
    broken = _cli(committed_app, "audit", "verify")
    assert broken.exit_code == 1
    assert "erstes betroffenes Ereignis Nr. 3" in broken.output


def test_verify_in_parallel_agrees_with_a_single_process(committed_app):
    committed_app.config["AUDIT_CHECKPOINT_EVERY"] = 50
    with committed_app.app_context():
        for i in range(400):
            record(AuditAction.READ, object_type="case", object_id=str(i), actor=None)
        db.session.commit()
    # each run records itself: the second one also checks the first one's event
    for events, workers in ((400, "1"), (401, "2")):
        result = _cli(committed_app, "audit", "verify", "--workers", workers)
        assert result.exit_code == 0, result.output
        assert re.search(rf"^{events} Ereignisse, 8 Checkpoints", result.output, re.M)


def test_a_checkpoint_can_be_exported_and_checked_later(committed_app, tmp_path):
    _demo(committed_app)
    exported = tmp_path / "checkpoint.txt"
    assert _cli(committed_app, "audit", "checkpoint", "--output", str(exported)).exit_code == 0
    assert exported.read_text().startswith("Fallteam Audit-Checkpoint v1")
    ok = _cli(committed_app, "audit", "verify", "--external", str(exported))
    assert ok.exit_code == 0, ok.output


def test_kek_rotation_then_restart_still_decrypts_everything(committed_app):
    _demo(committed_app)
    with committed_app.app_context():
        secrets_before = {u.username: u.totp_secret for u in db.session.scalars(select(User))}
    result = _cli(committed_app, "keys", "rotate-kek")
    assert result.exit_code == 0, result.output
    assert "Neue KEK-Version 2" in result.output
    with _restarted(committed_app) as restarted:
        with restarted.app_context():
            assert {u.username: u.totp_secret for u in db.session.scalars(select(User))} == (
                secrets_before
            )
            actions = db.session.scalars(
                select(AuditEvent.details).where(AuditEvent.action == "key_rotation")
            ).all()
        assert any('"phase":"finished"' in a for a in actions)
        status = _cli(restarted, "keys", "status")
        assert re.search(r"Datenschlüssel unter KEK-Version 2: [1-9]", status.output)
        assert "KEK-Version 1:" not in status.output
        retired = _cli(restarted, "keys", "retire-kek", "1")
        assert retired.exit_code == 0, retired.output
    with _restarted(committed_app) as again, again.app_context():
        assert {u.username: u.totp_secret for u in db.session.scalars(select(User))} == (
            secrets_before
        )


def test_reencrypt_command_gives_new_keys_and_keeps_values(committed_app):
    _demo(committed_app)
    with committed_app.app_context():
        before = {u.username: u.totp_secret for u in db.session.scalars(select(User))}
    result = _cli(committed_app, "keys", "reencrypt", "--batch-size", "2")
    assert result.exit_code == 0, result.output
    # the system key (TOTP secrets, mail queue) and the five demo cases' keys (four presented,
    # one closed years ago), with every value they protect
    done = re.search(
        r"(\d+) Werte neu verschlüsselt, (\d+) alte Schlüssel vernichtet", result.output
    )
    assert done and int(done.group(1)) > 20 and int(done.group(2)) == 6
    with _restarted(committed_app) as fresh, fresh.app_context():
        assert {u.username: u.totp_secret for u in db.session.scalars(select(User))} == before


def test_concurrent_writers_never_fork_the_chain(committed_app):
    errors = []

    def writer(n: int) -> None:
        try:
            with committed_app.app_context():
                for i in range(25):
                    record(AuditAction.READ, object_type="case", object_id=f"{n}-{i}", actor=None)
                    db.session.commit()
        except Exception as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with committed_app.app_context():
        seqs = db.session.scalars(select(AuditEvent.seq).order_by(AuditEvent.seq)).all()
    assert seqs == list(range(1, 101))
    assert _cli(committed_app, "audit", "verify").exit_code == 0
