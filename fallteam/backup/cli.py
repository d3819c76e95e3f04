"""``flask backup …``: take a backup (database dump plus passphrase-sealed key backup) and
restore one into an empty instance.

Also a Flask plugin command (like ``flask keys``): ``backup restore`` must run where the
application cannot start yet, because the key ring it needs is inside the key backup.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import click
from flask.cli import with_appcontext
from sqlalchemy import make_url
from sqlalchemy.exc import SQLAlchemyError

from fallteam import create_app
from fallteam.backup import operations
from fallteam.backup.archive import BackupError, open_keys
from fallteam.config import ConfigurationError, load_settings
from fallteam.core.lifecycle import unit_of_work
from fallteam.extensions import db

PASSPHRASE_VARIABLE = "FALLTEAM_BACKUP_PASSPHRASE"  # noqa: S105 (a variable name)


@click.group(
    "backup", help="Datensicherung: Sicherung anlegen, in eine leere Instanz zurückspielen."
)
def backup_cli() -> None:
    """Backup commands."""


def _passphrase(path: Path | None, *, confirm: bool) -> str:
    if path is not None:
        return path.read_text("utf-8").rstrip("\r\n")
    if os.environ.get(PASSPHRASE_VARIABLE):
        return os.environ[PASSPHRASE_VARIABLE]
    return click.prompt(
        "Passphrase der Schlüsselsicherung",
        hide_input=True,
        confirmation_prompt="Passphrase wiederholen" if confirm else False,
    )


def _size(count: int) -> str:
    return f"{count:,}".replace(",", ".")


_PASSPHRASE_FILE = click.option(
    "--passphrase-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help=f"Datei mit der Passphrase (sonst ${PASSPHRASE_VARIABLE} oder Eingabe).",
)


@backup_cli.command(
    "create",
    help="Sicherung anlegen: die verschlüsselte Datenbanksicherung und, getrennt davon, die "
    "mit einer Passphrase verschlüsselte Schlüsselsicherung (Schlüsselbund, "
    "Dokumentsignaturschlüssel, Sicherungsschlüssel). Beide Dateien an verschiedenen Orten "
    "verwahren.",
)
@click.option(
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Ordner für die Datenbanksicherung (wird angelegt).",
)
@click.option(
    "--keys-output",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Ordner für die Schlüsselsicherung (Standard: wie --output; besser ein anderer Ort).",
)
@_PASSPHRASE_FILE
@with_appcontext
def create(output: Path | None, keys_output: Path | None, passphrase_file: Path | None) -> None:
    """Write a backup: the encrypted database dump and, separately, the key backup sealed
    with a passphrase. Keep the two files in different places."""
    if output is None:
        raise click.ClickException("Sicherung abgebrochen: Zielordner fehlt (--output ORDNER).")
    passphrase = _passphrase(passphrase_file, confirm=True)
    written: list[Path] = []
    try:
        with unit_of_work():
            result = operations.create_backup(output, keys_output or output, passphrase)
            written = [result.dump_path, result.key_path]
    except (BackupError, OSError, SQLAlchemyError) as exc:
        # The files are written before the EXPORT event commits: an export the access log
        # does not show must not stay behind.
        operations.remove_files(written)
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise click.ClickException(f"Sicherung abgebrochen: {reason}") from None
    click.echo(
        f"Datenbanksicherung: {result.dump_path} ({_size(result.dump_bytes)} Bytes; "
        f"{len(result.tables)} Tabellen, {_size(result.rows)} Zeilen; Audit-Kette bis "
        f"Nr. {result.head_seq}; Datenbankstand {result.revision})"
    )
    extras = ", Dokumentsignaturschlüssel" if result.with_signing_file else ""
    click.echo(
        f"Schlüsselsicherung: {result.key_path} ({_size(result.key_bytes)} Bytes; Schlüsselbund "
        f"mit KEK-Version(en) {', '.join(map(str, result.kek_versions))}{extras}, "
        "Sicherungsschlüssel; mit der Passphrase verschlüsselt)"
    )
    click.echo(f"Sicherungs-ID: {result.backup_id}")
    click.echo(
        "Beide Dateien getrennt verwahren: Die Datenbanksicherung ist ohne die "
        "Schlüsselsicherung und ihre Passphrase nicht lesbar, die Passphrase gehört an einen "
        "dritten Ort."
    )


def _abort(exc: BaseException | str) -> click.ClickException:
    return click.ClickException(f"Wiederherstellung abgebrochen: {exc}")


def _new_sqlite_file(uri: str) -> Path | None:
    """The SQLite file of ``uri`` if it does not exist yet (a failed restore removes it)."""
    url = make_url(uri)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    path = Path(url.database)
    return None if path.exists() else path


@backup_cli.command(
    "restore",
    help="Sicherung in die LEERE Datenbank dieser Instanz zurückspielen und Schlüsselbund "
    "und Dokumentsignaturschlüssel der Instanz schreiben. Audit-Kette und jeder "
    "verschlüsselte Wert werden vor dem Commit geprüft; überschreibt nie.",
)
@click.argument("dump", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--keys",
    "keys_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Die Schlüsselsicherung, die mit dieser Datenbanksicherung angelegt wurde.",
)
@_PASSPHRASE_FILE
def restore(dump: Path, keys_file: Path | None, passphrase_file: Path | None) -> None:
    """Restore a backup into this instance's EMPTY database and write its key files; the
    audit chain and every encrypted value are checked before anything is committed."""
    if keys_file is None:
        raise _abort(
            "Ohne die Schlüsselsicherung (--keys DATEI) lässt sich die Datenbanksicherung "
            "nicht entschlüsseln."
        )
    if not keys_file.is_file():
        raise _abort(f"Schlüsselsicherung {keys_file} nicht gefunden.")
    if not dump.is_file():
        raise _abort(f"Datenbanksicherung {dump} nicht gefunden.")
    try:
        settings = load_settings()
        keys = open_keys(keys_file.read_bytes(), _passphrase(passphrase_file, confirm=False))
        click.echo(f"Schlüsselsicherung geöffnet (Sicherung {keys.backup_id} vom {keys.created}).")
        info = operations.inspect_dump(dump, keys)
        operations.check_key_targets(settings, keys)
    except (BackupError, ConfigurationError) as exc:
        raise _abort(exc) from None
    click.echo(
        f"Datenbanksicherung geprüft: {len(info.tables)} Tabellen, {_size(info.rows)} Zeilen, "
        f"Audit-Kette bis Nr. {info.head_seq}, Datenbankstand {info.revision} ({info.dialect})."
    )
    # The application starts with the ring from the backup, held in memory until the restore
    # has proven it; a throwaway session secret if none is configured (nothing is signed).
    overrides = {"FALLTEAM_KEYRING": keys.ring.to_json()}
    if not settings.get("SECRET_KEY"):
        overrides["SECRET_KEY"] = secrets.token_urlsafe(48)
    try:
        app = create_app(overrides)
    except ConfigurationError as exc:
        raise _abort(exc) from None
    new_file = _new_sqlite_file(app.config["SQLALCHEMY_DATABASE_URI"])
    written: list[Path] = []
    try:
        with app.app_context():
            try:
                with unit_of_work():
                    result = operations.restore_database(dump, keys, info)
                    written = operations.install_keys(settings, keys)
            finally:
                db.engine.dispose()
    except Exception as exc:  # noqa: BLE001 - whatever failed, the target is left as it was
        operations.remove_files(written)
        if new_file is not None:
            operations.remove_files(
                [new_file, *(new_file.with_name(new_file.name + s) for s in ("-wal", "-shm"))]
            )
        if isinstance(exc, SQLAlchemyError):
            # the first line only: the next ones carry the statement, its parameters (rows of
            # the backup) and PostgreSQL's DETAIL with the values of a key
            raise _abort(str(exc).splitlines()[0] if str(exc) else type(exc).__name__) from None
        if isinstance(exc, BackupError | OSError):
            raise _abort(exc) from None
        raise _abort(f"unerwarteter Fehler ({type(exc).__name__}: {exc})") from exc
    click.echo(
        f"Wiederhergestellt: {result.tables} Tabellen, {_size(result.rows)} Zeilen. "
        f"Audit-Kette geprüft: {_size(result.events)} Ereignisse, {result.checkpoints} "
        f"Checkpoints, unversehrt. Verschlüsselte Werte geprüft: {_size(result.decrypted)} "
        f"entschlüsselt, {_size(result.shredded)} krypto-gelöscht."
    )
    for path in written:
        click.echo(f"Geschrieben: {path} (Modus 600).")
    if not written:
        click.echo("Schlüsselbund und Dokumentsignaturschlüssel waren schon vorhanden (gleich).")
    secret = operations.ensure_session_secret(settings)
    if secret is not None:
        click.echo(
            f"Sitzungsschlüssel neu angelegt: {secret} (Modus 600); alle melden sich neu an."
        )
    click.echo(
        "Danach: 'flask audit verify' (vergleicht auch mit der Checkpoint-Ablage) und "
        "'flask keys status'."
    )
