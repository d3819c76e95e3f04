"""The fault tests run the real thing: gunicorn and the ``flask`` command in processes of their
own, on a database whose commits are real (``committed_app``), killed with SIGKILL where a
crash hurts most. Helpers here start and kill those processes (always in ``finally``), talk
HTTP to them like a browser, and check afterwards what reached the database."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess  # noqa: S404  (the tests start the application as production does)
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.error import HTTPError
from urllib.parse import urlencode
from urllib.request import HTTPCookieProcessor, HTTPRedirectHandler, Request, build_opener

import pytest
from flask import Flask
from sqlalchemy import func, select, text

from fallteam.audit.models import AuditAction, AuditEvent
from fallteam.config import _ENVIRONMENT_SETTINGS
from fallteam.crypto import aead, envelope
from fallteam.crypto.operations import encrypted_columns
from fallteam.extensions import db
from fallteam.protocols.models import CaseProtocol, ProtocolRevision
from tests.conftest import Account, extract_csrf_token, fresh_totp_code
from tests.protocols.conftest import team_session  # noqa: F401  (fixture: cases and protocols)

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def app(committed_app) -> Flask:
    """Every fault test works on its own database with real commits: other processes (the
    server, the command line) must see what the test set up, and the test what they left."""
    return committed_app


@pytest.fixture
def _isolated_database() -> Iterator[None]:
    """No outer transaction: the processes under test use their own connections."""
    yield


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return json.dumps(str(value))  # a JSON string is a TOML basic string


@dataclass
class Instance:
    """The committed app's instance folder, with an instance file (``fallteam.toml``) that
    lets another process start the same application: same database, key file, secret."""

    path: Path
    stall_file: Path

    def env(self, **extra: str) -> dict[str, str]:
        """The environment of a process of this instance: nothing of the test's own
        environment that the settings read, so only the instance file counts."""
        env = {
            name: value
            for name, value in os.environ.items()
            if name not in _ENVIRONMENT_SETTINGS and not name.startswith("FALLTEAM_")
        }
        env.update(
            FALLTEAM_INSTANCE_PATH=str(self.path),
            FALLTEAM_TEST_STALL_FILE=str(self.stall_file),
            PYTHONPATH=str(ROOT),
            PYTHONUNBUFFERED="1",
        )
        env.update(extra)
        return env

    def stalled(self, timeout: float = 30.0) -> bool:
        """Wait until a process announces that it holds its transaction open (see
        ``stalling_wsgi``)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.stall_file.exists():
                return True
            time.sleep(0.02)
        return False


def instance_of(app: Flask, **settings) -> Instance:
    """Write the instance file for ``app`` (``settings`` on top of its own)."""
    own = app.config["TEST_SETTINGS"]
    path = Path(own["INSTANCE_PATH"])
    values = {
        name: value for name, value in own.items() if value is not None and name != "INSTANCE_PATH"
    }
    values.update(settings)
    (path / "fallteam.toml").write_text(
        "".join(f"{name} = {_toml_value(value)}\n" for name, value in values.items())
    )
    return Instance(path, path / "stalled.flag")


@dataclass
class Answer:
    """An HTTP answer as the client got it."""

    status: int
    headers: dict[str, str]
    text: str

    def json(self):
        return json.loads(self.text)


class _KeepRedirects(HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None  # the caller sees the redirect (an acknowledged form post is a 302)


class Browser:
    """A client over real HTTP with its own cookie jar; redirects are not followed."""

    def __init__(self, base: str, jar: CookieJar | None = None) -> None:
        self.base = base
        self.jar = jar or CookieJar()
        self._opener = build_opener(HTTPCookieProcessor(self.jar), _KeepRedirects)

    def copy(self) -> Browser:
        """Another client with the same cookies (the same signed-in session)."""
        jar = CookieJar()
        for cookie in self.jar:
            jar.set_cookie(cookie)
        return Browser(self.base, jar)

    def request(
        self,
        method: str,
        path: str,
        *,
        form: dict | None = None,
        json_body=None,
        headers: dict | None = None,
        timeout: float = 30.0,
    ) -> Answer:
        data = None
        headers = {
            "Accept": "application/json" if json_body is not None else "text/html",
            **(headers or {}),
        }
        if form is not None:
            data = urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        elif json_body is not None:
            data = json.dumps(json_body).encode()
            headers["Content-Type"] = "application/json"
        req = Request(self.base + path, data=data, method=method, headers=headers)  # noqa: S310
        try:
            with self._opener.open(req, timeout=timeout) as response:
                return Answer(response.status, dict(response.headers), response.read().decode())
        except HTTPError as error:
            with error:
                return Answer(error.code, dict(error.headers), error.read().decode())

    def get(self, path: str, **kwargs) -> Answer:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs) -> Answer:
        return self.request("POST", path, **kwargs)

    def csrf(self, path: str = "/anmelden") -> str:
        """A CSRF token of this session (every page's language form carries one)."""
        answer = self.get(path)
        assert answer.status == 200, (path, answer.status)
        return extract_csrf_token(answer.text)


