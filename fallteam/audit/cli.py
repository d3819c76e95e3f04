"""``flask audit …``: verify the chain, sign and export checkpoints."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext
from sqlalchemy.exc import SQLAlchemyError

from fallteam.audit import checkpoints
from fallteam.audit.models import VerificationTrigger
from fallteam.audit.operations import (
    VerificationRun,
    checkpoint_directory,
    export_missing_checkpoints,
    latest_checkpoint,
    make_checkpoint,
    public_key,
    remember_verification,
    verify_log,
)
from fallteam.audit.verify import export_checkpoint
from fallteam.core.lifecycle import unit_of_work
from fallteam.core.models import utcnow


@click.group("audit", help="Zugriffsprotokoll: prüfen, Checkpoints signieren und exportieren.")
def audit_cli() -> None:
    """Audit log commands."""


def _read_external(paths: tuple[Path, ...]) -> list[checkpoints.SignedCheckpoint]:
    found = []
    for path in paths:
        try:
            found.extend(checkpoints.parse(path.read_text("utf-8"), path.name))
        except (UnicodeDecodeError, checkpoints.CheckpointFormatError) as exc:
            raise click.ClickException(f"{path.name}: {exc}") from exc
    return found


def external_summary(run: VerificationRun) -> tuple[str, bool]:
    """The line about the newest checkpoint kept outside, and whether it is a warning."""
    newest = run.report.newest_external
    if newest is not None:
        minutes = max(int((utcnow() - newest.created).total_seconds() // 60), 0)
        return (
            f"Neuester externer Checkpoint: Nr. {newest.seq} vom "
            f"{newest.created.strftime('%d.%m.%Y %H:%M')} UTC, vor {minutes} Minuten"
            f"{f' ({newest.source})' if newest.source else ''}.",
            False,
        )
    where = f" in {run.directory}" if run.directory is not None else ""
    return (
        f"WARNUNG: Kein externer Checkpoint gefunden{where}. Ohne ihn bleibt unbemerkt, wenn "
        "jemand die neuesten Ereignisse löscht und den Kettenkopf zurücksetzt.",
        True,
    )


@audit_cli.command("verify")
@click.option("--workers", type=int, default=None, help="Parallele Prozesse (Standard: Kerne).")
@click.option(
    "--external",
    "external",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    multiple=True,
    help="Außerhalb aufbewahrte Checkpoint-Datei zusätzlich prüfen (mehrfach möglich).",
)
@click.option(
    "--no-checkpoint-dir",
    is_flag=True,
    help="Die Checkpoint-Ablage (AUDIT_CHECKPOINT_DIR) nicht heranziehen – dann bleibt ein "
    "abgeschnittenes Ende unbemerkt.",
)
@with_appcontext
def verify(workers: int | None, external: tuple[Path, ...], no_checkpoint_dir: bool) -> None:
    """Recompute the whole chain, check every checkpoint and compare with the newest one kept
    outside; exit 1 naming the first break."""
    run = verify_log(
        workers=workers,
        external=_read_external(external),
        use_directory=not no_checkpoint_dir,
    )
    # the report first: storing the run must not hide what was found
    report = run.report
    rate = report.events / report.seconds if report.seconds else 0
    click.echo(
        f"{report.events} Ereignisse, {report.checkpoints} Checkpoints geprüft "
        f"in {report.seconds:.2f} s ({rate:,.0f} Ereignisse/s)."
    )
    line, warning = external_summary(run)
    click.echo(line, err=warning)
    _remember(run)
    if report.intact:
        click.echo("Protokoll unversehrt.")
        return
    if report.first_broken_seq is not None:
        click.echo(
            f"PROTOKOLL VERLETZT: erstes betroffenes Ereignis Nr. {report.first_broken_seq} "
            f"({report.reason}).",
            err=True,
        )
    else:
        click.echo("PROTOKOLL VERLETZT.", err=True)
    for problem in report.problems:
        click.echo(f"  - {problem}", err=True)
    raise SystemExit(1)


def _remember(run: VerificationRun) -> None:
    """Store the run in a transaction of its own; when its chain event cannot be written (the
    log is broken in a way that makes it collide), store the run without it."""
    try:
        with unit_of_work():
            remember_verification(run, VerificationTrigger.CLI, actor=None)
    except SQLAlchemyError as exc:
        try:
            with unit_of_work():
                remember_verification(run, VerificationTrigger.CLI, actor=None, with_event=False)
        except SQLAlchemyError:
            click.echo(f"WARNUNG: Prüfung nicht gespeichert ({type(exc).__name__}).", err=True)
            return
    if not run.recorded:
        click.echo(
            "WARNUNG: Die Prüfung ist gespeichert, aber ohne ihr Ereignis in der Kette "
            "(es hätte mit eingeschobenen Ereignissen kollidiert).",
            err=True,
        )


@audit_cli.command("checkpoint")
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Datei, in die der Checkpoint geschrieben wird (sonst Ausgabe).",
)
@with_appcontext
def checkpoint(output: Path | None) -> None:
    """Sign the current head now (it also goes to the checkpoint directory) and print it for
    safekeeping outside the system."""
    with unit_of_work():
        made = make_checkpoint() or latest_checkpoint()
    if made is None:
        raise click.ClickException("Das Protokoll ist noch leer.")
    export_missing_checkpoints()
    text = export_checkpoint(made, public_key())
    if output:
        output.write_text(text)
        click.echo(f"Checkpoint {made.seq} gespeichert: {output}")
    else:
        click.echo(text, nl=False)


@audit_cli.command("export-checkpoints")
@with_appcontext
def export_checkpoints() -> None:
    """Write every signed checkpoint the checkpoint directory still lacks."""
    directory = checkpoint_directory()
    if directory is None:
        raise click.ClickException("Keine Checkpoint-Ablage eingestellt (AUDIT_CHECKPOINT_DIR).")
    with unit_of_work():
        written = export_missing_checkpoints()
    click.echo(f"{written} Checkpoints nach {directory} geschrieben.")
