"""What the benchmark scripts share: an app on a fresh database, signed-in clients, timing.

Not a test helper: the benchmarks print figures, they never assert timings.
"""

from __future__ import annotations

import json
import os
import random
import re
import secrets
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pyotp  # noqa: E402
from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import create_engine, event, select, text  # noqa: E402

from fallteam import create_app  # noqa: E402
from fallteam.audit.models import AuditAction  # noqa: E402
from fallteam.audit.operations import write_events  # noqa: E402
from fallteam.auth import operations as accounts  # noqa: E402
from fallteam.auth.models import Institution  # noqa: E402
from fallteam.cases import operations as cases  # noqa: E402
from fallteam.core.models import utcnow  # noqa: E402
from fallteam.crypto.keyring import FileKeyProvider, Keyring  # noqa: E402
from fallteam.extensions import db  # noqa: E402

PASSWORD = f"Bench-{secrets.token_urlsafe(18)}"  # a fresh one per run
ASD = "Allgemeiner Sozialer Dienst (ASD)"


def app_settings(workdir: Path, url: str | None = None, **settings) -> dict:
    """The settings of a benchmark instance in ``workdir`` (its key ring made on first use):
    testing mode, cheapest password hashing; ``url`` or a SQLite file there."""
    key_file = workdir / "keys" / "keyring.json"
    if not key_file.exists():
        FileKeyProvider(key_file).store(Keyring.generate())
    return {
        "INSTANCE_PATH": str(workdir),
        "FALLTEAM_ENV": "testing",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "FALLTEAM_KEY_FILE": str(key_file),
        "DATABASE_URL": url or f"sqlite:///{workdir / 'bench.sqlite3'}",
        "ARGON2_PROFILE": "cheapest",
        **settings,
    }


def seeded_instance_settings(manifest: dict, secret_key: str, **switches) -> dict:
    """The settings of an instance serving a database ``bench/seed.py`` filled (its
    manifest): testing mode (the only one that accepts the benchmark switches), its key ring,
    the baseline switch as seeded, no rate limits."""
    return {
        "FALLTEAM_ENV": "testing",
        "SECRET_KEY": secret_key,
        "DATABASE_URL": manifest["database_url"],
        "FALLTEAM_KEY_FILE": manifest["key_file"],
        "ARGON2_PROFILE": "cheapest",
        "RATELIMIT_ENABLED": False,
        "BENCHMARK_PLAINTEXT_BASELINE": manifest["baseline"],
        **switches,
    }


def make_app(workdir: Path, url: str | None = None, **settings):
    """An app with a fresh key ring on ``url`` (a SQLite file in ``workdir`` by default),
    migrated to the newest schema."""
    app = create_app(app_settings(workdir, url, **settings))
    with app.app_context():
        upgrade()
    return app


def create_database(url: str) -> None:
    """Create the (PostgreSQL) database ``url`` names, dropping an old one of that name."""
    server, name = url.rsplit("/", 1)
    admin = create_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()


def drop_database(url: str) -> None:
    """Drop the (PostgreSQL) database ``url`` names, if it exists."""
    server, name = url.rsplit("/", 1)
    admin = create_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def postgres_database() -> tuple[str | None, Callable[[], None]]:
    """A fresh PostgreSQL database when ``FALLTEAM_TEST_POSTGRES_URL`` names a server, and the
    function that drops it; (None, no-op) otherwise."""
    url = os.environ.get("FALLTEAM_TEST_POSTGRES_URL")
    if not url:
        return None, lambda: None
    url = url.rsplit("/", 1)[0] + f"/fallteam_bench_{secrets.token_hex(4)}"
    create_database(url)
    return url, lambda: drop_database(url)


def institution_named(name: str) -> Institution:
    """One of the institutions the migration seeds."""
    return db.session.scalars(select(Institution).where(Institution.name == name)).one()


def add_account(
    name: str, roles: list[str], institution: str | None = None, password: str = PASSWORD
):
    """A signed-up account with password and confirmed second factor, in the current app
    context (not committed); returns (user, TOTP secret)."""
    user, _ = accounts.create_user(
        username=name,
        display_name=name,
        email=f"{name}@example.org",
        roles=roles,
        institution=institution_named(institution) if institution else None,
    )
    accounts.set_password(user, password, chosen_by_user=True)
    secret = accounts.start_second_factor_setup(user)
    user.totp_confirmed = True
    return user, secret


def make_account(app, name: str, roles: list[str], institution: str | None = None) -> tuple:
    """A signed-up account with password and second factor; returns (id, TOTP secret)."""
    with app.app_context():
        user, secret = add_account(name, roles, institution)
        db.session.commit()
        return user.id, secret


_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(page: str) -> str:
    """The CSRF token of the (first) form on ``page``."""
    return _CSRF.search(page).group(1)


def totp_now(secret: str) -> str:
    """The current second-factor code of an account."""
    return pyotp.TOTP(secret).now()


