"""Two app hosts, one PostgreSQL, one Redis, one key ring: to the people using them, one system.

Two gunicorn instances run as separate processes with separate instance folders and production
settings (secure cookies, shared rate-limit storage, one proxy hop), over real HTTP:

- a session begun on host A continues on host B, and signing out on B ends it on A too;
- the sign-in limit per client address counts the attempts made on both hosts together;
- a KEK rotation done by ``flask keys rotate-kek`` beside A is followed by B without a restart
  (B reads old data rewrapped under the new version and wraps new data keys under it), and B
  keeps working after ``flask keys retire-kek`` removed the old version;
- audit events written through both hosts, some at the same moment, form one chain that
  ``flask audit verify`` accepts, with the signed checkpoint files both hosts wrote.

PostgreSQL only (SQLite is one file on one host): skipped without FALLTEAM_TEST_POSTGRES_URL;
skipped when no Redis answers on 127.0.0.1:6379, unless FALLTEAM_REQUIRE_REDIS is set
(CI sets it and starts Redis: there the test runs or fails, never skips).
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from threading import Lock
from urllib.parse import urlencode

import pyotp
import pytest
from sqlalchemy import create_engine, text

from fallteam.crypto.keyring import FileKeyProvider, Keyring
from tests.conftest import extract_csrf_token

ROOT = Path(__file__).resolve().parents[2]
POSTGRES_URL = os.environ.get("FALLTEAM_TEST_POSTGRES_URL")
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
#: the limit both hosts enforce per client address in this test
SIGN_IN_LIMIT = 5
START_TIMEOUT = 60
COMMAND_TIMEOUT = 120


def _redis_answers() -> bool:
    try:
        with socket.create_connection((REDIS_HOST, REDIS_PORT), timeout=1) as conn:
            conn.sendall(b"PING\r\n")
            return conn.recv(16).startswith(b"+PONG")
    except OSError:
        return False


pytestmark = [
    pytest.mark.skipif(
        not POSTGRES_URL,
        reason="several hosts share one PostgreSQL database: FALLTEAM_TEST_POSTGRES_URL is unset",
    ),
    pytest.mark.skipif(
        not _redis_answers() and not os.environ.get("FALLTEAM_REQUIRE_REDIS"),
        reason=f"the shared sign-in limit needs Redis; none answers on {REDIS_HOST}:{REDIS_PORT}",
    ),
]

#: Run with a host's environment: migrate the empty database once and make the accounts the
#: test signs in with (a fachkraft each, with a confirmed second factor); prints them as JSON.
SETUP_SCRIPT = """
import json, secrets, sys
from flask_migrate import upgrade
from sqlalchemy import select
from fallteam import create_app
from fallteam.auth import operations
from fallteam.auth.models import Institution
from fallteam.core.lifecycle import unit_of_work
from fallteam.extensions import db