def sign_in_over_http(browser: Browser, app: Flask, account: Account) -> None:
    """The real two sign-in steps, as a browser sends them."""
    answer = browser.post(
        "/anmelden",
        form={
            "username": account.username,
            "password": account.password,
            "csrf_token": browser.csrf(),
        },
    )
    assert answer.status == 302, answer.text[:500]
    # the password step starts a fresh session: a new token for the second step
    token = browser.csrf()
    answer = browser.post(
        "/anmelden/zweiter-faktor",
        form={"code": fresh_totp_code(app, account), "csrf_token": token},
    )
    assert answer.status == 302, answer.text[:500]


class LiveServer:
    """gunicorn serving the instance, in a process group of its own (master and workers die
    together, as in a power cut of the host)."""

    def __init__(
        self,
        instance: Instance,
        *,
        module: str = "wsgi:app",
        workers: int = 2,
        threads: int = 1,
        log: Path,
    ) -> None:
        self.instance = instance
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = log
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(workers),
            "--timeout",
            "120",
            "--graceful-timeout",
            "2",
            # the application is built once and forked (it opens no connection before):
            # one start-up instead of one per worker
            "--preload",
        ]
        if threads > 1:
            command += ["--worker-class", "gthread", "--threads", str(threads)]
        with log.open("ab") as out:
            self.process = subprocess.Popen(  # noqa: S603
                [*command, module],
                cwd=ROOT,
                env=instance.env(),
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            self._wait_until_serving()
        except BaseException:
            self.kill()
            raise

    def _wait_until_serving(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"gunicorn ended at start:\n{self.log_tail()}")
            try:
                if self.browser().get("/anmelden", timeout=5).status == 200:
                    return
            except OSError:
                time.sleep(0.1)
        raise AssertionError(f"gunicorn does not answer:\n{self.log_tail()}")

    def log_tail(self, chars: int = 4000) -> str:
        return self.log.read_text(errors="replace")[-chars:]

    def browser(self) -> Browser:
        return Browser(self.base)

    def kill(self) -> None:
        """SIGKILL to master and workers at once: nothing gets to clean up."""
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.process.wait(timeout=30)
        # a worker may outlive its master for a moment
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


@pytest.fixture
def live_server(tmp_path) -> Iterator:
    """Factory: ``live_server(instance, module=…, workers=…)``; every server is killed at the
    end of the test, whatever happened."""
    started: list[LiveServer] = []

    def start(instance: Instance, **kwargs) -> LiveServer:
        server = LiveServer(instance, log=tmp_path / f"gunicorn-{len(started)}.log", **kwargs)
        started.append(server)
        return server

    try:
        yield start
    finally:
        for server in started:
            server.kill()


@dataclass
class CommandRun:
    """A ``flask …`` process of the instance."""

    process: subprocess.Popen
    output: Path

    def text(self) -> str:
        return self.output.read_text(errors="replace")


@pytest.fixture
def flask_command(tmp_path) -> Iterator:
    """Factory: ``flask_command(instance, "audit", "verify", module=…, env=…)`` starts the
    command (``.process``); every one still running at the end of the test is killed."""
    started: list[CommandRun] = []

    def start(instance: Instance, *args: str, module: str = "wsgi:app", **env: str):
        output = tmp_path / f"flask-{len(started)}.out"
        with output.open("wb") as out:
            process = subprocess.Popen(  # noqa: S603
                [sys.executable, "-m", "flask", "--app", module, *args],
                cwd=ROOT,
                env=instance.env(**env),
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        run = CommandRun(process, output)
        started.append(run)
        return run

    try:
        yield start
    finally:
        for run in started:
            if run.process.poll() is None:
                os.killpg(run.process.pid, signal.SIGKILL)
                run.process.wait(timeout=30)


def run_to_end(run: CommandRun, timeout: float = 120.0) -> tuple[int, str]:
    """Wait for the command; its exit code and output."""
    code = run.process.wait(timeout=timeout)
    return code, run.text()


def kill_group(process: subprocess.Popen) -> None:
    """SIGKILL to a process and everything it started."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait(timeout=30)


# --- what must hold after a crash ------------------------------------------------------------


def forget_connections(app: Flask) -> None:
    """The test's own pool may hold connections from before the crash: start afresh."""
    with app.app_context():
        db.engine.dispose()


def assert_storage_intact(app: Flask) -> None:
    """SQLite: the file is sound and every foreign key points to a row (PostgreSQL enforces
    both itself, and its crash recovery replays or drops whole transactions)."""
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            return
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalars().all() == ["ok"]
            assert conn.exec_driver_sql("PRAGMA foreign_key_check").all() == []


@dataclass
class ProtocolState:
    """What the database holds of one Fallprotokoll."""

    version: int
    sections: dict
    revisions: dict[int, dict] = field(default_factory=dict)
    audited_versions: list[int] = field(default_factory=list)


def protocol_state(app: Flask, protocol_id: uuid.UUID) -> ProtocolState:
    """The protocol, its revisions (decrypted) and the versions its UPDATE events name."""
    with app.app_context():
        protocol = db.session.get(CaseProtocol, protocol_id)
        revisions = {
            r.version: dict(r.sections or {})
            for r in db.session.scalars(
                select(ProtocolRevision).where(ProtocolRevision.protocol_id == protocol_id)
            )
        }
        events = db.session.scalars(
            select(AuditEvent.details).where(
                AuditEvent.object_id == str(protocol_id),
                AuditEvent.action == AuditAction.UPDATE.value,
            )
        ).all()
        audited = sorted(json.loads(d)["version"] for d in events if "version" in json.loads(d))
        return ProtocolState(protocol.version, dict(protocol.sections or {}), revisions, audited)


def assert_protocol_whole(state: ProtocolState) -> None:
    """Every saved version is complete: the draft's version is its newest revision, each
    revision from 2 on exists once with its UPDATE event, and the draft holds that revision's
    text — a save is there entirely or not at all."""
    assert sorted(state.revisions) == list(range(2, state.version + 1))
    assert state.audited_versions == list(range(2, state.version + 1))
    if state.version > 1:
        assert state.sections == state.revisions[state.version]


def events_of_requests(app: Flask, request_ids) -> dict[str, list[AuditEvent]]:
    """The audit events each of these requests left (by request id)."""
    found: dict[str, list[AuditEvent]] = {str(r): [] for r in request_ids}
    with app.app_context():
        events = db.session.scalars(
            select(AuditEvent).where(AuditEvent.request_id.in_(list(found)))
        ).all()
        db.session.expunge_all()
    for event in events:
        found[event.request_id].append(event)
    return found


def assert_chain_contiguous(app: Flask) -> int:
    """One chain without gaps or forks: the sequence numbers are 1…n, each once, and the
    head stands at n. Returns n."""
    with app.app_context():
        count, low, high = db.session.execute(
            select(func.count(), func.min(AuditEvent.seq), func.max(AuditEvent.seq))
        ).one()
        head = db.session.scalar(text("SELECT last_seq FROM audit_chain_head WHERE id = 1"))
    assert (low, high, head) == (1, count, count)
    return count


def decrypted_values(app: Flask) -> dict[tuple[str, str, str], bytes]:
    """Every encrypted value of the database, decrypted: (table, column, row id) -> plaintext.
    Raises if any does not decrypt (a shredded case's values would be ``SHREDDED``)."""
    found = {}
    with app.app_context():
        envelope.forget_cached_keys()
        for column in encrypted_columns():
            table = column.table
            owner = [table.c[column.owner_column]] if column.owner_column else []
            rows = db.session.execute(
                select(table.c.id, table.c[column.column], *owner).where(
                    table.c[column.column].is_not(None)
                )
            ).all()
            for row in rows:
                place = aead.Place(table.name, column.column, row[0], row[2] if owner else None)
                plain = envelope.decrypt(db.session, row[1].blob, place)
                assert isinstance(plain, bytes), (table.name, column.column, row[0])
                found[(table.name, column.column, str(row[0]))] = plain
        db.session.rollback()
    return found
