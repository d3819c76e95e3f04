"""``flask dpo …``: the DPO's scheduled jobs."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from fallteam.core.lifecycle import unit_of_work
from fallteam.dpo.operations import mail_checkpoint as queue_checkpoint_mail


@click.group("dpo", help="Datenschutz: Checkpoints an die oder den Datenschutzbeauftragten senden.")
def dpo_cli() -> None:
    """DPO commands."""


@dpo_cli.command("mail-checkpoint")
@with_appcontext
def mail_checkpoint() -> None:
    """Sign the head now and queue it by e-mail to AUDIT_CHECKPOINT_MAIL_TO (daily, cron)."""
    to = current_app.config.get("AUDIT_CHECKPOINT_MAIL_TO")
    if not to:
        raise click.ClickException("Kein Empfänger eingestellt (AUDIT_CHECKPOINT_MAIL_TO).")
    with unit_of_work():
        queued = queue_checkpoint_mail(to)
    if queued is None:
        raise click.ClickException("Das Protokoll ist noch leer.")
    made, _mail = queued
    click.echo(
        f"Checkpoint {made.seq} an {to} vorgemerkt; er geht mit dem nächsten "
        "mail send-pending hinaus."
    )
