"""``flask mail send-pending``: prints a German summary, lists what failed and still exits 0;
exits non-zero only when the database cannot be used. A worker that dies mid-send loses no
mail, and two workers never take the same one."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import create_engine, text

from fallteam import create_app
from fallteam.core.models import utcnow
from fallteam.extensions import db
from fallteam.mail import operations
from fallteam.mail.models import MailStatus, OutgoingMail
from fallteam.mail.operations import CLAIM_LEASE, queue_mail, send_pending
from tests.conftest import test_settings as settings_for


def _queue(app, count=1) -> list:
    with app.app_context():
        ids = [
            queue_mail(kind="plan", to=f"person{n}@example.org", subject="S", body="B").id
            for n in range(count)
        ]
        db.session.commit()
        return ids


def test_the_command_reports_sent_and_failed_mails_and_exits_0(app, smtp_down):
    _queue(app, 2)
    result = app.test_cli_runner().invoke(args=["mail", "send-pending"])
    assert result.exit_code == 0, result.output
    # the server is down: one attempt tells, the other mail waits for the next run untouched
    assert "0 E-Mails versendet, 1 später erneut, 0 endgültig fehlgeschlagen." in result.output
    assert result.output.count("ConnectionRefusedError") == 1
    assert "example.org" not in result.output
    status = app.test_cli_runner().invoke(args=["mail", "status"])
    assert "Wartend: 2, versendet: 0, fehlgeschlagen: 0." in status.output


def test_the_command_sends_what_is_due(app, smtp_server):
    _queue(app, 3)
    result = app.test_cli_runner().invoke(args=["mail", "send-pending"])
    assert result.exit_code == 0
    assert "3 E-Mails versendet" in result.output
    assert len(smtp_server.envelopes) == 3


def test_an_unreachable_database_exits_non_zero(tmp_path):
    missing = tmp_path / "nicht-da" / "db.sqlite3"
    app = create_app(settings_for(tmp_path, f"sqlite:///{missing}"))
    result = app.test_cli_runner().invoke(args=["mail", "send-pending"])
    assert result.exit_code != 0
    assert "Datenbank nicht erreichbar" in result.output


def test_a_worker_that_dies_after_claiming_loses_nothing(app, smtp_server):
    (mail_id,) = _queue(app)
    now = utcnow()
    with app.app_context():
        assert operations._claim_next(now) == mail_id  # and then the process dies
    with app.app_context():
        assert send_pending(now=now).sent == 0  # claimed: no second worker takes it now
        report = send_pending(now=now + CLAIM_LEASE)
        mail = db.session.get(OutgoingMail, mail_id)
        assert report.sent == 1 and mail.status == MailStatus.SENT and mail.attempts == 2
    assert len(smtp_server.envelopes) == 1


@pytest.fixture
def committed_smtp(committed_app):
    """A local SMTP server for the committed application."""
    from aiosmtpd.controller import Controller

    from tests.mail.conftest import Collector, free_port

    handler = Collector()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    committed_app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port)
    yield handler
    controller.stop()


def test_a_mail_locked_by_another_worker_is_skipped_not_sent_twice(committed_app, committed_smtp):
    app = committed_app
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("SQLite serialises writers; SKIP LOCKED is PostgreSQL's")
    (mail_id,) = _queue(app)
    other = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    with other.connect() as conn:
        # Another worker holds the row (it is sending it right now).
        conn.execute(
            text("SELECT id FROM outgoing_mails WHERE id = :id FOR UPDATE"), {"id": mail_id}
        )
        result: list = []
        worker = threading.Thread(target=lambda: result.append(_send_in_thread(app)), daemon=True)
        worker.start()
        worker.join(timeout=30)
        assert result == [0]  # skipped at once instead of waiting or sending it again
        conn.rollback()
    other.dispose()
    with app.app_context():
        assert send_pending().sent == 1
    assert len(committed_smtp.envelopes) == 1


def _send_in_thread(app) -> int:
    with app.app_context():
        return send_pending().sent