app = create_app()
with app.app_context():
    upgrade()
    asd = db.session.scalars(
        select(Institution).where(Institution.name == "Allgemeiner Sozialer Dienst (ASD)")
    ).one()
    accounts = {}
    for name in sys.argv[1:]:
        with unit_of_work():
            password = "Korrekt-Pferd-" + secrets.token_hex(6)
            user, _ = operations.create_user(
                username=name, display_name="Test " + name, email=name + "@example.org",
                roles=["fachkraft"], institution=asd,
            )
            operations.set_password(user, password, chosen_by_user=True)
            secret = operations.start_second_factor_setup(user)
            user.totp_confirmed = True
        accounts[name] = {"password": password, "totp": secret}
    print(json.dumps(accounts))
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _host_environment(common: dict[str, str], instance: Path) -> dict[str, str]:
    """The test process's environment without any Fallteam setting it may carry, plus the
    host's own: what a systemd unit with an environment file would give the service."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("FALLTEAM_", "SECRET_KEY", "DATABASE_URL", "RATELIMIT_", "MAIL_"))
        and not name.startswith(("AUDIT_", "SIGNIN_", "PYTEST_"))
    }
    env.update(common)
    env["FALLTEAM_INSTANCE_PATH"] = str(instance)
    env["PYTHONPATH"] = str(ROOT)
    return env


def _run_flask(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    """``flask --app wsgi ARGS`` as an operator runs it on a host."""
    return subprocess.run(  # noqa: S603 - argv built here, no outside input
        [sys.executable, "-m", "flask", "--app", "wsgi", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT,
    )


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: str

    @property
    def location(self) -> str:
        return self.headers.get("Location", "")


@dataclass
class Host:
    name: str
    port: int
    env: dict[str, str]
    log: Path | None = None
    process: subprocess.Popen | None = None
    request_ids: set[str] = field(default_factory=set)

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None


class Browser:
    """One browser behind the office's reverse proxy: its cookies, and the client address the
    proxy reports (``X-Forwarded-For``; the hosts trust one hop). Cookies are kept by hand:
    the production session cookie is ``Secure`` and the hosts speak plain HTTP to the proxy,
    as behind nginx."""

    def __init__(self, address: str) -> None:
        self.address = address
        self.cookies: dict[str, str] = {}
        self._lock = Lock()

    def request(
        self,
        host: Host,
        method: str,
        path: str,
        form: dict | None = None,
        referer: str | None = None,
    ) -> Response:
        body = urlencode(form) if form is not None else None
        headers = {
            "Host": "fallteam.test",
            "X-Forwarded-For": self.address,
            "X-Forwarded-Proto": "https",
            "X-Forwarded-Host": "fallteam.test",
        }
        with self._lock:
            if self.cookies:
                headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if referer is not None:
            headers["Referer"] = referer
        conn = http.client.HTTPConnection("127.0.0.1", host.port, timeout=30)
        try:
            conn.request(method, path, body=body, headers=headers)
            raw = conn.getresponse()
            response = Response(raw.status, raw.headers, raw.read().decode("utf-8", "replace"))
        finally:
            conn.close()
        if response.headers.get("X-Request-ID"):
            host.request_ids.add(response.headers["X-Request-ID"])
        with self._lock:
            for line in response.headers.get_all("Set-Cookie") or []:
                for name, morsel in SimpleCookie(line).items():
                    if morsel["max-age"] == "0" or not morsel.value:
                        self.cookies.pop(name, None)
                    else:
                        self.cookies[name] = morsel.value
        return response

    def get(self, host: Host, path: str) -> Response:
        return self.request(host, "GET", path)

    def post(
        self,
        host: Host,
        path: str,
        form: dict,
        *,
        page: str | None = None,
        page_host: Host | None = None,
    ) -> Response:
        """Submit a form the way a browser does: opened on ``page`` (by default ``path``),
        served by ``page_host`` (by default the same host), sent with that page's CSRF token
        and, unless the page's Referrer-Policy forbids it, with the page's address as
        Referer (behind the proxy, both hosts are one site)."""
        page = page or path
        shown = self.get(page_host or host, page)
        assert shown.status == 200, f"{page}: {shown.status}"
        token = extract_csrf_token(shown.body)
        referer = None
        if shown.headers.get("Referrer-Policy", "") != "no-referrer":
            referer = f"https://fallteam.test{page}"
        return self.request(host, "POST", path, {**form, "csrf_token": token}, referer)

    def sign_in(self, host: Host, username: str, account: dict) -> None:
        """Password, then a TOTP code (each account signs in once: codes are single-use)."""
        first = self.post(
            host, "/anmelden", {"username": username, "password": account["password"]}
        )
        assert first.status == 302, first.body
        assert first.location.endswith("/anmelden/zweiter-faktor")
        code = pyotp.TOTP(account["totp"]).now()
        second = self.post(host, "/anmelden/zweiter-faktor", {"code": code})
        assert second.status == 302, second.body
        assert "/anmelden" not in second.location


@dataclass
class Cluster:
    a: Host
    b: Host
    database_url: str
    key_file: Path
    checkpoint_dir: Path
    accounts: dict[str, dict]
    redis_prefix: str

    def sql(self, statement: str, **params):
        engine = create_engine(self.database_url)
        try:
            with engine.connect() as conn:
                return conn.execute(text(statement), params).all()
        finally:
            engine.dispose()


def _wait_until_ready(host: Host, deadline: float) -> None:
    while time.monotonic() < deadline:
        if not host.running():
            pytest.fail(f"host {host.name} stopped at start:\n{host.log.read_text()[-3000:]}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", host.port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        finally:
            conn.close()
        time.sleep(0.2)
    pytest.fail(f"host {host.name} did not answer /healthz within {START_TIMEOUT} s")


def _stop(host: Host) -> None:
    if host.process is None or host.process.poll() is not None:
        return
    host.process.terminate()  # gunicorn: graceful stop of the master and its workers
    try:
        host.process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        pass
    with contextlib.suppress(ProcessLookupError):
        os.killpg(host.process.pid, signal.SIGKILL)  # whatever is left of the group
    with contextlib.suppress(subprocess.TimeoutExpired):
        host.process.wait(timeout=10)


def _remove_redis_keys(prefix: str) -> None:
    import redis  # the limiter's storage client; only this test talks to Redis itself

    client = redis.Redis(host=REDIS_HOST, port=REDIS_PORT)
    try:
        for key in client.scan_iter(match=f"*{prefix}*"):
            client.delete(key)
    finally:
        client.close()


@pytest.fixture
def cluster(tmp_path_factory) -> Iterator[Cluster]:
    base = tmp_path_factory.mktemp("several-hosts")
    database = f"fallteam_hosts_{secrets.token_hex(5)}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{database}"'))
    database_url = POSTGRES_URL.rsplit("/", 1)[0] + f"/{database}"
    # one key ring file for every host (mode 600), as a shared secret mount would give it
    key_file = base / "shared-keys" / "keyring.json"
    FileKeyProvider(key_file).store(Keyring.generate())
    checkpoint_dir = base / "shared-checkpoints"
    prefix = f"fallteam-test-{secrets.token_hex(6)}"
    common = {
        "FALLTEAM_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "DATABASE_URL": database_url,
        "FALLTEAM_KEY_FILE": str(key_file),
        "RATELIMIT_STORAGE_URI": f"redis://{REDIS_HOST}:{REDIS_PORT}/0",
        "RATELIMIT_KEY_PREFIX": prefix,
        "SIGNIN_RATE_LIMIT": f"{SIGN_IN_LIMIT} per 15 minutes",
        "FALLTEAM_PROXY_HOPS": "1",
        "FALLTEAM_BASE_URL": "https://fallteam.test",
        "AUDIT_CHECKPOINT_DIR": str(checkpoint_dir),
        # checkpoints while the hosts write concurrently, signed by both into one directory
        "AUDIT_CHECKPOINT_EVERY": "10",
    }
    hosts = [
        Host(name, _free_port(), _host_environment(common, base / f"instance-{name}"))
        for name in ("a", "b")
    ]
    try:
        for host in hosts:
            (base / f"instance-{host.name}").mkdir()
            # a file, not a pipe: a full pipe would stall the workers' error logging
            host.log = base / f"gunicorn-{host.name}.log"
            with host.log.open("w") as log:
                host.process = subprocess.Popen(  # noqa: S603 - argv built here
                    [
                        sys.executable,
                        "-m",
                        "gunicorn",
                        "--workers",
                        "2",
                        "--bind",
                        f"127.0.0.1:{host.port}",
                        "--timeout",
                        "60",
                        "--graceful-timeout",
                        "2",
                        "wsgi:app",
                    ],
                    cwd=ROOT,
                    # its own process group: the workers go with the master in every case
                    start_new_session=True,
                    env=host.env,
                    stdout=subprocess.DEVNULL,
                    stderr=log,
                )
        # migrating once (beside A, as an operator would) while the hosts start
        setup = subprocess.run(  # noqa: S603 - argv built here
            [sys.executable, "-c", SETUP_SCRIPT, "anna", "ben", "carla", "dora"],
            cwd=ROOT,
            env=hosts[0].env,
            capture_output=True,
            text=True,
            timeout=COMMAND_TIMEOUT,
        )
        assert setup.returncode == 0, setup.stderr[-3000:]
        accounts = json.loads(setup.stdout.strip().splitlines()[-1])
        deadline = time.monotonic() + START_TIMEOUT
        for host in hosts:
            _wait_until_ready(host, deadline)
        yield Cluster(hosts[0], hosts[1], database_url, key_file, checkpoint_dir, accounts, prefix)
    finally:
        for host in hosts:
            _stop(host)
        _remove_redis_keys(prefix)
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        admin.dispose()


def _address() -> str:
    """A client address of its own (TEST-NET-3), so each rule's attempts count alone."""
    return f"203.0.113.{secrets.randbelow(250) + 1}"


