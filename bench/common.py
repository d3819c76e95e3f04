"""What the benchmark scripts share: an app on a fresh database, signed-in clients, timing.

Not a test helper: the benchmarks print figures, they never assert timings.
"""

from __future__ import annotations

import os
import re
import secrets
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pyotp  # noqa: E402
from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import create_engine, event, select, text  # noqa: E402

from fallteam import create_app  # noqa: E402
from fallteam.auth import operations as accounts  # noqa: E402
from fallteam.auth.models import Institution  # noqa: E402
from fallteam.crypto.keyring import FileKeyProvider, Keyring  # noqa: E402
from fallteam.extensions import db  # noqa: E402

PASSWORD = f"Bench-{secrets.token_urlsafe(18)}"  # a fresh one per run


def make_app(workdir: Path, url: str | None = None, **settings):
    """An app with a fresh key ring on ``url`` (a SQLite file in ``workdir`` by default),
    migrated to the newest schema."""
    key_file = workdir / "keys" / "keyring.json"
    FileKeyProvider(key_file).store(Keyring.generate())
    app = create_app(
        {
            "INSTANCE_PATH": str(workdir),
            "FALLTEAM_ENV": "testing",
            "SECRET_KEY": secrets.token_urlsafe(48),
            "FALLTEAM_KEY_FILE": str(key_file),
            "DATABASE_URL": url or f"sqlite:///{workdir / 'bench.sqlite3'}",
            "ARGON2_PROFILE": "cheapest",
            "RATELIMIT_ENABLED": False,
            **settings,
        }
    )
    with app.app_context():
        upgrade()
    return app


def postgres_database() -> tuple[str | None, Callable[[], None]]:
    """A fresh PostgreSQL database when ``FALLTEAM_TEST_POSTGRES_URL`` names a server, and the
    function that drops it; (None, no-op) otherwise."""
    url = os.environ.get("FALLTEAM_TEST_POSTGRES_URL")
    if not url:
        return None, lambda: None
    name = f"fallteam_bench_{secrets.token_hex(4)}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return url.rsplit("/", 1)[0] + f"/{name}", drop


def institution_named(name: str) -> Institution:
    """One of the institutions the migration seeds."""
    return db.session.scalars(select(Institution).where(Institution.name == name)).one()


def make_account(app, name: str, roles: list[str], institution: str | None = None) -> tuple:
    """A signed-up account with password and second factor; returns (id, TOTP secret)."""
    with app.app_context():
        user, _ = accounts.create_user(
            username=name,
            display_name=name,
            email=f"{name}@example.org",
            roles=roles,
            institution=institution_named(institution) if institution else None,
        )
        accounts.set_password(user, PASSWORD, chosen_by_user=True)
        secret = accounts.start_second_factor_setup(user)
        user.totp_confirmed = True
        db.session.commit()
        return user.id, secret


def signed_in(app, name: str, secret: str):
    """A test client signed in as ``name`` (password and second factor)."""
    client = app.test_client()
    page = client.get("/anmelden").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    client.post("/anmelden", data={"username": name, "password": PASSWORD, "csrf_token": token})
    page = client.get("/anmelden/zweiter-faktor").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    response = client.post(
        "/anmelden/zweiter-faktor",
        data={"code": pyotp.TOTP(secret).now(), "csrf_token": token},
    )
    assert response.status_code == 302, "sign-in failed"
    return client


def measure(app, client, url: str, repeat: int) -> tuple[float, float, int]:
    """Median and 95th percentile in ms, and the statements of one request."""
    with app.app_context():
        engine = db.engine
    sent: list[str] = []

    def note(conn, cursor, statement, parameters, context, executemany) -> None:
        sent.append(statement)

    assert client.get(url).status_code == 200, url  # warm-up
    times = []
    for _ in range(repeat):
        sent.clear()
        event.listen(engine, "before_cursor_execute", note)
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        event.remove(engine, "before_cursor_execute", note)
        assert response.status_code == 200, (url, response.status_code)
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    return statistics.median(times), p95, len(sent)
