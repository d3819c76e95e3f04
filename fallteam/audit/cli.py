"""``flask audit …``: verify the chain, sign and export checkpoints."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from fallteam.audit import chain
from fallteam.audit.operations import latest_checkpoint, make_checkpoint
from fallteam.audit.verify import check_external_checkpoint, export_checkpoint, verify_audit_log
from fallteam.core.lifecycle import unit_of_work
from fallteam.crypto.runtime import current_keyring
from fallteam.extensions import db


@click.group("audit", help="Zugriffsprotokoll: prüfen, Checkpoints signieren und exportieren.")
def audit_cli() -> None:
    """Audit log commands."""


def _public_key() -> bytes:
    return chain.public_key_of(current_keyring().checkpoint_signing_key)


@audit_cli.command("verify")
@click.option("--workers", type=int, default=None, help="Parallele Prozesse (Standard: Kerne).")
@click.option(
    "--external",
    "external",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    multiple=True,
    help="Außerhalb aufbewahrte Checkpoint-Datei zusätzlich prüfen (mehrfach möglich).",
)
@with_appcontext
def verify(workers: int | None, external: tuple[Path, ...]) -> None:
    """Recompute the whole chain and check every checkpoint; exit 1 naming the first break."""
    report = verify_audit_log(
        db.engine, current_keyring().audit_mac_key, _public_key(), workers=workers
    )
    for path in external:
        problem = check_external_checkpoint(db.engine, _public_key(), path.read_text())
        if problem:
            report.note(None, f"{path.name}: {problem}")
    rate = report.events / report.seconds if report.seconds else 0
    click.echo(
        f"{report.events} Ereignisse, {report.checkpoints} Checkpoints geprüft "
        f"in {report.seconds:.2f} s ({rate:,.0f} Ereignisse/s)."
    )
    if report.intact:
        click.echo("Protokoll unversehrt.")
        return
    if report.first_broken_seq is not None:
        click.echo(
            f"PROTOKOLL VERLETZT: erstes betroffenes Ereignis Nr. {report.first_broken_seq} "
            f"({report.reason}).",
            err=True,
        )
    for problem in report.problems:
        click.echo(f"  - {problem}", err=True)
    raise SystemExit(1)


@audit_cli.command("checkpoint")
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Datei, in die der Checkpoint geschrieben wird (sonst Ausgabe).",
)
@with_appcontext
def checkpoint(output: Path | None) -> None:
    """Sign the current head now and print it for safekeeping outside the system."""
    with unit_of_work():
        made = make_checkpoint() or latest_checkpoint()
    if made is None:
        raise click.ClickException("Das Protokoll ist noch leer.")
    text = export_checkpoint(made, _public_key())
    if output:
        output.write_text(text)
        click.echo(f"Checkpoint {made.seq} gespeichert: {output}")
    else:
        click.echo(text, nl=False)
