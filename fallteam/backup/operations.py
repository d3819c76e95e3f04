"""Taking a backup and restoring it into an empty instance.

The dump is portable: every table of the metadata, in dependency order, as JSON lines
(bytes in Base64, times in ISO 8601) with the Alembic revision, row counts and a SHA-256 per
table. It is read in one snapshot (PostgreSQL: REPEATABLE READ; SQLite: one read transaction
on the write-ahead log), so the audit chain head and its events agree, and it restores into
SQLite or PostgreSQL alike.

A restore runs in one transaction: the empty database is migrated to the dump's revision, the
rows are inserted (the append-only audit tables only ever see INSERTs), the database is
migrated on to this version's head, and then the audit chain is verified with the restored
audit key and every encrypted value is decrypted. Only then are the key files written and
the transaction committed; anything that fails before leaves the target as it was.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from alembic import command
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Connection,
    Date,
    DateTime,
    Engine,
    Float,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    Time,
    Uuid,
    cast,
    insert,
    inspect,
    select,
    text,
    type_coerce,
)
from sqlalchemy.types import TypeDecorator

from fallteam.audit import chain
from fallteam.audit.models import AuditAction, AuditChainHead
from fallteam.audit.operations import record
from fallteam.audit.verify import reading_engine, verify_audit_log
from fallteam.backup import archive
from fallteam.backup.archive import BackupError, KeyBackup
from fallteam.core.models import Base, UTCDateTime, utcnow
from fallteam.crypto import aead, envelope, signing
from fallteam.crypto.keyring import FileKeyProvider, Keyring, KeyringError
from fallteam.crypto.models import DataKey
from fallteam.crypto.operations import encrypted_columns
from fallteam.crypto.runtime import current_keyring
from fallteam.extensions import db

#: tables a fresh migration fills (the institutions list, the chain head at 0): a database
#: with rows only there holds nothing that a restore could overwrite
_SEEDED = frozenset({"alembic_version", "institutions", "audit_chain_head"})
_BATCH = 500


# --- values ---------------------------------------------------------------------------------


def _tag(column: Column) -> str:
    """How a column's values are written in the dump (refuses a type it does not know, so
    nothing is ever dropped silently)."""
    kind = column.type
    if isinstance(kind, UTCDateTime):
        return "utc"
    if isinstance(kind, TypeDecorator):
        kind = kind.impl_instance
    for cls, tag in (
        (LargeBinary, "bytes"),
        (Uuid, "uuid"),
        (DateTime, "datetime"),
        (Date, "date"),
        (Time, "time"),
        (Boolean, "bool"),
        (Integer, "int"),
        (Float, "float"),
        (JSON, "json"),
        (String, "str"),
    ):
        if isinstance(kind, cls):
            return tag
    raise BackupError(f"Spalte {column.table.name}.{column.name}: Typ {kind!r} nicht gesichert.")


_INSERT_TYPES = {
    "bytes": LargeBinary,
    "uuid": Uuid,
    "utc": UTCDateTime,
    "datetime": DateTime,
    "date": Date,
    "time": Time,
    "bool": Boolean,
    "int": BigInteger,
    "float": Float,
    "json": lambda: JSON(none_as_null=True),
    "str": Text,
}


def _read_expression(column: Column, tag: str):
    if tag == "bytes":  # the raw ciphertext, not the encrypted type's Sealed wrapper
        return type_coerce(column, LargeBinary())
    if tag == "json":  # the text, so SQL NULL and JSON null stay apart
        return cast(column, Text)
    return column


def _encode(value: Any, tag: str) -> Any:
    if value is None:
        return None
    if tag == "bytes":
        return base64.b64encode(bytes(value)).decode("ascii")
    if tag == "uuid":
        return value.hex
    if tag in ("utc", "datetime", "date", "time"):
        return value.isoformat()
    return value


def _decode(value: Any, tag: str) -> Any:
    if value is None:
        return None
    if tag == "bytes":
        return base64.b64decode(value, validate=True)
    if tag == "uuid":
        return uuid.UUID(hex=value)
    if tag in ("utc", "datetime"):
        return datetime.fromisoformat(value)
    if tag == "date":
        return date.fromisoformat(value)
    if tag == "time":
        return time.fromisoformat(value)
    if tag == "json":
        parsed = json.loads(value)
        return JSON.NULL if parsed is None else parsed
    return value


def _line(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=True, separators=(",", ":")).encode() + b"\n"


# --- taking a backup ------------------------------------------------------------------------


@dataclass
class TableCount:
    """One table of a dump: its rows and the SHA-256 of their lines."""

    name: str
    rows: int
    sha256: str


@dataclass
class BackupResult:
    """What ``create_backup`` wrote."""

    backup_id: str
    dump_path: Path
    dump_bytes: int
    key_path: Path
    key_bytes: int
    revision: str
    head_seq: int
    tables: list[TableCount] = field(default_factory=list)
    kek_versions: list[int] = field(default_factory=list)
    with_signing_file: bool = False

    @property
    def rows(self) -> int:
        """Rows in all tables."""
        return sum(t.rows for t in self.tables)


def _migrate_config():
    return current_app.extensions["migrate"].migrate.get_config()


def _script() -> ScriptDirectory:
    return ScriptDirectory.from_config(_migrate_config())


@contextmanager
def _snapshot(engine: Engine) -> Iterator[Connection]:
    """One read-only snapshot of the whole database (see the module docstring)."""
    with reading_engine(engine) as reader, reader.connect() as connection:
        if connection.dialect.name == "postgresql":
            connection = connection.execution_options(
                isolation_level="REPEATABLE READ", postgresql_readonly=True
            )
        with connection.begin():
            yield connection


def _self_references(table: Table) -> list[str]:
    return [fk.parent.name for fk in table.foreign_keys if fk.column.table is table]


def _table_rows(connection: Connection, table: Table, tags: list[tuple[str, str]]):
    columns = [table.c[name] for name, _ in tags]
    query = select(*(_read_expression(c, tag) for c, (_, tag) in zip(columns, tags, strict=True)))
    query = query.order_by(*table.primary_key.columns)
    # a server-side cursor on PostgreSQL: closed even when the dump stops half-way
    rows = connection.execute(query, execution_options={"yield_per": 2000})
    try:
        encoded = ([_encode(v, tag) for v, (_, tag) in zip(row, tags, strict=True)] for row in rows)
        parents = _self_references(table)
        if not parents:
            yield from encoded
            return
        waiting = list(encoded)
    finally:
        rows.close()
    # A row that refers to another of its table (a consent superseding one, a renewed
    # resubmission) is written after it, so the restore inserts in an order its foreign
    # keys accept; these tables are small.
    names = [name for name, _ in tags]
    key = names.index("id")
    refs = [names.index(p) for p in parents]
    written: set = set()
    while waiting:
        ready = [r for r in waiting if all(r[i] is None or r[i] in written for i in refs)]
        if not ready:
            raise BackupError(f"Tabelle {table.name}: Bezüge der Zeilen bilden einen Kreis.")
        for row in ready:
            written.add(row[key])
            yield row
        waiting = [r for r in waiting if r[key] not in written]


def _covering_ring(connection: Connection, before: Keyring, after: Keyring) -> Keyring:
    """The ring a backup needs: every KEK version of the ring as read before and after the
    snapshot began (a rotation or retirement meanwhile), checked against the versions the
    snapshot's data keys are wrapped with."""
    if (before.audit_mac_key, before.checkpoint_signing_key, before.blind_index_key) != (
        after.audit_mac_key,
        after.checkpoint_signing_key,
        after.blind_index_key,
    ):
        raise BackupError("Der Schlüsselbund wurde während der Sicherung ausgetauscht.")
    ring = Keyring(
        keks={**before.keks, **after.keks},
        active_kek=after.active_kek,
        audit_mac_key=after.audit_mac_key,
        blind_index_key=after.blind_index_key,
        checkpoint_signing_key=after.checkpoint_signing_key,
    )
    used = connection.scalars(
        select(DataKey.kek_version).where(DataKey.wrapped_key.is_not(None)).distinct()
    ).all()
    missing = sorted(set(used) - set(ring.keks))
    if missing:
        raise BackupError(
            f"Datenschlüssel sind mit KEK-Version(en) {missing} verpackt, die der Schlüsselbund "
            "nicht enthält; 'flask keys status' prüfen."
        )
    return ring