FAMILY = {
    "category": "hze",
    "members-0-role": "Mutter",
    "members-0-sex": "f",
    "members-0-first_name": "Petra",
    "members-0-last_name": "Oberholz",
    "members-0-birth_date": "1990-02-01",
    "members-0-address": "Birkenweg 4, 14532 Kleinmachnow",
    "members-0-in_household": "y",
}


def _register_case(
    browser: Browser, host: Host, last_name: str, page_host: Host | None = None
) -> str:
    response = browser.post(
        host,
        "/faelle/neu",
        {**FAMILY, "members-0-last_name": last_name, "file_number": f"AZ-{secrets.token_hex(3)}"},
        page_host=page_host,
    )
    assert response.status == 302, response.body
    found = re.search(r"/faelle/([0-9a-f-]{36})/bearbeiten$", response.location)
    assert found, response.location
    return found.group(1)


def _kek_version_of_case(cluster: Cluster, case_id: str) -> list[int]:
    rows = cluster.sql(
        "SELECT kek_version FROM data_keys WHERE owner_id = :case AND wrapped_key IS NOT NULL",
        case=case_id,
    )
    return [row.kek_version for row in rows]


def a_session_begun_on_one_host_continues_on_the_other_and_ends_on_both(cluster: Cluster) -> None:
    browser = Browser(_address())
    browser.sign_in(cluster.a, "anna", cluster.accounts["anna"])
    session_cookie = dict(browser.cookies)
    assert list(session_cookie) == ["__Host-fallteam"]

    on_b = browser.get(cluster.b, "/faelle")
    assert on_b.status == 200 and "Test anna" in on_b.body
    # a form served by A is accepted by B: the CSRF token lives in the shared signed session
    case_id = _register_case(browser, cluster.b, "Oberholz", page_host=cluster.a)
    assert browser.get(cluster.a, f"/faelle/{case_id}").status == 200

    signed_out = browser.post(cluster.b, "/abmelden", {}, page="/konto")
    assert signed_out.status == 302 and signed_out.location.endswith("/anmelden")
    # The stolen or kept copy of the cookie is worthless on A too: signing out rotated the
    # login token in the shared database, not just this browser's cookie.
    thief = Browser(browser.address)
    thief.cookies = session_cookie
    for host in (cluster.a, cluster.b):
        refused = thief.get(host, "/faelle")
        assert refused.status == 302 and "/anmelden" in refused.location
    assert cluster.a.running() and cluster.b.running()


