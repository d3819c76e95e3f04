"""``flask mail …``: send the queue (run every minute by cron or a systemd timer), status."""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from fallteam.core.lifecycle import unit_of_work
from fallteam.core.models import utcnow
from fallteam.extensions import db
from fallteam.mail.models import MailStatus, OutgoingMail
from fallteam.mail.operations import queue_counts, reminders_due, send_pending


@click.group("mail", help="E-Mail: Warteschlange versenden, Erinnerungen, Zustand.")
def mail_cli() -> None:
    """Mail commands."""


def _database_unreachable(exc: SQLAlchemyError) -> click.ClickException:
    # The class name only: a driver's message may quote a statement or a connection string.
    return click.ClickException(f"Datenbank nicht erreichbar ({type(exc).__name__}).")


@mail_cli.command("send-pending")
@click.option("--limit", type=int, default=200, show_default=True, help="Höchstens so viele.")
@with_appcontext
def send_pending_command(limit: int) -> None:
    """Queue the day-before reminders that are due, then send what is due.

    Exit code 0 even if mails failed (they are listed and stay for the moderator); non-zero
    only if the database cannot be used.
    """
    try:
        with unit_of_work():
            now = utcnow()
            reminders = sum(count for _receiver, count in reminders_due.send(None, now=now))
        report = send_pending(limit=limit)
    except SQLAlchemyError as exc:
        raise _database_unreachable(exc) from None
    click.echo(
        f"{reminders} Erinnerungen vorgemerkt. {report.sent} E-Mails versendet, "
        f"{report.retried} später erneut, {report.failed} endgültig fehlgeschlagen."
    )
    for failure in report.failures:
        outcome = "endgültig fehlgeschlagen" if failure.final else "wird wiederholt"
        click.echo(
            f"  {failure.kind} {failure.mail_id}: {outcome} nach {failure.attempts} "
            f"Versuch(en): {failure.error}"
        )


@mail_cli.command("status")
@with_appcontext
def status_command() -> None:
    """Show how many mails wait, were sent and failed, and the failed ones' errors."""
    try:
        counts = queue_counts()
        failed = db.session.execute(
            select(
                OutgoingMail.id, OutgoingMail.kind, OutgoingMail.attempts, OutgoingMail.last_error
            )
            .where(OutgoingMail.status == MailStatus.FAILED)
            .order_by(OutgoingMail.created_dt.desc())
            .limit(20)
        ).all()
    except SQLAlchemyError as exc:
        raise _database_unreachable(exc) from None
    click.echo(
        f"Wartend: {counts[MailStatus.PENDING]}, versendet: {counts[MailStatus.SENT]}, "
        f"fehlgeschlagen: {counts[MailStatus.FAILED]}."
    )
    for row in failed:
        click.echo(f"  {row.kind} {row.id}: {row.attempts} Versuch(e): {row.last_error}")