def create_backup(output: Path, keys_output: Path, passphrase: str) -> BackupResult:
    """Write the encrypted dump to ``output`` and the passphrase-sealed key backup to
    ``keys_output`` (two files, to be kept in different places); records an EXPORT event.
    Neither file replaces an existing one."""
    archive.check_passphrase(passphrase)
    ring_before = current_keyring()
    signing_path = signing.signing_file(current_app.config)
    signing_text = signing_path.read_text() if signing_path.is_file() else None
    stamp = utcnow()
    backup_id = uuid.uuid4().hex
    created, backup_key = stamp.isoformat(), aead.new_key()
    rings: list[Keyring] = []
    name = stamp.strftime("%Y%m%d-%H%M%S")
    dump_path = output / f"fallteam-datenbank-{name}.sicherung"
    key_path = keys_output / f"fallteam-schluessel-{name}.json"
    if dump_path.exists() or key_path.exists():
        raise BackupError("Für diese Sekunde liegt schon eine Sicherung vor; gleich noch einmal.")
    head = _script().get_current_head()
    result = BackupResult(backup_id, dump_path, 0, key_path, 0, head or "", 0)

    def write_dump(fh) -> None:
        writer = archive.DumpWriter(fh, backup_key, {"backup_id": backup_id, "created": created})
        with _snapshot(db.engine) as connection:
            revision = MigrationContext.configure(connection).get_current_revision()
            if revision != head:
                raise BackupError(
                    f"Die Datenbank steht auf Revision {revision}, dieses Programm auf {head}: "
                    "erst 'flask db upgrade'."
                )
            # the snapshot exists now: with the ring read before and after it, every KEK
            # version that wraps a data key in the snapshot is in the backup
            ring = _covering_ring(connection, ring_before, current_keyring())
            rings.append(ring)
            result.head_seq = connection.scalar(select(AuditChainHead.last_seq)) or 0
            tables = Base.metadata.sorted_tables
            writer.line(
                _line(
                    {
                        "begin": {
                            "backup_id": backup_id,
                            "revision": revision,
                            "created": created,
                            "dialect": connection.dialect.name,
                            "keyring": archive.keyring_fingerprint(ring),
                            "tables": [t.name for t in tables],
                        }
                    }
                )
            )
            for table in tables:
                tags = [(c.name, _tag(c)) for c in table.columns]
                writer.line(_line({"table": table.name, "columns": tags}))
                digest, count = hashlib.sha256(), 0
                for row in _table_rows(connection, table, tags):
                    data = _line(row)
                    digest.update(data)
                    writer.line(data)
                    count += 1
                result.tables.append(TableCount(table.name, count, digest.hexdigest()))
                writer.line(_line({"end": table.name, "rows": count, "sha256": digest.hexdigest()}))
            writer.line(
                _line(
                    {
                        "manifest": {
                            "backup_id": backup_id,
                            "revision": revision,
                            "head_seq": result.head_seq,
                            "tables": {t.name: [t.rows, t.sha256] for t in result.tables},
                        }
                    }
                )
            )
        writer.close()

    result.dump_bytes = archive.write_private(dump_path, write_dump)
    ring = rings[0]
    keys = KeyBackup(backup_id, created, ring, signing_text, backup_key)
    sealed = archive.seal_keys(keys, passphrase)
    try:
        result.key_bytes = archive.write_private(key_path, lambda fh: fh.write(sealed))
    except BaseException:
        dump_path.unlink(missing_ok=True)  # a dump without its keys is useless
        raise
    result.kek_versions = sorted(ring.keks)
    result.with_signing_file = signing_text is not None
    record(
        AuditAction.EXPORT,
        object_type="database",
        object_id=backup_id,
        purpose="Datensicherung",
        actor=None,
        details={
            "backup_id": backup_id,
            "revision": result.revision,
            "head_seq": result.head_seq,
            "tables": len(result.tables),
            "rows": result.rows,
            "dump_bytes": result.dump_bytes,
            "dump_file": dump_path.name,
            "key_file": key_path.name,
        },
    )
    return result


