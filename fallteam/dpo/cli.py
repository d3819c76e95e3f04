"""``flask dpo …``: the DPO's scheduled jobs."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from fallteam.core.lifecycle import unit_of_work
from fallteam.dpo.operations import mail_checkpoint as queue_checkpoint_mail
from fallteam.dpo.operations import roll_up_case_report
from fallteam.dpo.queries.case_report import pseudonyms_to_roll_up, report_inputs, roll_up_after


@click.group(
    "dpo",
    help="Datenschutz: Checkpoints an die oder den Datenschutzbeauftragten senden, "
    "Zugriffsberichte verdichten.",
)
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


@dpo_cli.command("roll-up-reports")
@click.option(
    "--rebuild",
    is_flag=True,
    help="Jede Verdichtung neu aus dem Zugriffsprotokoll aufbauen, auch eine aktuelle.",
)
@with_appcontext
def roll_up_reports(rebuild: bool) -> None:
    """Roll up the access reports of busy cases now (else the next look at each does it);
    ``--rebuild`` builds every roll-up anew from the audit log (after a restore, or when a
    stored one is in doubt: the chain is the evidence, the roll-up only a cache)."""
    pseudonyms = pseudonyms_to_roll_up(roll_up_after())
    rolled = 0
    for pseudonym in pseudonyms:
        # one transaction per case: a long run holds no lock on the others
        with unit_of_work():
            rolled += roll_up_case_report(report_inputs(pseudonym), rebuild=rebuild)
    click.echo(f"{rolled} von {len(pseudonyms)} Zugriffsberichten verdichtet.")
