"""While the database is down, every page answers 503 "vorübergehend nicht erreichbar" in
German (JSON for JSON clients), with ``Retry-After`` and without a trace of the error; once it
is back, the same pages answer again without restarting the application.

PostgreSQL is a private cluster of the test (``initdb`` into a temporary folder, its own port
and socket), stopped and started as an administrator would — never the machine's server.
SQLite: a file whose write lock another process holds beyond the busy timeout."""

from __future__ import annotations

import glob
import os
import secrets
import shutil
import sqlite3
import subprocess  # noqa: S404  (the test runs PostgreSQL's own tools)
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask_migrate import upgrade

from fallteam import create_app
from fallteam.crypto.keyring import FileKeyProvider, Keyring
from tests import conftest as suite
from tests.conftest import csrf_token, extract_csrf_token, make_account, sign_in
from tests.faults.conftest import (
    Answer,
    Browser,
    forget_connections,
    free_port,
    instance_of,
    sign_in_over_http,
)

UNAVAILABLE = "vorübergehend nicht erreichbar"
#: what must never reach a visitor: driver, library and exception names, code
LEAKS = ("Traceback", "psycopg", "sqlalchemy", "OperationalError", "sqlite3", "connection")


def assert_unavailable_page(answer: Answer) -> None:
    assert answer.status == 503, (answer.status, answer.text[:300])
    assert int(answer.headers["Retry-After"]) > 0
    assert UNAVAILABLE in answer.text
    for leak in LEAKS:
        assert leak.lower() not in answer.text.lower(), leak


class PrivatePostgres:
    """A PostgreSQL cluster of this test alone. As root, PostgreSQL's tools run as the
    ``postgres`` account (initdb refuses root), in a folder that account owns."""

    def __init__(self) -> None:
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        initdb = found[-1] if found else shutil.which("initdb")
        if initdb is None:
            pytest.skip("PostgreSQL's server programs (initdb, pg_ctl) are not installed")
        self.bin = Path(initdb).parent
        self.as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        # a short path: the socket's name must stay under the system's limit
        self.folder = Path(tempfile.mkdtemp(prefix="ftpg-"))
        if self.as_postgres:
            shutil.chown(self.folder, "postgres")
        self.port = free_port()
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"
        self._run("initdb", "-D", self.data, "-A", "trust", "-U", "postgres", "--no-sync")

    @property
    def data(self) -> str:
        return str(self.folder / "data")

    def _run(self, tool: str, *args: str) -> None:
        subprocess.run(  # noqa: S603
            [*self.as_postgres, str(self.bin / tool), *args],
            check=True,
            capture_output=True,
            timeout=120,
        )

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        log = str(self.folder / "server.log")
        self._run("pg_ctl", "-D", self.data, "-o", options, "-l", log, "-w", "start")

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", self.data, "-m", mode, "-w", "stop")

    def remove(self) -> None:
        try:
            self.stop("immediate")
        except subprocess.CalledProcessError:
            pass  # not running
        shutil.rmtree(self.folder, ignore_errors=True)


@pytest.fixture
def private_postgres() -> Iterator[PrivatePostgres]:
    cluster = PrivatePostgres()
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.remove()


@pytest.fixture
def app_on_private_postgres(private_postgres, tmp_path):
    """An application on the private cluster, set up like ``committed_app``."""
    key_file = tmp_path / "keys" / "keyring.json"
    FileKeyProvider(key_file).store(Keyring.generate())
    settings = {
        **suite.test_settings(tmp_path, private_postgres.url),
        "FALLTEAM_KEYRING": None,
        "FALLTEAM_KEY_FILE": str(key_file),
    }
    application = create_app(settings)
    with application.app_context():
        upgrade()
    application.config["TEST_SETTINGS"] = settings
    try:
        yield application
    finally:
        forget_connections(application)


def _answers(browser: Browser, path: str, times: int, **kwargs) -> list[Answer]:
    # several requests: each of the server's workers has its own pool to recover
    return [browser.get(path, **kwargs) for _ in range(times)]


def test_postgresql_stopped_gives_the_german_503_and_pages_come_back_by_themselves(
    app_on_private_postgres, private_postgres, live_server
):
    app = app_on_private_postgres
    owner = make_account(app, ["fachkraft"], username=f"fk-{secrets.token_hex(3)}")
    forget_connections(app)  # the test keeps no connection to the cluster open
    # as in production: an error after the view (the commit) goes to the error handlers
    server = live_server(instance_of(app, PROPAGATE_EXCEPTIONS=False), workers=2)
    browser = server.browser()
    sign_in_over_http(browser, app, owner)
    forget_connections(app)
    assert {a.status for a in _answers(browser, "/faelle", 4)} == {200}

    private_postgres.stop()
    for answer in _answers(browser, "/faelle", 4):
        assert_unavailable_page(answer)
    as_json = browser.get("/faelle", headers={"Accept": "application/json"})
    assert as_json.status == 503 and as_json.headers["Content-Type"] == "application/json"
    assert int(as_json.headers["Retry-After"]) > 0
    assert as_json.json()["error"]["status"] == 503
    assert UNAVAILABLE in as_json.json()["error"]["title"]
    stranger = server.browser()
    page = stranger.get("/anmelden")
    assert_unavailable_page(page)
    token = extract_csrf_token(page.text)  # the page's language form
    assert_unavailable_page(
        stranger.post(
            "/anmelden",
            form={"username": owner.username, "password": owner.password, "csrf_token": token},
        )
    )

    private_postgres.start()
    assert {a.status for a in _answers(browser, "/faelle", 6)} == {200}
    assert stranger.get("/anmelden").status == 200
    # the person stayed signed in through the outage; the log names what happened
    assert "database unavailable on GET /faelle" in server.log_tail(100_000)


@pytest.fixture
def sqlite_app(app):
    app.config["SQLITE_BUSY_TIMEOUT_MS"] = 200
    # as in production: an error after the view (the commit) goes to the error handlers
    app.config["PROPAGATE_EXCEPTIONS"] = False
    forget_connections(app)  # new connections wait 0.2 s instead of 5 s
    return app


def _write_lock_held_elsewhere(app) -> sqlite3.Connection:
    """Another process's writer: holds SQLite's one write lock until released."""
    path = app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
    other = sqlite3.connect(path, isolation_level=None, timeout=0)
    other.execute("BEGIN IMMEDIATE")
    return other


@pytest.mark.parametrize("committed_app", ["sqlite"], indirect=True)
def test_a_sqlite_file_locked_beyond_the_busy_timeout_gives_503_not_500(
    sqlite_app, create_account, create_case
):
    app = sqlite_app
    owner = create_account(["fachkraft"])
    create_case(owner)
    client = app.test_client()
    sign_in(client, app, owner)

    other = _write_lock_held_elsewhere(app)
    try:
        # reading is possible (write-ahead log), recording the read is not
        listed = client.get("/faelle")
        assert listed.status_code == 503
        page = listed.get_data(as_text=True)
        assert UNAVAILABLE in page and "locked" not in page
        assert int(listed.headers["Retry-After"]) > 0
        # a change waits for the lock from its first statement (loading who is signed in)
        token = csrf_token(client)
        registered = client.post("/faelle/neu", data={"csrf_token": token})
        assert registered.status_code == 503
        assert UNAVAILABLE in registered.get_data(as_text=True)
    finally:
        other.rollback()
        other.close()

    assert client.get("/faelle").status_code == 200