def the_sign_in_limit_per_address_counts_the_attempts_on_both_hosts(cluster: Cluster) -> None:
    guesser = Browser(_address())
    hosts = [cluster.a, cluster.b]
    for attempt in range(SIGN_IN_LIMIT):
        answer = guesser.post(
            hosts[attempt % 2], "/anmelden", {"username": "anna", "password": f"raten-{attempt}"}
        )
        assert answer.status == 200, f"attempt {attempt + 1} refused early ({answer.status})"
        assert "Benutzername oder Passwort ist falsch." in answer.body
    # each host alone has seen fewer than the limit; together they have seen it
    for host in hosts:
        refused = guesser.post(host, "/anmelden", {"username": "anna", "password": "noch-einmal"})
        assert refused.status == 429, host.name
        assert "Zu viele Anfragen" in refused.body
    # per address, not for everyone: another office computer still signs in on either host
    other = Browser(_address())
    assert other.post(cluster.b, "/anmelden", {"username": "x", "password": "y"}).status == 200
    # the counters live under this instance's prefix only
    import redis

    client = redis.Redis(host=REDIS_HOST, port=REDIS_PORT)
    try:
        keys = [key.decode() for key in client.scan_iter(match=f"*{cluster.redis_prefix}*")]
    finally:
        client.close()
    assert any(guesser.address in key for key in keys), keys


