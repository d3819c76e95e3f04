"""``flask keys …``: create and inspect the key ring.

Registered as a Flask plugin command so that ``keys init`` runs before the application can
start (the application refuses to start without what it creates).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import click
from flask import current_app
from flask.cli import ScriptInfo, with_appcontext

from fallteam.config import load_settings
from fallteam.crypto import signing
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
    _init_signing_key(settings, provider.load())
    if settings.get("SECRET_KEY"):
        click.echo("Sitzungsschlüssel (SECRET_KEY) vorhanden, nichts geändert.")
        return
    secret_file = Path(settings["INSTANCE_PATH"]) / "keys" / "secret_key"
    secret_file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(secret_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(secrets.token_urlsafe(48))
    click.echo(f"Sitzungsschlüssel angelegt: {secret_file} (Modus 600).")


def _init_signing_key(settings, ring: Keyring) -> None:
    """The document-signing key of the Protokollauszug: a self-signed certificate where none
    exists yet; never overwritten."""
    path = signing.signing_file(settings)
    if signing.ensure(path, ring, settings["FALLTEAM_INSTANCE_NAME"]):
        click.echo(f"Dokumentsignaturschlüssel (selbstsigniert) angelegt: {path} (Modus 600).")
    else:
        click.echo("Dokumentsignaturschlüssel vorhanden, nichts geändert.")


@keys_cli.command("import-signing-cert")
@click.argument("keyfile", type=click.File("rb"))
@click.argument("certfile", type=click.File("rb"))
@click.option("--password-prompt", is_flag=True, help="Der Schlüssel ist passwortgeschützt.")
def import_signing_cert(keyfile, certfile, password_prompt: bool) -> None:
    """Use a key and certificate (PEM) of the office's PKI to sign Protokollauszüge; replaces
    the self-signed one. The replaced certificate is kept in the signing file as a retired
    one, so excerpts signed before stay checkable."""
    settings = load_settings()
    password = None
    if password_prompt:
        password = click.prompt("Passwort des Schlüssels", hide_input=True).encode()
    try:
        ring = provider_from_settings(settings).load()
        material = signing.import_pem(
            signing.signing_file(settings), ring, keyfile.read(), certfile.read(), password
        )
    except (KeyringError, signing.SigningKeyError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(
        f"Dokumentsignatur-Zertifikat übernommen: {material.certificate.subject.rfc4514_string()}"
    )
    click.echo(f"Abgelöste Zertifikate in der Datei (für ältere Auszüge): {len(material.retired)}")


@keys_cli.command("status")
@click.option("--offline", is_flag=True, help="Nur den Schlüsselbund prüfen, ohne Datenbank.")
@click.pass_context
def keys_status(ctx: click.Context, offline: bool) -> None:
    """Show key versions and how many data keys each wraps, without printing key material."""
    if offline:
        try:
            ring = provider_from_settings(load_settings()).load()
        except KeyringError as exc:
            raise click.ClickException(str(exc)) from None
        _print_ring(ring)
        return
    # why: `flask keys` is found without loading the app (it creates what the app needs).
    from fallteam.crypto import operations
    from fallteam.crypto.runtime import current_keyring

    with ctx.ensure_object(ScriptInfo).load_app().app_context():
        _print_ring(current_keyring())
        for version, count in sorted(operations.keys_by_kek_version().items()):
            click.echo(f"Datenschlüssel unter KEK-Version {version}: {count}")
        if operations.reencryption_pending():
            click.echo("Eine Neuverschlüsselung ist begonnen und nicht beendet: 'keys reencrypt'.")


def _print_ring(ring: Keyring) -> None:
    click.echo(f"KEK-Versionen: {', '.join(str(v) for v in sorted(ring.keks))}")
    click.echo(f"Aktive KEK-Version: {ring.active_kek}")


def _batches(step, label: str) -> int:
    """Run ``step`` (one batch, flushed) in its own transaction until it finds no more work."""
    # why: `flask keys` is found without loading the app (it creates what the app needs).
    from fallteam.core.lifecycle import unit_of_work

    total = 0
    while True:
        with unit_of_work():
            done = step()
        if not done:
            return total
        total += done
        click.echo(f"  {label}: {total}")


@keys_cli.command("rotate-kek")
@click.option("--batch-size", default=1000, show_default=True)
@click.option("--resume", is_flag=True, help="Keine neue Version anlegen, nur fertig umschlüsseln.")
@with_appcontext
def rotate_kek(batch_size: int, resume: bool) -> None:
    """New KEK version; rewrap every data key under it. Data rows are not touched; the old
    version keeps working until retired. Online: safe while the application runs."""
    # why: `flask keys` is found without loading the app (it creates what the app needs).
    from fallteam.core.lifecycle import unit_of_work
    from fallteam.crypto import operations

    if not resume:
        with unit_of_work():
            version = operations.add_kek_version(provider_from_settings(current_app.config))
        click.echo(f"Neue KEK-Version {version} angelegt und aktiv.")
    total = _batches(lambda: operations.rewrap_batch(batch_size), "umgeschlüsselt")
    with unit_of_work():
        operations.finish_kek_rotation(total)
    click.echo(f"Fertig: {total} Datenschlüssel unter der neuen KEK-Version.")


@keys_cli.command("retire-kek")
@click.argument("version", type=int)
@with_appcontext
def retire_kek(version: int) -> None:
    """Remove an old KEK version from the ring once no data key uses it."""
    # why: `flask keys` is found without loading the app (it creates what the app needs).
    from fallteam.crypto import operations
    from fallteam.crypto.runtime import current_keyring, replace_keyring

    ring = current_keyring()
    if version == ring.active_kek:
        raise click.ClickException("Die aktive KEK-Version kann nicht stillgelegt werden.")
    if operations.keys_by_kek_version().get(version):
        raise click.ClickException(
            f"KEK-Version {version} schützt noch Datenschlüssel: erst 'keys rotate-kek --resume'."
        )
    retired = Keyring(
        keks={v: k for v, k in ring.keks.items() if v != version},
        active_kek=ring.active_kek,
        audit_mac_key=ring.audit_mac_key,
        blind_index_key=ring.blind_index_key,
        checkpoint_signing_key=ring.checkpoint_signing_key,
    )
    provider_from_settings(current_app.config).store(retired)
    replace_keyring(retired)
    click.echo(f"KEK-Version {version} stillgelegt.")


@keys_cli.command("reencrypt")
@click.option("--batch-size", default=1000, show_default=True)
@with_appcontext
def reencrypt(batch_size: int) -> None:
    """New data keys for every owner; values re-encrypted in batches, old keys then destroyed.

    A run either finishes a round that was stopped (crash, Ctrl+C) or starts a new one; within
    a round every value is re-encrypted exactly once, and concurrent edits are never
    overwritten."""
    # why: `flask keys` is found without loading the app (it creates what the app needs).
    from fallteam.core.lifecycle import unit_of_work
    from fallteam.crypto import operations

    if operations.reencryption_pending():
        click.echo("Setze begonnene Neuverschlüsselung fort.")
    else:
        with unit_of_work():
            count = operations.start_reencryption()
        click.echo(f"Neue Datenschlüssel für {count} Eigentümer angelegt.")
    total = _batches(lambda: operations.reencrypt_batch(batch_size), "neu verschlüsselt")
    with unit_of_work():
        retired = operations.retire_unused_keys()
    click.echo(f"Fertig: {total} Werte neu verschlüsselt, {retired} alte Schlüssel vernichtet.")
