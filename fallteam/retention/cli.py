"""``flask retention run``: the daily retention run (cron or a systemd timer).

1. Carries out the deletions the DPO confirmed since the last run, each in its own
   transaction (crypto-shredding, rows removed, a deletion certificate): a failure leaves
   that case whole and the others done.
2. Proposes every case past its deletion date (closed, not restricted), and every
   Teamprotokoll whose session day plus the class's years has passed, for deletion; the DPO
   confirms or rejects on ``/datenschutz/loeschungen`` (four eyes), the next run deletes.

``--dry-run`` prints what would be deleted and proposed and changes nothing. ``--today``
runs as on another day (the retention clock is ``retention.rules.today``): a past day, or
any day with ``--dry-run`` (a real run on a future day would delete early). A deletion that
fails is logged and rolled back on its own; the run goes on with the next.
"""

from __future__ import annotations

import logging
from datetime import date

import click
from flask.cli import with_appcontext

from fallteam.core.lifecycle import unit_of_work
from fallteam.extensions import db
from fallteam.retention import operations, rules
from fallteam.retention.models import DeletionProposal, TeamProtocolDeletionProposal

log = logging.getLogger(__name__)


@click.group("retention", help="Löschfristen: fällige Fälle vorschlagen, bestätigte löschen.")
def retention_cli() -> None:
    """Retention commands."""


@retention_cli.command("run")
@click.option("--dry-run", is_flag=True, help="Nur anzeigen, was geschähe; nichts ändern.")
@click.option(
    "--today",
    "on",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Stichtag (JJJJ-MM-TT) statt heute.",
)
@with_appcontext
def run(dry_run: bool, on) -> None:
    """Delete the confirmed cases, then propose the newly due ones."""
    day: date = on.date() if on is not None else rules.today()
    if day > rules.today() and not dry_run:
        # a real run never acts on a day that has not come: it would delete early
        raise click.UsageError("--today in der Zukunft nur mit --dry-run.")
    prefix = "[Probelauf] " if dry_run else ""
    confirmed = operations.confirmed_proposals()
    if dry_run:
        for proposal in confirmed:
            click.echo(
                f"{prefix}würde löschen: {proposal.case_pseudonym} "
                f"({proposal.retention_class}, fällig seit {proposal.deletion_due_on:%d.%m.%Y})"
            )
        due = operations.due_cases(day)
        for case in due:
            click.echo(
                f"{prefix}würde zur Löschung vorschlagen: {case.pseudonym} "
                f"(Löschfrist {case.deletion_due_on:%d.%m.%Y})"
            )
        confirmed_team = operations.confirmed_team_protocol_proposals()
        for proposal in confirmed_team:
            click.echo(
                f"{prefix}würde löschen: Teamprotokoll vom {proposal.session_day:%d.%m.%Y} "
                f"({proposal.retention_class}, fällig seit {proposal.deletion_due_on:%d.%m.%Y})"
            )
        due_team = operations.due_team_protocols(day)
        for _record, meeting in due_team:
            click.echo(
                f"{prefix}würde zur Löschung vorschlagen: Teamprotokoll vom "
                f"{rules.office_day(meeting.starts_dt):%d.%m.%Y}"
            )
        click.echo(
            f"{prefix}Stichtag {day:%d.%m.%Y}: {len(confirmed) + len(confirmed_team)} "
            f"Löschung(en), {len(due) + len(due_team)} neue(r) Vorschlag/Vorschläge. "
            "Nichts geändert."
        )
        db.session.rollback()
        return
    deleted = 0
    failed = 0
    for proposal_id, pseudonym in [(p.id, p.case_pseudonym) for p in confirmed]:
        try:
            with unit_of_work():
                proposal = db.session.get(DeletionProposal, proposal_id)
                try:
                    deletion = operations.delete_case(proposal)
                except operations.RetentionError as exc:
                    # withdrawn (the case changed): the withdrawal is kept
                    click.echo(f"übersprungen: {pseudonym}: {exc}")
                    continue
                click.echo(
                    f"gelöscht: {pseudonym} ({deletion.keys_destroyed} Schlüssel "
                    f"vernichtet, {sum(deletion.rows_removed.values())} Zeilen entfernt, "
                    f"Löschnachweis {deletion.certificate.id})"
                )
                deleted += 1
        except Exception:
            # one case failing (rolled back whole by unit_of_work) does not stop the others
            log.exception("Löschung von %s fehlgeschlagen", pseudonym)
            click.echo(f"fehlgeschlagen: {pseudonym} (nichts geändert, siehe Log)", err=True)
            failed += 1
    confirmed_team = operations.confirmed_team_protocol_proposals()
    for proposal_id, session_day in [(p.id, p.session_day) for p in confirmed_team]:
        label = f"Teamprotokoll vom {session_day:%d.%m.%Y}"
        try:
            with unit_of_work():
                proposal = db.session.get(TeamProtocolDeletionProposal, proposal_id)
                try:
                    certificate = operations.delete_team_protocol(proposal)
                except operations.RetentionError as exc:
                    click.echo(f"übersprungen: {label}: {exc}")
                    continue
                click.echo(f"gelöscht: {label} (Löschnachweis {certificate.id})")
                deleted += 1
        except Exception:
            log.exception("Löschung des %s fehlgeschlagen", label)
            click.echo(f"fehlgeschlagen: {label} (nichts geändert, siehe Log)", err=True)
            failed += 1
    with unit_of_work():
        team_proposals = operations.propose_team_protocol_deletions(day)
        for proposal in team_proposals:
            click.echo(
                f"zur Löschung vorgeschlagen: Teamprotokoll vom {proposal.session_day:%d.%m.%Y} "
                f"({proposal.retention_class}, Löschfrist {proposal.deletion_due_on:%d.%m.%Y})"
            )
    with unit_of_work():
        proposals = operations.propose_deletions(day)
        for proposal in proposals:
            click.echo(
                f"zur Löschung vorgeschlagen: {proposal.case_pseudonym} "
                f"({proposal.retention_class}, Löschfrist {proposal.deletion_due_on:%d.%m.%Y})"
            )
    click.echo(
        f"Stichtag {day:%d.%m.%Y}: {deleted} gelöscht, {failed} fehlgeschlagen, "
        f"{len(proposals) + len(team_proposals)} neu vorgeschlagen; "
        "Bestätigung durch den Datenschutz unter /datenschutz/loeschungen."
    )