# --- reading a dump -------------------------------------------------------------------------


@dataclass
class DumpTable:
    """One table as the dump describes it."""

    name: str
    columns: list[tuple[str, str]]
    rows: int
    sha256: str


@dataclass
class DumpInfo:
    """What a dump holds, after every byte of it was authenticated and checked."""

    backup_id: str
    created: str
    revision: str
    dialect: str
    head_seq: int
    tables: list[DumpTable] = field(default_factory=list)

    @property
    def rows(self) -> int:
        """Rows in all tables."""
        return sum(t.rows for t in self.tables)


def _broken(what: str) -> BackupError:
    return BackupError(f"Die Datenbanksicherung ist beschädigt ({what}).")


def _records(path: Path, keys: KeyBackup) -> Iterator[tuple[str, Any]]:
    """The dump's content as ("begin", dict), ("table", DumpTable), ("row", list),
    ("manifest", dict), checking its shape, every table's count and SHA-256 on the way."""
    lines = archive.read_lines(path, keys.backup_key)
    first = json.loads(next(lines, b"{}") or b"{}")
    begin = first.get("begin") if isinstance(first, dict) else None
    if not isinstance(begin, dict):
        raise _broken("Anfang")
    yield "begin", begin
    current: DumpTable | None = None
    digest, count = hashlib.sha256(), 0
    for raw in lines:
        data = json.loads(raw)
        if current is not None and isinstance(data, list):
            if len(data) != len(current.columns):
                raise _broken(f"Zeile in {current.name}")
            digest.update(raw + b"\n")
            count += 1
            yield "row", data
        elif current is None and isinstance(data, dict) and "table" in data:
            current = DumpTable(data["table"], [tuple(c) for c in data["columns"]], 0, "")
            digest, count = hashlib.sha256(), 0
            yield "table", current
        elif current is not None and isinstance(data, dict) and data.get("end") == current.name:
            if data.get("rows") != count or data.get("sha256") != digest.hexdigest():
                raise _broken(f"Prüfsumme der Tabelle {current.name}")
            current.rows, current.sha256 = count, digest.hexdigest()
            yield "end", current
            current = None
        elif current is None and isinstance(data, dict) and "manifest" in data:
            yield "manifest", data["manifest"]
            if next(lines, None) is not None:
                raise _broken("Daten nach dem Verzeichnis")
            return
        else:
            raise _broken("Aufbau")
    raise _broken("Verzeichnis fehlt")


