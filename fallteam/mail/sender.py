"""Turning a queued mail into a MIME message and handing it to the SMTP server.

Only ``flask mail send-pending`` calls this; a web request never waits for a mail server.
"""

from __future__ import annotations

import re
import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from types import TracebackType
from typing import Any

from fallteam.mail.calendar import Method

#: anything that looks like an address, removed from server answers before they are stored
_ADDRESS = re.compile(r"<?[^\s<>@]+@[^\s<>@]+>?")
_LAST_ERROR_LENGTH = 200


@dataclass(frozen=True)
class SmtpSettings:
    """How to reach the mail server (from ``MAIL_*`` settings)."""

    host: str
    port: int
    use_tls: bool
    use_ssl: bool
    username: str | None
    password: str | None
    sender: str
    timeout: float

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> SmtpSettings:
        """Read the ``MAIL_*`` settings."""
        return cls(
            host=config["MAIL_SERVER"],
            port=int(config["MAIL_PORT"]),
            use_tls=bool(config["MAIL_USE_TLS"]),
            use_ssl=bool(config["MAIL_USE_SSL"]),
            username=config.get("MAIL_USERNAME") or None,
            password=config.get("MAIL_PASSWORD") or None,
            sender=config["MAIL_DEFAULT_SENDER"],
            timeout=float(config.get("MAIL_TIMEOUT") or 30),
        )


def build_message(
    *,
    sender: str,
    to: str,
    subject: str,
    body: str,
    calendar: str | None,
    sent: datetime,
) -> EmailMessage:
    """A German plain-text mail (UTF-8), with the iCalendar part attached when given."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(sent)
    domain = parseaddr(sender)[1].rpartition("@")[2] or "fallteam"
    message["Message-ID"] = make_msgid(domain=domain)
    # RFC 3834: no out-of-office replies to a machine.
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(body, charset="utf-8")
    if calendar is not None:
        method = _calendar_method(calendar)
        message.add_attachment(
            calendar,
            subtype="calendar",
            charset="utf-8",
            params={"method": method},
            filename="absage.ics" if method == Method.CANCEL else "einladung.ics",
        )
    return message


def _calendar_method(calendar: str) -> str:
    # The Content-Type must repeat the calendar's METHOD for mail clients to act on it.
    for line in calendar.splitlines():
        if line.startswith("METHOD:"):
            return line.removeprefix("METHOD:").strip()
    return str(Method.PUBLISH)


class Mailer:
    """One SMTP connection for a batch, opened on first use and reopened after an error."""

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings
        self._smtp: smtplib.SMTP | None = None
        #: the server could not be reached or refused the session (not one message)
        self.unreachable = False

    def __enter__(self) -> Mailer:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        if s.use_ssl:
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                s.host, s.port, timeout=s.timeout, context=ssl.create_default_context()
            )
        else:
            smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
        try:
            smtp.ehlo()
            if s.use_tls and not s.use_ssl:
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            if s.username:
                smtp.login(s.username, s.password or "")
        except BaseException:
            smtp.close()
            raise
        return smtp

    def send(self, message: EmailMessage) -> None:
        """Hand ``message`` to the server; raises ``smtplib.SMTPException`` or ``OSError``."""
        if self._smtp is None:
            try:
                self._smtp = self._connect()
            except BaseException:
                self.unreachable = True
                raise
        try:
            self._smtp.send_message(message)
        except BaseException:
            # The connection's state is unknown now: the next message starts afresh.
            self.close()
            raise

    def close(self) -> None:
        """End the connection politely if possible."""
        if self._smtp is None:
            return
        smtp, self._smtp = self._smtp, None
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()


def _short(text: str | bytes) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    text = _ADDRESS.sub("<Adresse>", " ".join(text.split()))
    return text


def describe_error(exc: BaseException) -> str:
    """What went wrong, for ``last_error``: the error class and the server's code and short
    text, with addresses removed — never anything of the message itself."""
    name = type(exc).__name__
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        answers = sorted({f"{code} {_short(text)}" for code, text in exc.recipients.values()})
        described = f"{name}: {'; '.join(answers)}"
    elif isinstance(exc, smtplib.SMTPResponseException):
        described = f"{name}: {exc.smtp_code} {_short(exc.smtp_error)}"
    elif isinstance(exc, OSError) and exc.strerror:
        described = f"{name}: {_short(exc.strerror)}"
    else:
        described = name
    return described[:_LAST_ERROR_LENGTH]


def is_permanent(exc: BaseException) -> bool:
    """Whether retrying cannot help: the server refused the recipient or the content for
    good (5xx). A refused login or sender is a setting to fix, so it is retried."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPDataError):
        return exc.smtp_code >= 500
    return False
