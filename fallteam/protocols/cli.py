"""``flask protocols …``: checking a Protokollauszug handed out by this instance."""

from __future__ import annotations

import hashlib
import logging
from datetime import UTC, datetime
from pathlib import Path

import click
from cryptography.hazmat.primitives import hashes
from flask.cli import with_appcontext

from fallteam.crypto import signing
from fallteam.meetings.rules import local_text
from fallteam.protocols.queries import excerpt_by_sha256


@click.group("protocols", help="Fallprotokolle und Protokollauszüge.")
def protocols_cli() -> None:
    """Protocol commands."""


def _local(moment: datetime) -> str:
    """A moment as the office reads it (Europe/Berlin): "Samstag, 05.12.2026, 13:56 Uhr"
    (a stored time without zone is UTC, as SQLite returns it)."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return f"{local_text(aware)} Uhr"


@protocols_cli.command("verify-excerpt")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def verify_excerpt(file: Path) -> None:
    """Check a Protokollauszug's signature against this instance's certificate or one of its
    earlier (retired) certificates: intact, trusted, covering the whole file. Exit code 0
    only when all holds."""
    # pyHanko logs every refused certificate path; the result below says it in German.
    logging.getLogger("pyhanko").setLevel(logging.CRITICAL)
    logging.getLogger("pyhanko_certvalidator").setLevel(logging.CRITICAL)
    data = file.read_bytes()
    try:
        material = signing.current_material()
    except signing.SigningKeyError as exc:
        raise click.ClickException(str(exc)) from None
    check = signing.verify_pdf(data, material.certificate, material.retired)
    content_hash = signing.content_hash_of(data)
    if check.signer:
        click.echo(f"Signiert von: {check.signer}")
    if check.signed_dt:
        click.echo(f"Signiert am: {_local(check.signed_dt)} (Angabe des Servers)")
    click.echo(f"Inhalts-Hash des Fallprotokolls (laut Dokument): {content_hash or '–'}")
    if not check.valid:
        click.echo(f"UNGÜLTIG: {check.problem}", err=True)
        raise SystemExit(1)
    known = excerpt_by_sha256(hashlib.sha256(data).hexdigest())
    if known is not None:
        click.echo(f"In dieser Instanz erstellt am {_local(known.created_dt)}.")
    if check.retired is not None:
        fingerprint = check.retired.certificate.fingerprint(hashes.SHA256()).hex(":").upper()
        click.echo(
            "Signiert mit einem früheren Zertifikat dieser Instanz "
            f"(abgelöst am {_local(check.retired.retired_dt)}; SHA-256 {fingerprint})."
        )
        click.echo(
            "GÜLTIG: Signatur unverändert, von einem früheren Zertifikat dieser Instanz, "
            "deckt die ganze Datei."
        )
        return
    click.echo(
        "GÜLTIG: Signatur unverändert, vom Zertifikat dieser Instanz, deckt die ganze Datei."
    )
