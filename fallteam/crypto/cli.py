"""``flask keys …``: create and inspect the key ring.

Registered as a Flask plugin command so that ``keys init`` runs before the application can
start (the application refuses to start without what it creates).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import click

from fallteam.config import load_settings
from fallteam.crypto.keyring import FileKeyProvider, Keyring, KeyringError, provider_from_settings


@click.group("keys", help="Schlüsselverwaltung (Schlüsselbund, Sitzungsschlüssel).")
def keys_cli() -> None:
    """Key management commands."""


@keys_cli.command("init")
def init_keys() -> None:
    """Create the key ring and the session secret where none exist yet; never overwrite."""
    settings = load_settings()
    provider = provider_from_settings(settings)
    if provider.exists():
        click.echo("Schlüsselbund vorhanden, nichts geändert.")
    elif not isinstance(provider, FileKeyProvider):
        raise click.ClickException("FALLTEAM_KEYRING ist gesetzt, aber leer.")
    else:
        provider.store(Keyring.generate())
        click.echo(f"Schlüsselbund angelegt: {provider.path} (Modus 600). Sicher aufbewahren!")
    if settings.get("SECRET_KEY"):
        click.echo("Sitzungsschlüssel (SECRET_KEY) vorhanden, nichts geändert.")
        return
    secret_file = Path(settings["INSTANCE_PATH"]) / "keys" / "secret_key"
    secret_file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(secret_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(secrets.token_urlsafe(48))
    click.echo(f"Sitzungsschlüssel angelegt: {secret_file} (Modus 600).")


@keys_cli.command("status")
def keys_status() -> None:
    """Show which key versions exist, without printing any key material."""
    settings = load_settings()
    try:
        ring = provider_from_settings(settings).load()
    except KeyringError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"KEK-Versionen: {', '.join(str(v) for v in sorted(ring.keks))}")
    click.echo(f"Aktive KEK-Version: {ring.active_kek}")