def inspect_dump(path: Path, keys: KeyBackup) -> DumpInfo:
    """Read and check the whole dump before anything is written: it must decrypt under the
    key backup's backup key, chunk by chunk in order and to its final chunk, name the same
    key ring, and agree with its own directory of tables, counts and checksums."""
    if not path.is_file():
        raise BackupError(f"Datenbanksicherung {path} nicht gefunden.")
    with path.open("rb") as fh:
        header, _ = archive.read_header(fh)
    if header.get("backup_id") != keys.backup_id:
        raise BackupError(
            "Die Schlüsselsicherung gehört zu einer anderen Sicherung "
            f"(Schlüssel: {keys.backup_id}, Datenbank: {header.get('backup_id')})."
        )
    info: DumpInfo | None = None
    for kind, data in _records(path, keys):
        if kind == "begin":
            if data.get("keyring") != archive.keyring_fingerprint(keys.ring):
                raise BackupError("Die Datenbanksicherung gehört zu einem anderen Schlüsselbund.")
            info = DumpInfo(
                keys.backup_id,
                str(data.get("created")),
                str(data.get("revision")),
                str(data.get("dialect")),
                0,
            )
            names = data.get("tables")
        elif kind == "end":
            info.tables.append(data)
        elif kind == "manifest":
            listed = {t.name: [t.rows, t.sha256] for t in info.tables}
            if data.get("tables") != listed or [t.name for t in info.tables] != names:
                raise _broken("Verzeichnis der Tabellen")
            if data.get("revision") != info.revision or data.get("backup_id") != keys.backup_id:
                raise _broken("Verzeichnis")
            info.head_seq = int(data.get("head_seq") or 0)
    return info


# --- restoring ------------------------------------------------------------------------------


@dataclass
class RestoreResult:
    """What ``restore_database`` restored and checked."""

    tables: int
    rows: int
    events: int
    checkpoints: int
    decrypted: int
    shredded: int


def _migrate(connection: Connection, revision: str) -> None:
    # The migrations run on the restore's own connection (migrations/env.py takes it from
    # the config): on both databases DDL is transactional, so a failed restore leaves no table.
    config = _migrate_config()
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