def a_kek_rotation_beside_one_host_is_followed_by_the_other_without_restart(
    cluster: Cluster,
) -> None:
    browser = Browser(_address())
    browser.sign_in(cluster.a, "ben", cluster.accounts["ben"])
    before = _register_case(browser, cluster.a, "Vorhernamig")
    assert _kek_version_of_case(cluster, before) == [1]
    assert "Vorhernamig" in browser.get(cluster.b, f"/faelle/{before}").body
    pids = (cluster.a.process.pid, cluster.b.process.pid)

    rotated = _run_flask(cluster.a.env, "keys", "rotate-kek")
    assert rotated.returncode == 0, rotated.stderr[-3000:]
    assert "Neue KEK-Version 2 angelegt und aktiv." in rotated.stdout
    # every data key, the case's and the system key of the TOTP secrets, is under version 2 now
    assert {
        row.kek_version
        for row in cluster.sql("SELECT kek_version FROM data_keys WHERE wrapped_key IS NOT NULL")
    } == {2}

    # B (both workers, asked several times) opens the rewrapped key of the old case …
    for _ in range(4):
        page = browser.get(cluster.b, f"/faelle/{before}")
        assert page.status == 200 and "Vorhernamig" in page.body
    # … and wraps the key of a new case under the new version
    after = _register_case(browser, cluster.b, "Nachhernamig")
    assert _kek_version_of_case(cluster, after) == [2]
    assert "Nachhernamig" in browser.get(cluster.a, f"/faelle/{after}").body

    retired = _run_flask(cluster.b.env, "keys", "retire-kek", "1")
    assert retired.returncode == 0, retired.stderr[-3000:]
    ring = json.loads(cluster.key_file.read_text())
    assert list(ring["keks"]) == ["2"] and ring["active_kek"] == 2
    assert (cluster.key_file.stat().st_mode & 0o777) == 0o600

    # without version 1 both hosts go on: reading both cases, a new one, a new sign-in
    # (its TOTP secret is sealed with the system data key, rewrapped as well)
    latest = _register_case(browser, cluster.b, "Spaetnamig")
    assert _kek_version_of_case(cluster, latest) == [2]
    for host in (cluster.a, cluster.b):
        for case_id, name in ((before, "Vorhernamig"), (after, "Nachhernamig")):
            page = browser.get(host, f"/faelle/{case_id}")
            assert page.status == 200 and name in page.body
    Browser(_address()).sign_in(cluster.b, "carla", cluster.accounts["carla"])
    # nobody restarted anything
    assert (cluster.a.process.pid, cluster.b.process.pid) == pids
    assert cluster.a.running() and cluster.b.running()


def audit_events_written_through_both_hosts_form_one_chain_that_verifies(cluster: Cluster) -> None:
    reader = Browser(_address())
    reader.sign_in(cluster.a, "dora", cluster.accounts["dora"])
    case_id = _register_case(reader, cluster.b, "Kettennamig")
    cluster.a.request_ids.clear()
    cluster.b.request_ids.clear()

    def read(index: int) -> int:
        host = cluster.a if index % 2 else cluster.b
        return reader.get(host, f"/faelle/{case_id}").status

    # interleaved, then truly at the same time (several requests in flight on both hosts)
    assert [read(i) for i in range(6)] == [200] * 6
    with ThreadPoolExecutor(max_workers=6) as pool:
        assert list(pool.map(read, range(24))) == [200] * 24

    rows = cluster.sql("SELECT seq, request_id FROM audit_events ORDER BY seq")
    seqs = [row.seq for row in rows]
    assert seqs == list(range(1, len(seqs) + 1)), "the chain has a gap or a fork"
    stored = {row.request_id for row in rows}
    # every read on either host left its event (and they share the one chain)
    assert cluster.a.request_ids and cluster.a.request_ids <= stored
    assert cluster.b.request_ids and cluster.b.request_ids <= stored
    written = sorted(cluster.checkpoint_dir.glob("checkpoint-*.txt"))
    assert len(written) >= 3, written

    verified = _run_flask(cluster.b.env, "audit", "verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr[-3000:]
    assert "Protokoll unversehrt." in verified.stdout
    assert "Neuester externer Checkpoint" in verified.stdout


def test_two_hosts_on_one_database_redis_and_key_ring_act_as_one_system(cluster):
    # One test, four rules in turn: under pytest-xdist separate tests could land on
    # different workers and each start a pair of hosts of its own.
    a_session_begun_on_one_host_continues_on_the_other_and_ends_on_both(cluster)
    the_sign_in_limit_per_address_counts_the_attempts_on_both_hosts(cluster)
    a_kek_rotation_beside_one_host_is_followed_by_the_other_without_restart(cluster)
    audit_events_written_through_both_hosts_form_one_chain_that_verifies(cluster)
