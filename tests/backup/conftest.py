"""A source instance with real data (the demo: cases with families, consents, Fallprotokolle,
a long audit log) and one backup of it, made once per backend; restore targets are fresh,
empty databases with empty instance folders."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import LargeBinary, create_engine, inspect, select, type_coerce

from fallteam import create_app
from fallteam.backup.cli import backup_cli
from fallteam.crypto import envelope, signing
from fallteam.crypto.aead import Place
from fallteam.crypto.keyring import FileKeyProvider, Keyring
from fallteam.crypto.operations import encrypted_columns
from fallteam.crypto.runtime import current_keyring
from fallteam.extensions import db
from tests.conftest import BACKENDS, POSTGRES_URL, _fresh_database_url, test_settings

PASSPHRASE = "Eichhörnchen fahren gern Straßenbahn"


def new_database(backend: str, directory: Path) -> tuple[str, callable]:
    """A database nobody uses yet (a file not yet made, or a new PostgreSQL database)."""
    directory.mkdir(parents=True, exist_ok=True)
    return _fresh_database_url(backend, directory)


def instance_settings(instance: Path, url: str) -> dict:
    """Settings of an instance whose key ring lies in its key file (as in production)."""
    return {
        **test_settings(instance, url),
        "FALLTEAM_KEYRING": None,
        "FALLTEAM_KEY_FILE": str(instance / "keys" / "keyring.json"),
    }


def plaintexts(app: Flask) -> dict[tuple[str, str, uuid.UUID], object]:
    """Every encrypted value of the instance, opened by the crypto code (not the backup's)."""
    found = {}
    with app.app_context():
        session = db.session
        for column in encrypted_columns():
            table = column.table
            owner = table.c[column.owner_column] if column.owner_column else None
            value = table.c[column.column]
            query = select(
                table.c.id,
                type_coerce(value, LargeBinary()),
                *([owner] if owner is not None else []),
            ).where(value.is_not(None))
            for row in session.execute(query):
                place = Place(
                    table.name, column.column, row[0], row[2] if owner is not None else None
                )
                found[(table.name, column.column, row[0])] = envelope.decrypt(
                    session, bytes(row[1]), place
                )
        session.rollback()
    return found


def table_names(url: str) -> list[str]:
    """The tables a database holds (none: it is empty)."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return inspect(conn).get_table_names()
    finally:
        engine.dispose()


@dataclass
class Source:
    """The instance a backup was taken of, and the backup's files."""

    backend: str
    app: Flask
    dump: Path
    keys: Path
    passphrase_file: Path
    values: dict
    create_output: str


@pytest.fixture(scope="module", params=BACKENDS)
def source(request, tmp_path_factory) -> Iterator[Source]:
    """The demo instance on each backend, backed up once through ``flask backup create``."""
    base = tmp_path_factory.mktemp(f"backup-source-{request.param}")
    url, drop = new_database(request.param, base / "db")
    instance = base / "instance"
    FileKeyProvider(instance / "keys" / "keyring.json").store(Keyring.generate())
    settings = {**instance_settings(instance, url), "FALLTEAM_DEMO": True}
    app = create_app(settings)
    app.config["TEST_SETTINGS"] = settings
    with app.app_context():
        upgrade()
        signing.ensure(signing.signing_file(app.config), current_keyring(), "Jugendamt")
    runner = app.test_cli_runner()
    loaded = runner.invoke(args=["demo", "load"])
    assert loaded.exit_code == 0, loaded.output
    passphrase_file = base / "passphrase.txt"
    passphrase_file.write_text(PASSPHRASE + "\n")
    created = runner.invoke(
        args=[
            "backup",
            "create",
            "--output",
            str(base / "sicherung"),
            "--keys-output",
            str(base / "schluessel"),
            "--passphrase-file",
            str(passphrase_file),
        ]
    )
    assert created.exit_code == 0, created.output
    (dump,) = (base / "sicherung").iterdir()
    (keys,) = (base / "schluessel").iterdir()
    yield Source(request.param, app, dump, keys, passphrase_file, plaintexts(app), created.output)
    with app.app_context():
        db.engine.dispose()
    drop()


@dataclass
class Target:
    """An empty instance to restore into: a new database and an empty instance folder."""

    backend: str
    url: str
    instance: Path

    @property
    def key_file(self) -> Path:
        return self.instance / "keys" / "keyring.json"

    def env(self) -> dict[str, str]:
        """The environment the command line of this instance runs with."""
        return {
            "FALLTEAM_INSTANCE_PATH": str(self.instance),
            "DATABASE_URL": self.url,
            "FALLTEAM_ENV": "testing",
            "FALLTEAM_KEYRING": "",
            "FALLTEAM_KEY_FILE": "",
            "FALLTEAM_SIGNING_FILE": "",
            "SECRET_KEY": "",
            "FALLTEAM_BACKUP_PASSPHRASE": "",
        }

    def restore(self, *args: str, input: str | None = None, **environment: str):
        """``flask backup restore …`` on this instance."""
        return CliRunner().invoke(
            backup_cli, ["restore", *args], env={**self.env(), **environment}, input=input
        )

    def app(self) -> Flask:
        """The restored instance, started as it would be: keys from its files."""
        settings = instance_settings(self.instance, self.url)
        settings.pop("SECRET_KEY")  # the one the restore wrote to instance/keys/secret_key
        return create_app(settings)

    def is_untouched(self) -> bool:
        """No table in the database, nothing in the instance folder."""
        return not table_names(self.url) and not any(self.instance.rglob("*"))


def _target(backend: str, directory: Path) -> Iterator[Target]:
    url, drop = new_database(backend, directory / "db")
    instance = directory / "instance"
    instance.mkdir()
    try:
        yield Target(backend, url, instance)
    finally:
        drop()


@pytest.fixture
def target(source, tmp_path) -> Iterator[Target]:
    """An empty instance on the source's backend."""
    yield from _target(source.backend, tmp_path)


@pytest.fixture
def postgres_target(tmp_path) -> Iterator[Target]:
    """An empty instance on PostgreSQL (skipped without one)."""
    if not POSTGRES_URL:
        pytest.skip("PostgreSQL ist nicht eingerichtet (FALLTEAM_TEST_POSTGRES_URL).")
    yield from _target("postgresql", tmp_path)
