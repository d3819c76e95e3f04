"""Verification of the whole log: every checkpoint's signature, then the chain between them,
then the checkpoints kept outside the database.

The runs between signed checkpoints start from a known mac, so they are verified
independently, in parallel processes, each with its own database connection. The chain and
the checkpoints in the database only show that the database agrees with itself: someone with
access to it can cut the newest events and rewind the head (and its checkpoints) to an earlier
event. Only a checkpoint kept outside shows that the log once went further.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import Connection, Engine, create_engine, event, select, text
from sqlalchemy.pool import NullPool

from fallteam.audit import chain, checkpoints
from fallteam.audit.models import AuditChainHead, AuditCheckpoint, AuditEvent

_EVENTS = AuditEvent.__table__
_BATCH = 20_000


def canonical_sql(dialect: str) -> str:
    """A query whose rows are (seq, canonical text, mac), the text built by the database
    exactly as ``chain.canonical`` builds it: verification then only hashes."""
    if dialect == "postgresql":
        time = "to_char(occurred_dt AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')"
        actor = "replace(actor_id::text, '-', '')"
        seq, separator, null = "seq::text", "chr(31)", "chr(30)"
    else:
        time, actor, seq = "occurred_dt", "actor_id", "CAST(seq AS TEXT)"
        separator, null = "char(31)", "char(30)"
    parts = [seq, time, actor] + [name for name in chain.CHAIN_FIELDS[3:]]
    text_expr = f" || {separator} || ".join(f"COALESCE({p}, {null})" for p in parts)
    return (
        f"SELECT seq, {text_expr}, mac FROM audit_events "  # noqa: S608 (fixed column names)
        "WHERE seq > :start AND seq <= :end ORDER BY seq"
    )


@dataclass
class VerificationReport:
    """What ``verify_audit_log`` found."""

    events: int = 0
    checkpoints: int = 0
    first_broken_seq: int | None = None
    reason: str | None = None
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)
    #: sequence number of the chain head the database names
    head_seq: int = 0
    #: the newest checkpoint kept outside that was compared (signed by this instance)
    newest_external: checkpoints.SignedCheckpoint | None = None
    #: how many checkpoints kept outside were compared
    external_checked: int = 0
    #: the first event found after the chain head (slipped in), if any: a new event of the
    #: chain would collide with it
    beyond_head: int | None = None

    @property
    def intact(self) -> bool:
        """Whether nothing was found."""
        return self.first_broken_seq is None and not self.problems

    def note(self, seq: int | None, reason: str) -> None:
        """Remember a problem; the lowest sequence number is the first broken one."""
        self.problems.append(f"{seq}: {reason}" if seq is not None else reason)
        if seq is not None and (self.first_broken_seq is None or seq < self.first_broken_seq):
            self.first_broken_seq, self.reason = seq, reason


@dataclass(frozen=True)
class _Segment:
    start_seq: int
    start_mac: bytes
    end_seq: int
    end_mac: bytes


def _verify_segment(bind: Engine | Connection, key: bytes, segment: _Segment):
    with _connected(bind) as connection:
        result = connection.execute(
            text(canonical_sql(connection.dialect.name)),
            {"start": segment.start_seq, "end": segment.end_seq},
            execution_options={"stream_results": True, "yield_per": _BATCH},
        )
        try:
            return chain.verify_run(
                key,
                result,
                (segment.start_seq, segment.start_mac),
                (segment.end_seq, segment.end_mac),
            )
        finally:
            result.close()


@contextmanager
def _connected(bind: Engine | Connection, snapshot: bool = False) -> Iterator[Connection]:
    """A Connection is used as it is (tests, a caller's transaction); an Engine lends one.

    ``snapshot``: head, checkpoints and the look past the head must see one moment, or events
    committed meanwhile would look inserted.
    """
    if isinstance(bind, Connection):
        yield bind
        return
    with bind.connect() as connection:
        if snapshot and connection.dialect.name == "postgresql":
            connection = connection.execution_options(isolation_level="REPEATABLE READ")
        yield connection


@contextmanager
def reading_engine(engine: Engine) -> Iterator[Engine]:
    """An engine that only reads, for verifying while the application writes on.

    PostgreSQL: ``engine`` itself (the look at head and checkpoints runs in REPEATABLE READ,
    see ``_connected``). SQLite: an engine of its own for this verification, without the
    application's rule that work outside a GET request begins with ``BEGIN IMMEDIATE`` — its
    transactions are deferred and only read (``query_only``), so with the write-ahead log
    each sees one snapshot and no writer waits for it, however long the log.
    """
    if engine.dialect.name != "sqlite":
        yield engine
        return
    own = create_engine(engine.url, poolclass=NullPool)

    @event.listens_for(own, "connect")
    def _on_connect(dbapi_connection, connection_record) -> None:
        dbapi_connection.isolation_level = None  # SQLAlchemy says BEGIN itself (below)
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.execute("PRAGMA query_only=ON")
        cursor.close()

    @event.listens_for(own, "begin")
    def _on_begin(connection) -> None:
        connection.exec_driver_sql("BEGIN DEFERRED")

    try:
        yield own
    finally:
        own.dispose()


_worker_state: dict = {}


def _init_worker(url: str, key: bytes) -> None:
    _worker_state["engine"] = create_engine(url)
    _worker_state["key"] = key


def _run_in_worker(segment: _Segment) -> chain.SegmentResult:
    return _verify_segment(_worker_state["engine"], _worker_state["key"], segment)


def _segments(
    bind: Engine | Connection, report: VerificationReport, public_key: bytes
) -> list[_Segment]:
    with _connected(bind, snapshot=True) as connection:
        head = connection.execute(select(AuditChainHead.__table__)).one()
        checkpoints = connection.execute(
            select(AuditCheckpoint.__table__).order_by(AuditCheckpoint.seq)
        ).all()
        beyond = connection.scalar(
            select(_EVENTS.c.seq).where(_EVENTS.c.seq > head.last_seq).order_by(_EVENTS.c.seq)
        )
    report.checkpoints = len(checkpoints)
    report.head_seq = head.last_seq
    report.beyond_head = beyond
    if beyond is not None:
        report.note(beyond, "Ereignis nach dem Kettenkopf (eingefügt)")
    boundaries: list[tuple[int, bytes]] = [(0, chain.GENESIS_MAC)]
    for cp in checkpoints:
        if not chain.checkpoint_signature_valid(
            public_key, cp.seq, bytes(cp.head_mac), cp.created_dt, cp.signature
        ):
            report.note(cp.seq, "Checkpoint-Signatur ungültig")
        elif cp.seq > head.last_seq:
            report.note(head.last_seq + 1, f"signierter Checkpoint {cp.seq} hinter dem Kettenende")
        else:
            boundaries.append((cp.seq, bytes(cp.head_mac)))
    if boundaries[-1][0] != head.last_seq:
        boundaries.append((head.last_seq, bytes(head.last_mac)))
    return [
        _Segment(start, start_mac, end, end_mac)
        for (start, start_mac), (end, end_mac) in zip(boundaries, boundaries[1:], strict=False)
        if end > start
    ]


def verify_audit_log(
    bind: Engine | Connection,
    audit_key: bytes,
    public_key: bytes,
    workers: int | None = None,
    external: Sequence[checkpoints.SignedCheckpoint] = (),
) -> VerificationReport:
    """Recompute the chain, check every checkpoint, and compare with the checkpoints kept
    outside (``external``); names the first broken event.

    With an Engine, the runs between checkpoints are verified in parallel processes (``fork``:
    never with ``workers`` > 1 inside a threaded web server); with a Connection (which other
    processes cannot share), in this one.
    """
    started = time.perf_counter()
    report = VerificationReport()
    segments = _segments(bind, report, public_key)
    workers = min(workers or os.cpu_count() or 1, len(segments)) or 1
    if workers > 1 and isinstance(bind, Engine):
        url = bind.url.render_as_string(hide_password=False)
        context = multiprocessing.get_context("fork")
        with context.Pool(workers, _init_worker, (url, audit_key)) as pool:
            results = pool.map(_run_in_worker, _balanced(segments), chunksize=1)
    else:
        results = [_verify_segment(bind, audit_key, s) for s in segments]
    for result in results:
        report.events += result.count
        if result.first_broken_seq is not None:
            report.note(result.first_broken_seq, result.reason or "")
    compare_external(bind, public_key, external, report)
    report.seconds = time.perf_counter() - started
    return report


def _when(checkpoint: checkpoints.SignedCheckpoint) -> str:
    return checkpoint.created.strftime("%d.%m.%Y %H:%M UTC")


def compare_external(
    bind: Engine | Connection,
    public_key: bytes,
    external: Sequence[checkpoints.SignedCheckpoint],
    report: VerificationReport,
) -> None:
    """Note in ``report`` every checkpoint kept outside that the database contradicts: not
    signed by this instance, beyond the database's chain head (the end was cut off), its event
    missing, or its event's mac different (history rewritten). Each one is compared, not only
    the newest: after a cut the application writes new checkpoints that agree with the new
    chain, and only the older kept ones still tell. The events are read in chunks."""
    valid = []
    for checkpoint in external:
        problem = checkpoints.signature_problem(checkpoint, public_key)
        if problem:
            label = checkpoint.source or "Externer Checkpoint"
            report.note(None, f"{label} (Nr. {checkpoint.seq}): {problem}")
        else:
            valid.append(checkpoint)
    report.external_checked = len(valid)
    if not valid:
        return
    seqs = sorted({c.seq for c in valid})
    stored: dict[int, bytes] = {}
    with _connected(bind) as connection:
        head_seq = connection.scalar(select(AuditChainHead.last_seq))
        for start in range(0, len(seqs), 500):
            chunk = seqs[start : start + 500]
            rows = connection.execute(
                select(_EVENTS.c.seq, _EVENTS.c.mac).where(_EVENTS.c.seq.in_(chunk))
            )
            stored.update((seq, bytes(mac)) for seq, mac in rows)
    cut = [c for c in valid if c.seq > head_seq]
    if cut:
        # one message for the cut: the newest kept checkpoint beyond the end says how far
        newest = max(cut, key=lambda c: c.seq)
        report.note(
            head_seq + 1,
            f"Das Protokoll endet bei Nr. {head_seq}, vor dem extern verwahrten Checkpoint "
            f"Nr. {newest.seq} vom {_when(newest)}: Ereignisse {head_seq + 1} bis {newest.seq} "
            "fehlen (Ende abgeschnitten).",
        )
    for checkpoint in valid:
        seq, when = checkpoint.seq, _when(checkpoint)
        if seq > head_seq:
            continue
        if seq not in stored:
            report.note(seq, f"Ereignis {seq} des extern verwahrten Checkpoints vom {when} fehlt")
        elif stored[seq] != checkpoint.head_mac:
            report.note(
                seq, f"Ereignis {seq} weicht vom extern verwahrten Checkpoint vom {when} ab"
            )
    report.newest_external = max(valid, key=lambda c: c.seq)


def _balanced(segments: list[_Segment]) -> list[_Segment]:
    # Largest runs first, so the workers finish at about the same time.
    return sorted(segments, key=lambda s: s.end_seq - s.start_seq, reverse=True)


EXTERNAL_HEADER = checkpoints.HEADER


def export_checkpoint(checkpoint: AuditCheckpoint, public_key: bytes) -> str:
    """The checkpoint as text for the DPO to keep outside the system."""
    return checkpoints.from_row(checkpoint, public_key).text()


def check_external_checkpoint(
    bind: Engine | Connection, public_key: bytes, text: str
) -> str | None:
    """Compare a text of checkpoints kept outside with the log; returns the problems, or None."""
    try:
        found = checkpoints.parse(text)
    except checkpoints.CheckpointFormatError as exc:
        return str(exc)
    report = VerificationReport()
    compare_external(bind, public_key, found, report)
    return " ".join(report.problems) or None