def _refuse_unless_empty(connection: Connection, revision: str) -> None:
    """A restore never overwrites: the target holds no table at all, or only what a fresh
    migration (to an earlier or the dump's revision) puts there."""
    names = set(inspect(connection).get_table_names())
    if not names:
        return
    if "alembic_version" not in names:
        raise BackupError(
            "Die Zieldatenbank enthält Tabellen, die nicht von Fallteam stammen; eine leere "
            "Datenbank verwenden."
        )
    for name in sorted(names - _SEEDED):
        if connection.execute(
            select(text("1")).select_from(Table(name, MetaData())).limit(1)
        ).first():
            raise BackupError(
                f"Die Zieldatenbank enthält schon Daten (Tabelle {name}); eine Wiederherstellung "
                "überschreibt nie. Eine leere Datenbank anlegen und dorthin wiederherstellen."
            )
    if "audit_chain_head" in names and connection.scalar(select(AuditChainHead.last_seq)):
        raise BackupError("Die Zieldatenbank enthält schon Audit-Ereignisse; nichts überschrieben.")
    current = MigrationContext.configure(connection).get_current_revision()
    earlier = {r.revision for r in _script().iterate_revisions(revision, "base")}
    if current is not None and current not in earlier:
        raise BackupError(
            f"Die Zieldatenbank steht schon auf Revision {current}, die Sicherung auf "
            f"{revision}; eine leere Datenbank verwenden."
        )


def _insert_rows(connection: Connection, path: Path, keys: KeyBackup, info: DumpInfo) -> None:
    present = set(inspect(connection).get_table_names())
    # what the migrations seeded (institutions, the chain head at 0) gives way to the dump's
    for dumped in reversed(info.tables):
        if dumped.name not in present:
            raise BackupError(f"Tabelle {dumped.name} fehlt nach der Migration.")
        table = Table(dumped.name, MetaData())
        if connection.execute(select(text("1")).select_from(table).limit(1)).first():
            connection.execute(table.delete())
    target: Table | None = None
    tags: list[str] = []
    batch: list[dict] = []

    def flush() -> None:
        if batch:
            connection.execute(insert(target), batch)
            batch.clear()

    for kind, data in _records(path, keys):
        if kind == "table":
            flush()
            tags = [tag for _, tag in data.columns]
            target = Table(
                data.name,
                MetaData(),
                *(Column(name, _INSERT_TYPES[tag]()) for name, tag in data.columns),
            )
        elif kind == "row":
            names = target.columns.keys()
            batch.append({n: _decode(v, t) for n, v, t in zip(names, data, tags, strict=True)})
            if len(batch) >= _BATCH:
                flush()
    flush()


def _decrypt_everything(session) -> tuple[int, int]:
    """Open every encrypted value of the restored database with its restored data key under
    the restored key ring (the same code that opens them for pages); returns (opened,
    crypto-shredded)."""
    opened = shredded = 0
    for column in encrypted_columns():
        table = column.table
        owner = table.c[column.owner_column] if column.owner_column else None
        value = table.c[column.column]
        query = select(
            table.c.id, type_coerce(value, LargeBinary()), *([owner] if owner is not None else [])
        )
        rows = session.connection().execute(
            query.where(value.is_not(None)), execution_options={"yield_per": 1000}
        )
        with rows:  # closes the server-side cursor (PostgreSQL) also when a value fails
            for row in rows:
                place = aead.Place(
                    table.name, column.column, row[0], row[2] if owner is not None else None
                )
                try:
                    plain = envelope.decrypt(session, bytes(row[1]), place)
                except (envelope.DecryptionError, KeyringError) as exc:
                    raise BackupError(
                        f"Ein verschlüsselter Wert lässt sich nicht entschlüsseln "
                        f"({table.name}.{column.column}, Zeile {row[0]}): {exc}"
                    ) from exc
                if plain is envelope.SHREDDED:
                    shredded += 1
                else:
                    opened += 1
    return opened, shredded