def signed_in(app, name: str, secret: str, password: str = PASSWORD):
    """A test client signed in as ``name`` (password and second factor)."""
    client = app.test_client()
    token = csrf_token(client.get("/anmelden").get_data(as_text=True))
    client.post("/anmelden", data={"username": name, "password": password, "csrf_token": token})
    token = csrf_token(client.get("/anmelden/zweiter-faktor").get_data(as_text=True))
    response = client.post(
        "/anmelden/zweiter-faktor", data={"code": totp_now(secret), "csrf_token": token}
    )
    assert response.status_code == 302, "sign-in failed"
    return client


#: A family of four: (role, sex, first name, birth date, facts)
FAMILY = [
    ("Mutter", "f", "Sabine", date(1988, 5, 14), {"in_household": True}),
    ("Vater", "m", "Marco", date(1985, 11, 2), {}),
    ("Kind", "f", "Leonie", date(2018, 3, 4), {"in_household": True, "is_index": True}),
    ("Kind", "m", "Jonas", date(2015, 9, 21), {"in_household": True}),
]
SURNAMES = ["Krautwurst", "Hollerbach", "Wendland", "Oberschelp", "Kaminski", "Dreyer"]


def family(n: int, size: int = 4) -> list:
    """The ``n``-th generated family (the first ``size`` of mother, father and two children)."""
    surname = SURNAMES[n % len(SURNAMES)]
    return [
        cases.MemberData(
            role=role,
            sex=sex,
            first_name=first,
            last_name=surname,
            birth_date=born,
            address="Lindenallee 7, 14513 Teltow",
            **facts,
        )
        for role, sex, first, born, facts in FAMILY[:size]
    ]


#: what the generated audit log is made of: (action, outcome, share)
EVENT_MIX = [
    (AuditAction.READ, "allowed", 0.84),
    (AuditAction.UPDATE, "allowed", 0.08),
    (AuditAction.EXPORT, "allowed", 0.02),
    (AuditAction.REFUSE, "denied", 0.03),
    (AuditAction.SIGN_IN, "allowed", 0.03),
]
DISCLOSURES = ["pseudonymised_presentation_confirmed", "guard_release", "consent_recorded"]
BASES = ["fallführend", "Teilnahme an der Sitzung", "Moderation", "Gast (eingeladen)"]
EVENT_BATCH = 10_000


def seed_events(
    app,
    total: int,
    actors: list,
    case_rows: list[tuple],
    hot: tuple,
    *,
    seed: int = 11,
    days: int = 365,
    already: Counter | None = None,
) -> float:
    """``total`` chained events through the real chain writer (``write_events``: the rows,
    macs and checkpoints the app writes), spread over ``days`` up to now, with one "hot" case
    that gets 5 % of them; ``actors`` are (id, roles), ``case_rows`` (id, pseudonym).

    ``already`` counts events the log holds per case pseudonym (None: not about a case): that
    many draws of each are skipped, so a log that began with the operations' own events ends
    with as many events per case as one generated from nothing with the same seed (the
    plaintext baseline's). Returns the seconds it took."""
    quota = Counter(already or {})
    rng = random.Random(seed)  # noqa: S311 (test data, not security)
    actions = [a for a, _, _ in EVENT_MIX]
    outcomes = {a: o for a, o, _ in EVENT_MIX}
    weights = [w for _, _, w in EVENT_MIX]
    start = utcnow() - timedelta(days=days)
    step = timedelta(days=days) / max(total, 1)
    started = time.perf_counter()
    with app.app_context():
        for first in range(0, total, EVENT_BATCH):
            rows = []
            for n in range(first, min(first + EVENT_BATCH, total)):
                action = rng.choices(actions, weights)[0]
                case_id, pseudonym = hot if rng.random() < 0.05 else rng.choice(case_rows)
                actor_id, roles = rng.choice(actors)
                details: dict = {}
                if action == AuditAction.READ:
                    details = {"basis": rng.choice(BASES), "fields": ["all"]}
                    if rng.random() < 0.2:  # data released by a Schweigepflichtsentbindung
                        details["basis"] += ", Schweigepflichtsentbindung"
                        details["consent_ids"] = [str(case_id)]
                elif action == AuditAction.UPDATE and rng.random() < 0.05:
                    # a disclosure decision (the DPO's list of them)
                    details = {"disclosure": rng.choice(DISCLOSURES)}
                signed_in_only = action == AuditAction.SIGN_IN
                key = None if signed_in_only else pseudonym
                if quota[key] > 0:  # drawn all the same: both copies draw in step
                    quota[key] -= 1
                    continue
                rows.append(
                    {
                        "occurred_dt": start + step * n,
                        "actor_id": actor_id,
                        "actor_roles": roles,
                        "action": action.value,
                        "object_type": None if signed_in_only else "case",
                        "object_id": None if signed_in_only else str(case_id),
                        "case_pseudonym": None if signed_in_only else pseudonym,
                        "purpose": "Fallberatung",
                        "outcome": outcomes[action],
                        "request_id": None,
                        "client_address": "127.0.0.1",
                        "details": json.dumps(details, sort_keys=True, separators=(",", ":")),
                    }
                )
            if rows:
                write_events(db.session, rows)
                db.session.commit()
    return time.perf_counter() - started


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
