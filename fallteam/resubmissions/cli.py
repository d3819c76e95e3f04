"""``flask resubmissions remind``: the daily e-mail reminder of due Wiedervorlagen (run once a
day by cron or a systemd timer, e.g. at 07:00)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy.exc import SQLAlchemyError

from fallteam.core.lifecycle import unit_of_work
from fallteam.core.models import utcnow
from fallteam.mail.operations import send_pending
from fallteam.resubmissions.operations import queue_due_reminders


@click.group("resubmissions", help="Wiedervorlagen: an fällige erinnern.")
def resubmissions_cli() -> None:
    """Wiedervorlage commands."""


@resubmissions_cli.command("remind")
@with_appcontext
def remind_command() -> None:
    """Remind each responsible person of their due Wiedervorlagen (once per due day), then
    send the queue; mails that fail stay queued for ``flask mail send-pending``."""
    try:
        with unit_of_work():
            queued = queue_due_reminders(now=utcnow())
        report = send_pending()
    except SQLAlchemyError as exc:
        # The class name only: a driver's message may quote a statement or a connection string.
        raise click.ClickException(f"Datenbank nicht erreichbar ({type(exc).__name__}).") from None
    click.echo(
        f"{queued} Erinnerungen an fällige Wiedervorlagen vorgemerkt. "
        f"{report.sent} E-Mails versendet, {report.retried} später erneut, "
        f"{report.failed} endgültig fehlgeschlagen."
    )
