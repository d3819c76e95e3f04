"""The audit's share of a page, measured in pairs: the same request through the app with audit
and through the app without it (``BENCHMARK_AUDIT_OFF``, testing only), on the same encrypted
database, in one process, alternating request by request.

Why: the servers' latencies in ``bench/pages.py`` differ by a few milliseconds from run to
run on a shared machine, more than the audit costs; the median of paired differences cancels
that drift. Also counted: the audit events a request writes, and how long the database took
for the chain writer's statements (the rest of the difference is Python and the commit's
flush to disk). Used by ``bench/pages.py``; not a test helper, it prints no verdicts itself.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass

from sqlalchemy import event

from bench.common import seeded_instance_settings
from fallteam import create_app
from fallteam.audit.models import AuditAction
from fallteam.audit.operations import record
from fallteam.extensions import db


@dataclass
class ChainedCommit:
    total_ms: float  # median: record one event and commit, nothing else in the transaction
    chain_ms: float  # of which the chain writer's statements took on the database


@dataclass
class AuditShare:
    extra_ms: float  # median of (with audit − without), same request, back to back
    with_ms: float  # median with audit
    events: float  # audit events written per request
    chain_ms: float  # database time of the chain writer's statements per request


def _app(manifest: dict, secret_key: str, instance: str, **switches):
    return create_app(
        {**seeded_instance_settings(manifest, secret_key, **switches), "INSTANCE_PATH": instance}
    )


#: the key of the figure for one chained event alone in ``measure_audit_share``'s result
CHAINED_COMMIT = "chained_commit"


def _one_chained_event(app, clock: _ChainClock, repeat: int) -> ChainedCommit:
    """The least a page with audit can cost more than one without: one event, chained and
    written with its commit, with nothing else in the transaction (no page, no request)."""
    times = []
    clock.seconds = 0.0
    with app.app_context():
        for _ in range(repeat):
            started = time.perf_counter()
            record(
                AuditAction.READ,
                object_type="benchmark",
                purpose="Messung: ein Ereignis mit Commit",
                actor=None,
            )
            db.session.commit()
            times.append(time.perf_counter() - started)
    return ChainedCommit(
        total_ms=statistics.median(times) * 1000, chain_ms=clock.seconds / repeat * 1000
    )


class _ChainClock:
    """Database time of the statements on the audit chain (head, events, checkpoints)."""

    def __init__(self, engine) -> None:
        self.engine, self.seconds, self.events = engine, 0.0, 0
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, conn, cursor, statement, parameters, context, executemany) -> None:
        conn.info["bench_started"] = time.perf_counter()

    def _after(self, conn, cursor, statement, parameters, context, executemany) -> None:
        if "audit_chain_head" in statement or "INTO audit_" in statement:
            self.seconds += time.perf_counter() - conn.info.pop("bench_started")
        if statement.startswith("INSERT INTO audit_events"):
            self.events += len(parameters) if executemany else 1

    def close(self) -> None:
        event.remove(self.engine, "before_cursor_execute", self._before)
        event.remove(self.engine, "after_cursor_execute", self._after)


def measure_audit_share(
    manifest: dict,
    secret_key: str,
    cookies: dict[str, dict[str, str]],
    pages: list[tuple[str, str, str]],
    instance: str,
    pairs: int,
) -> dict[str, AuditShare | ChainedCommit]:
    """Per page label: the audit's share, from ``pairs`` back-to-back request pairs; under
    ``CHAINED_COMMIT``, one event written alone with its commit, as often. The accounts'
    session cookies (``cookies[who]``) come from a server's sign-in with the same
    ``secret_key``: a second sign-in with the same code would be refused as a replay."""
    audited = _app(manifest, secret_key, instance)
    quiet = _app(manifest, secret_key, instance, BENCHMARK_AUDIT_OFF=True)
    with audited.app_context():
        clock = _ChainClock(db.engine)
    results: dict[str, AuditShare | ChainedCommit] = {}
    try:
        results[CHAINED_COMMIT] = _one_chained_event(audited, clock, pairs)
        for label, who, path in pages:
            clients = []
            for app in (audited, quiet):
                client = app.test_client()
                for name, value in cookies[who].items():
                    client.set_cookie(name, value, domain="localhost")
                for _ in range(3):
                    status = client.get(path).status_code
                    if status != 200:
                        raise RuntimeError(f"{path}: Status {status}")
                clients.append(client)
            with_audit, without, differences = [], [], []
            clock.seconds, clock.events = 0.0, 0
            for n in range(pairs):
                took = {}
                # the order alternates, so that neither side always runs on a warmer cache
                for side in (0, 1) if n % 2 else (1, 0):
                    started = time.perf_counter()
                    clients[side].get(path)
                    took[side] = time.perf_counter() - started
                with_audit.append(took[0])
                without.append(took[1])
                differences.append(took[0] - took[1])
            results[label] = AuditShare(
                extra_ms=statistics.median(differences) * 1000,
                with_ms=statistics.median(with_audit) * 1000,
                events=clock.events / pairs,
                chain_ms=clock.seconds / pairs * 1000,
            )
    finally:
        clock.close()
        for app in (audited, quiet):
            with app.app_context():
                db.engine.dispose()
    return results
