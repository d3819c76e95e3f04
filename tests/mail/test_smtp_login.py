"""With ``MAIL_USERNAME`` set the sender logs in; a wrong password is a retried failure (a
setting to fix), recorded without the password."""

from __future__ import annotations

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from fallteam.extensions import db
from fallteam.mail.models import MailStatus, OutgoingMail
from fallteam.mail.operations import queue_mail, send_pending
from tests.mail.conftest import Collector, free_port

USER, PASSWORD = "fallteam", "Richtiges-Passwort-42"


def _authenticator(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
        USER.encode(),
        PASSWORD.encode(),
    )
    # handled=False: the server answers the refusal (535) itself
    return AuthResult(success=ok, handled=False)


def _send_with(app, password: str) -> tuple[Collector, OutgoingMail]:
    handler = Collector()
    controller = Controller(
        handler,
        hostname="127.0.0.1",
        port=free_port(),
        authenticator=_authenticator,
        auth_require_tls=False,
    )
    controller.start()
    saved = {
        k: app.config[k]
        for k in ("MAIL_SERVER", "MAIL_PORT", "MAIL_USERNAME", "MAIL_PASSWORD", "MAIL_TIMEOUT")
    }
    app.config.update(
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=controller.port,
        MAIL_USERNAME=USER,
        MAIL_PASSWORD=password,
        MAIL_TIMEOUT=5,
    )
    try:
        with app.app_context():
            mail = queue_mail(kind="plan", to="kollegin@example.org", subject="S", body="B")
            db.session.commit()
            send_pending()
            mail = db.session.get(OutgoingMail, mail.id)
            db.session.expunge(mail)
    finally:
        app.config.update(saved)
        controller.stop()
    return handler, mail


def test_the_sender_logs_in_with_the_configured_account(app):
    handler, mail = _send_with(app, PASSWORD)
    assert mail.status == MailStatus.SENT and len(handler.envelopes) == 1


def test_a_refused_login_is_retried_and_the_password_is_not_recorded(app):
    handler, mail = _send_with(app, "falsch")
    assert handler.envelopes == []
    assert mail.status == MailStatus.PENDING and mail.attempts == 1
    assert mail.last_error.startswith("SMTPAuthenticationError: 535")
    assert "falsch" not in mail.last_error