def restore_database(path: Path, keys: KeyBackup, info: DumpInfo) -> RestoreResult:
    """Restore a checked dump (``inspect_dump``) into this application's empty database,
    inside the current unit of work, and prove it: the audit chain verifies with the
    restored keys, and every encrypted value decrypts. Flushes and records a RESTORE event;
    the caller commits."""
    session = db.session
    connection = session.connection()
    known = {r.revision for r in _script().walk_revisions()}
    if info.revision not in known:
        raise BackupError(
            f"Die Sicherung hat den Datenbankstand {info.revision}, den diese Programmversion "
            "nicht kennt: mit der Programmversion der Sicherung (oder einer neueren) "
            "wiederherstellen."
        )
    _refuse_unless_empty(connection, info.revision)
    _migrate(connection, info.revision)
    _insert_rows(connection, path, keys, info)
    _migrate(connection, "head")
    ring = current_keyring()
    report = verify_audit_log(
        connection, ring.audit_mac_key, chain.public_key_of(ring.checkpoint_signing_key), workers=1
    )
    if not report.intact:
        raise BackupError(
            "Die Audit-Kette der wiederhergestellten Daten lässt sich mit diesen Schlüsseln "
            f"nicht bestätigen: {'; '.join(report.problems[:3])}"
        )
    if report.head_seq != info.head_seq:
        raise BackupError("Der Kettenkopf weicht vom Verzeichnis der Sicherung ab.")
    opened, shredded = _decrypt_everything(session)
    record(
        AuditAction.RESTORE,
        object_type="database",
        object_id=info.backup_id,
        purpose="Wiederherstellung aus einer Sicherung",
        actor=None,
        details={
            "backup_id": info.backup_id,
            "created": info.created,
            "revision": info.revision,
            "head_seq": info.head_seq,
            "rows": info.rows,
            "decrypted": opened,
        },
    )
    session.flush()
    return RestoreResult(
        len(info.tables), info.rows, report.events, report.checkpoints, opened, shredded
    )


# --- the key files of the restored instance -------------------------------------------------


def check_key_targets(settings: dict, keys: KeyBackup) -> None:
    """Before anything is written: where the instance keeps its keys, there is nothing, or
    the very same (a different key ring or signing file is never overwritten)."""
    ring_json = keys.ring.to_json()
    if settings.get("FALLTEAM_KEYRING"):
        try:
            present = Keyring.from_json(settings["FALLTEAM_KEYRING"]).to_json()
        except KeyringError as exc:
            raise BackupError(f"FALLTEAM_KEYRING ist ungültig: {exc}") from exc
        if present != ring_json:
            raise BackupError(
                "FALLTEAM_KEYRING enthält einen anderen Schlüsselbund als die Sicherung; "
                "den Schlüsselbund der Sicherung hinterlegen oder die Variable entfernen."
            )
    else:
        path = Path(settings["FALLTEAM_KEY_FILE"])
        if path.exists():
            try:
                present = FileKeyProvider(path).load().to_json()
            except KeyringError as exc:
                raise BackupError(f"{exc} Nichts überschrieben.") from exc
            if present != ring_json:
                raise BackupError(
                    f"In {path} liegt schon ein anderer Schlüsselbund; er wird nie überschrieben."
                )
    sign_path = signing.signing_file(settings)
    if keys.signing_file is not None and sign_path.exists():
        if sign_path.read_text() != keys.signing_file:
            raise BackupError(
                f"In {sign_path} liegt schon ein anderer Dokumentsignaturschlüssel; er wird "
                "nie überschrieben."
            )


def install_keys(settings: dict, keys: KeyBackup) -> list[Path]:
    """Write the key ring (unless it comes from ``FALLTEAM_KEYRING``) and the signing file
    where they are missing (mode 600, atomically); returns the files written. The signing
    file is opened with the ring once written, or both are removed again."""
    written: list[Path] = []
    try:
        if not settings.get("FALLTEAM_KEYRING"):
            path = Path(settings["FALLTEAM_KEY_FILE"])
            if not path.exists():
                archive.write_private(path, lambda fh: fh.write(keys.ring.to_json().encode()))
                written.append(path)
        if keys.signing_file is not None:
            sign_path = signing.signing_file(settings)
            if not sign_path.exists():
                archive.write_private(sign_path, lambda fh: fh.write(keys.signing_file.encode()))
                written.append(sign_path)
            try:
                signing.load(sign_path, keys.ring)
            except signing.SigningKeyError as exc:
                raise BackupError(str(exc)) from exc
    except BaseException:
        remove_files(written)
        raise
    return written


def remove_files(paths: list[Path]) -> None:
    """Take back files a failed restore wrote."""
    for path in paths:
        path.unlink(missing_ok=True)


def ensure_session_secret(settings: dict) -> Path | None:
    """The restored instance's session secret: a new one (``instance/keys/secret_key``) when
    none is configured. It is never part of a backup: after a restore everybody signs in
    anew, and cookies of the old instance are worthless."""
    if settings.get("SECRET_KEY"):
        return None
    path = Path(settings["INSTANCE_PATH"]) / "keys" / "secret_key"
    archive.write_private(path, lambda fh: fh.write(secrets.token_urlsafe(48).encode()))
    return path
