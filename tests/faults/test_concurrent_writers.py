"""Twenty writers at once on PostgreSQL (gunicorn, two workers of ten threads: twenty requests
really in the database together) for ``size.pick(5, 30)`` seconds: most edit a Fallprotokoll
of their own, four edit the same one, four read audited pages. Afterwards:

- no lost update: every save answered 200 is a revision with exactly the text sent, and each
  protocol's version is one more than its acknowledged saves (nothing more, nothing less);
  the four on one protocol met the conflict answer (409 with the server's version), never a
  silent overwrite;
- no chain fork: sequence numbers 1…n without a gap, the head at n, every shown page's read
  events present, ``flask audit verify`` passes;
- nothing hung: every request was answered within its timeout, never with a 500, and no
  backend of the test database is left waiting or idle in a transaction.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass, field

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import POSTGRES_URL
from tests.faults.conftest import (
    Browser,
    assert_chain_contiguous,
    assert_protocol_whole,
    events_of_requests,
    forget_connections,
    instance_of,
    protocol_state,
    run_to_end,
    sign_in_over_http,
)

pytestmark = pytest.mark.skipif(not POSTGRES_URL, reason="runs on PostgreSQL only")

OWN_EDITORS = 12
SHARED_EDITORS = 4
READERS = 4


@dataclass
class Tally:
    """What the writers were told, per kind of request."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    statuses: Counter = field(default_factory=Counter)
    #: (protocol id, version, text) of every save answered 200
    saved: list = field(default_factory=list)
    #: request ids of every audited page answered 200
    shown: list = field(default_factory=list)
    #: exceptions: a request not answered in time, a connection refused …
    failures: list = field(default_factory=list)

    def note(self, kind: str, status: int) -> None:
        with self.lock:
            self.statuses[(kind, status)] += 1


def _edit(tally: Tally, browser: Browser, protocol_id, token: str, name: str, until: float):
    version, n = 1, 0  # every protocol was just opened
    while time.monotonic() < until:
        n += 1
        text = f"{name}, Fassung {n}: Kind 1 braucht Unterstützung beim Schulwechsel."
        try:
            answer = browser.post(
                f"/protokolle/{protocol_id}/entwurf",
                json_body={"version": version, "sections": {"hypothesen": text}},
                headers={"X-CSRFToken": token},
            )
        except Exception as exc:  # noqa: BLE001  (every failure is reported below)
            with tally.lock:
                tally.failures.append(repr(exc))
            return
        tally.note("edit", answer.status)
        if answer.status == 200:
            version = answer.json()["version"]
            with tally.lock:
                tally.saved.append((protocol_id, version, text))
        elif answer.status == 409:
            version = answer.json()["server"]["version"]


def _read(tally: Tally, browser: Browser, path: str, until: float) -> None:
    while time.monotonic() < until:
        try:
            answer = browser.get(path)
        except Exception as exc:  # noqa: BLE001
            with tally.lock:
                tally.failures.append(repr(exc))
            return
        tally.note("read", answer.status)
        if answer.status == 200:
            with tally.lock:
                tally.shown.append((path, answer.headers["X-Request-ID"]))


def _busy_backends(url: str) -> list:
    """Backends of the test database doing anything or holding a transaction open."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(
                text(
                    "SELECT pid, state, wait_event_type, left(query, 80) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                    "AND state IS DISTINCT FROM 'idle'"
                )
            ).all()
    finally:
        engine.dispose()


@pytest.mark.slow
@pytest.mark.parametrize("committed_app", ["postgresql"], indirect=True)
def test_twenty_concurrent_writers_lose_no_update_fork_no_chain_and_leave_nothing_hanging(
    app, team_session, live_server, flask_command, size
):
    setting = team_session(OWN_EDITORS + 2)
    own, shared, read = (
        setting.protocol_ids[:OWN_EDITORS],
        setting.protocol_ids[OWN_EDITORS],
        setting.protocol_ids[OWN_EDITORS + 1],
    )
    instance = instance_of(app, AUDIT_CHECKPOINT_EVERY=50, RATELIMIT_ENABLED=False)
    forget_connections(app)
    server = live_server(instance, workers=2, threads=10)
    writer = server.browser()
    sign_in_over_http(writer, app, setting.writer)
    token = writer.csrf(f"/protokolle/{read}")
    owner = server.browser()
    sign_in_over_http(owner, app, setting.owner)

    tally = Tally()
    until = time.monotonic() + size.pick(5, 30)
    jobs = [
        (_edit, (tally, writer.copy(), pid, token, f"Schreiber {n}", until))
        for n, pid in enumerate(own)
    ]
    jobs += [
        (_edit, (tally, writer.copy(), shared, token, f"Gemeinsam {n}", until))
        for n in range(SHARED_EDITORS)
    ]
    jobs += [(_read, (tally, owner.copy(), "/faelle", until)) for _ in range(READERS // 2)]
    jobs += [
        (_read, (tally, writer.copy(), f"/protokolle/{read}", until))
        for _ in range(READERS - READERS // 2)
    ]
    assert len(jobs) == 20
    threads = [threading.Thread(target=job, args=args) for job, args in jobs]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    elapsed = time.monotonic() - started
    assert not any(thread.is_alive() for thread in threads)

    assert not tally.failures, tally.failures[:5]
    assert set(tally.statuses) <= {("edit", 200), ("edit", 409), ("read", 200)}, tally.statuses
    assert tally.statuses[("edit", 409)] > 0  # the shared protocol's editors did collide
    assert _busy_backends(app.config["SQLALCHEMY_DATABASE_URI"]) == []
    print(  # the figures of the run (pytest -s)
        f"\n{sum(tally.statuses.values())} requests in {elapsed:.1f} s: {dict(tally.statuses)}"
    )

    forget_connections(app)
    acknowledged = Counter(pid for pid, _version, _text in tally.saved)
    states = {pid: protocol_state(app, pid) for pid in [*own, shared]}
    for protocol_id, state in states.items():
        assert_protocol_whole(state)
        assert state.version == 1 + acknowledged[protocol_id]
    for protocol_id, version, sent in tally.saved:
        assert states[protocol_id].revisions[version]["hypothesen"] == sent
    left = events_of_requests(app, [request_id for _path, request_id in tally.shown])
    assert all(left.values())
    assert_chain_contiguous(app)

    code, output = run_to_end(flask_command(instance, "audit", "verify"))
    assert code == 0, output
