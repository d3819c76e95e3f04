"""The outgoing mail queue: requests queue, ``flask mail send-pending`` sends.

Queuing is part of the request's unit of work (it flushes and audits, never commits): a
rolled-back change sends no mail. Sending happens only outside requests, message by message,
each in short transactions of its own:

1. *claim*: the due message is taken with ``FOR UPDATE SKIP LOCKED`` (PostgreSQL; SQLite
   serialises writers anyway) and a conditional UPDATE that counts the attempt and pushes its
   next attempt out by a lease — committed before the server is contacted, so no lock is held
   while a slow server answers and no second worker takes it;
2. *deliver* over SMTP, outside any transaction;
3. *finish*: sent, or the next attempt after a growing pause, or failed after the last one.

A crash between 2 and 3 sends that one message again after the lease — never many.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from blinker import Namespace
from flask import current_app, has_request_context
from sqlalchemy import func, select, update

from fallteam.audit.models import AuditAction
from fallteam.audit.operations import record
from fallteam.auth.models import User
from fallteam.core.models import utcnow
from fallteam.extensions import db
from fallteam.mail.models import MailStatus, OutgoingMail
from fallteam.mail.sender import Mailer, SmtpSettings, build_message, describe_error, is_permanent
from fallteam.meetings.models import Meeting

#: the first pause after a failed attempt; it doubles with every further failure …
FIRST_RETRY = timedelta(minutes=1)
#: … up to this
LONGEST_RETRY = timedelta(hours=4)
#: a claimed message waits this long before another worker may take it (after a crash)
CLAIM_LEASE = timedelta(minutes=15)


#: Sent by ``flask mail send-pending`` before sending, with ``now``: the domains that remind
#: people (the session domain: unfinished registrations) queue their due reminders and
#: return how many. Mail itself decides nothing about who is reminded.
reminders_due = Namespace().signal("reminders-due")


class MailKind:
    """What a mail is; stored in ``OutgoingMail.kind``."""

    INVITATION = "invitation"
    UPDATE = "update"
    CANCELLATION = "cancellation"
    REMINDER = "reminder"
    MOVED = "moved"
    PLAN = "plan"
    RESUBMISSION = "resubmission"
    AUDIT_CHECKPOINT = "audit_checkpoint"


@dataclass
class Failure:
    """A message that could not be delivered (no address, no content)."""

    mail_id: uuid.UUID
    kind: str
    attempts: int
    error: str
    final: bool


@dataclass
class SendReport:
    """What one run of the sender did."""

    sent: int = 0
    retried: int = 0
    failed: int = 0
    failures: list[Failure] = field(default_factory=list)


def retry_delay(attempts: int) -> timedelta:
    """The pause after the ``attempts``-th failed attempt: 1, 2, 4, … minutes, at most 4 h."""
    return min(FIRST_RETRY * 2 ** max(attempts - 1, 0), LONGEST_RETRY)


def queue_mail(
    *,
    kind: str,
    to: User | str,
    subject: str,
    body: str,
    calendar: str | None = None,
    meeting: Meeting | None = None,
    now: datetime | None = None,
) -> OutgoingMail:
    """Put a mail in the queue (encrypted); it leaves with the next ``send-pending``."""
    recipient = to if isinstance(to, User) else None
    mail = OutgoingMail(
        kind=kind,
        recipient_id=recipient.id if recipient else None,
        recipient_address=recipient.email if recipient else to,
        subject=subject,
        body=body,
        calendar=calendar,
        meeting_id=meeting.id if meeting else None,
        status=MailStatus.PENDING,
        attempts=0,
        next_attempt_dt=now or utcnow(),
    )
    db.session.add(mail)
    db.session.flush()
    # Ids and the kind only: address, subject and text stay in the encrypted queue.
    record(
        AuditAction.CREATE,
        mail,
        purpose="E-Mail vorgemerkt",
        details={
            "kind": kind,
            "recipient": str(recipient.id) if recipient else None,
            "meeting": str(meeting.id) if meeting else None,
        },
    )
    return mail


def _claim_next(now: datetime) -> uuid.UUID | None:
    """Take the next due message for this worker and commit the claim; None: nothing due."""
    while True:
        row = db.session.execute(
            select(OutgoingMail.id, OutgoingMail.attempts)
            .where(OutgoingMail.status == MailStatus.PENDING, OutgoingMail.next_attempt_dt <= now)
            .order_by(OutgoingMail.next_attempt_dt, OutgoingMail.created_dt)
            .limit(1)
            .with_for_update(skip_locked=True)
        ).first()
        if row is None:
            db.session.commit()  # ends the read; the caller's finished work is kept
            return None
        # Conditional on the attempts seen: if another worker got there first, nothing changes
        # and this one looks for the next message.
        claimed = db.session.execute(
            update(OutgoingMail)
            .where(
                OutgoingMail.id == row.id,
                OutgoingMail.status == MailStatus.PENDING,
                OutgoingMail.attempts == row.attempts,
            )
            .values(attempts=row.attempts + 1, next_attempt_dt=now + CLAIM_LEASE)
            .execution_options(synchronize_session=False)
        ).rowcount
        db.session.commit()
        if claimed == 1:
            return row.id


def _finish(
    mail: OutgoingMail, error: BaseException | None, now: datetime, max_attempts: int
) -> Failure | None:
    if error is None:
        mail.status = MailStatus.SENT
        mail.sent_dt = now
        mail.last_error = None
        failure = None
    else:
        final = is_permanent(error) or mail.attempts >= max_attempts
        mail.last_error = describe_error(error)
        if final:
            mail.status = MailStatus.FAILED
        else:
            mail.next_attempt_dt = now + retry_delay(mail.attempts)
        failure = Failure(mail.id, mail.kind, mail.attempts, mail.last_error, final)
    db.session.flush()
    record(
        AuditAction.UPDATE,
        mail,
        purpose={
            MailStatus.SENT: "E-Mail zugestellt",
            MailStatus.FAILED: "E-Mail endgültig nicht zustellbar",
        }.get(mail.status, "E-Mail-Zustellung verschoben"),
        details={"kind": mail.kind, "status": mail.status, "attempts": mail.attempts},
    )
    db.session.commit()
    return failure


def _give_up(mail_id: uuid.UUID, exc: BaseException) -> Failure:
    """Mark a message failed that cannot even be read or built."""
    db.session.rollback()
    error = describe_error(exc)
    db.session.execute(
        update(OutgoingMail)
        .where(OutgoingMail.id == mail_id)
        .values(status=MailStatus.FAILED, last_error=error)
        .execution_options(synchronize_session=False)
    )
    kind, attempts = db.session.execute(
        select(OutgoingMail.kind, OutgoingMail.attempts).where(OutgoingMail.id == mail_id)
    ).one()
    record(
        AuditAction.UPDATE,
        object_type=OutgoingMail.__audit_type__,
        object_id=mail_id,
        purpose="E-Mail endgültig nicht zustellbar",
        details={"kind": kind, "status": MailStatus.FAILED, "attempts": attempts},
    )
    db.session.commit()
    return Failure(mail_id, kind, attempts, error, final=True)


def send_pending(*, now: datetime | None = None, limit: int = 200) -> SendReport:
    """Send up to ``limit`` due mails, each in transactions of its own (see the module text);
    stop early when the server cannot be reached. It commits: call it with no unfinished work.

    Never inside a web request: a request must not wait for, or fail with, a mail server.
    """
    if has_request_context():
        raise RuntimeError("E-Mails werden nur von 'flask mail send-pending' versendet.")
    clock: Callable[[], datetime] = (lambda: now) if now is not None else utcnow
    settings = SmtpSettings.from_config(current_app.config)
    max_attempts = int(current_app.config["MAIL_MAX_ATTEMPTS"])
    report = SendReport()
    with Mailer(settings) as mailer:
        for _ in range(limit):
            mail_id = _claim_next(clock())
            if mail_id is None:
                break
            try:
                mail = db.session.get(OutgoingMail, mail_id)
                message = build_message(
                    sender=settings.sender,
                    to=mail.recipient_address,
                    subject=mail.subject,
                    body=mail.body,
                    calendar=mail.calendar,
                    sent=clock(),
                )
            except Exception as exc:  # e.g. undecryptable: retrying cannot help
                failure = _give_up(mail_id, exc)
            else:
                error: BaseException | None = None
                try:
                    mailer.send(message)
                except Exception as exc:  # one bad message must not stop the others
                    error = exc
                failure = _finish(mail, error, clock(), max_attempts)
            if failure is None:
                report.sent += 1
            else:
                report.failures.append(failure)
                if failure.final:
                    report.failed += 1
                else:
                    report.retried += 1
            if mailer.unreachable:
                # The server, not this message, is the problem: the others wait for the next
                # run untouched instead of each waiting out a connection timeout.
                break
    return report


def mails_for_meeting(meeting: Meeting) -> list[OutgoingMail]:
    """The session's mails that are still waiting or have failed, with their last error
    (for the moderator's page)."""
    return list(
        db.session.scalars(
            select(OutgoingMail)
            .where(
                OutgoingMail.meeting_id == meeting.id,
                OutgoingMail.status.in_([MailStatus.PENDING, MailStatus.FAILED]),
            )
            .order_by(OutgoingMail.created_dt)
        )
    )


def queue_counts() -> dict[str, int]:
    """How many mails are waiting, sent and failed (for ``flask mail status``)."""
    rows = db.session.execute(
        select(OutgoingMail.status, func.count()).group_by(OutgoingMail.status)
    )
    counts = dict.fromkeys((MailStatus.PENDING, MailStatus.SENT, MailStatus.FAILED), 0)
    counts.update(rows.all())
    return {str(k): v for k, v in counts.items()}
