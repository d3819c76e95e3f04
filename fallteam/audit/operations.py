"""Writing audit events: ``record`` is the one function every domain calls.

An event is written in the same transaction as the work it records: ``record`` queues it on
the session, and the session's ``before_commit`` hook assigns sequence numbers and macs under
the chain lock and inserts the events. A rollback drops the queue, so there is never a change
without its event, nor an event for a change that did not happen. Taking the chain lock last,
just before the commit, keeps it short and out of every lock-ordering cycle.

Signed checkpoints leave the database by themselves: a transaction that signs one also
collects, before it commits, every checkpoint the checkpoint directory still lacks, and
writes them there once the commit has succeeded (``after_commit``). A crash between the
commit and the files is healed by the next checkpoint, ``flask audit checkpoint`` or
``flask audit export-checkpoints``.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from flask import current_app, g, has_request_context, request
from flask_login import current_user
from sqlalchemy import Connection, bindparam, event, insert, select, update
from sqlalchemy.orm import Session

from fallteam.audit import chain, checkpoints
from fallteam.audit.models import (
    AuditAction,
    AuditChainHead,
    AuditCheckpoint,
    AuditEvent,
    AuditVerification,
    Outcome,
    VerificationTrigger,
)
from fallteam.audit.verify import VerificationReport, reading_engine, verify_audit_log
from fallteam.core.models import utcnow
from fallteam.crypto.runtime import audit_switched_off, current_keyring
from fallteam.extensions import db

_PENDING = "fallteam.audit.pending"
_MARKS = "fallteam.audit.savepoint_marks"
#: sequence numbers of the checkpoints signed in this transaction
_SIGNED = "fallteam.audit.signed_checkpoints"
#: (directory, checkpoints) to write there once this transaction has committed
_TO_EXPORT = "fallteam.audit.checkpoints_to_export"
_log = logging.getLogger("fallteam.audit")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_HEAD = AuditChainHead.__table__
_EVENTS = AuditEvent.__table__

#: ``actor`` default: whoever is signed in for this request
CURRENT_USER: Any = object()


def _clean(value: Any, limit: int) -> str | None:
    if value is None:
        return None
    text = str(value)
    if _CONTROL.search(text):
        raise ValueError("Steuerzeichen sind in Audit-Feldern nicht erlaubt.")
    return text[:limit]


def _request_facts() -> tuple[str | None, str | None]:
    if not has_request_context():
        return None, None
    return g.get("request_id"), request.remote_addr


def record(
    action: AuditAction,
    obj: Any = None,
    *,
    outcome: Outcome = Outcome.ALLOWED,
    purpose: str | None = None,
    case_pseudonym: str | None = None,
    details: Mapping[str, Any] | None = None,
    actor: Any = CURRENT_USER,
    object_type: str | None = None,
    object_id: Any = None,
) -> None:
    """Queue an audit event on the current unit of work; it is written when that commits.

    ``details`` holds ids, counts and names of fields, never their content. An event about
    a row that belongs to a case names the case's pseudonym even when the caller does not
    pass it (refusals included): the row says it through ``audit_case_pseudonym`` (every
    case-related model has it; audit itself knows no domain).
    """
    if audit_switched_off():  # a benchmark's instance without audit (testing only)
        return
    row = _common_fields(action, outcome, purpose, details, actor)
    row.update(_object_fields(obj, object_type, object_id, case_pseudonym))
    db.session.info.setdefault(_PENDING, []).append(row)


def record_each(
    action: AuditAction,
    objects: Sequence[Any],
    *,
    purpose: str | None = None,
    details: Mapping[str, Any] | None = None,
) -> None:
    """Queue one event per object, as ``record(action, obj, …)`` would for each, by the
    signed-in user and allowed, with the same details: a page that reads many rows alike at
    once (the case list) records every one under its own case's pseudonym. Who, when, from
    where, why and the details are worked out once (the events share their moment), the rest
    is as from single calls."""
    if audit_switched_off() or not objects:
        return
    common = _common_fields(action, Outcome.ALLOWED, purpose, details, CURRENT_USER)
    pending = db.session.info.setdefault(_PENDING, [])
    for obj in objects:
        pending.append({**common, **_object_fields(obj)})


def _common_fields(
    action: AuditAction,
    outcome: Outcome,
    purpose: str | None,
    details: Mapping[str, Any] | None,
    actor: Any,
) -> dict[str, Any]:
    """An event's fields that do not depend on the object: when, who, what, why, where."""
    if actor is CURRENT_USER:
        actor = current_user if has_request_context() and current_user.is_authenticated else None
    request_id, address = _request_facts()
    return {
        "occurred_dt": utcnow(),
        "actor_id": actor.id if actor is not None else None,
        "actor_roles": ",".join(actor.role_names) if actor is not None else "",
        "action": AuditAction(action).value,
        "purpose": _clean(purpose, 200),
        "outcome": Outcome(outcome).value,
        "request_id": _clean(request_id, 32),
        "client_address": _clean(address, 64),
        "details": json.dumps(
            dict(details or {}),
            sort_keys=True,
            separators=(",", ":"),
            ensure_ascii=True,
            default=str,
        ),
    }


def _object_fields(
    obj: Any = None, object_type: Any = None, object_id: Any = None, case_pseudonym: Any = None
) -> dict[str, Any]:
    """What the event is about: as given, and what is not given from the row ``obj``."""
    if obj is not None:
        object_type = object_type or getattr(obj, "__audit_type__", obj.__tablename__)
        object_id = obj.id if object_id is None else object_id
        if case_pseudonym is None:
            case_pseudonym = getattr(obj, "audit_case_pseudonym", None)
    return {
        "object_type": _clean(object_type, 40),
        "object_id": _clean(object_id, 64),
        "case_pseudonym": _clean(case_pseudonym, 40),
    }


_KEPT = "fallteam_audit_kept"


@contextmanager
def kept_on_rollback() -> Iterator[None]:
    """The events recorded inside this block are written even when the request's work is
    rolled back: a 4xx answer that still shows content (the 409 of an edit conflict shows
    the protocol's text) must leave its read in the log, as a refusal does
    (``core.errors.record_refusal``). The request lifecycle writes them after its rollback
    (``write_kept``); a request that commits writes them with everything else."""
    pending = db.session.info.setdefault(_PENDING, [])
    start = len(pending)
    yield
    if has_request_context():
        g.setdefault(_KEPT, []).extend(dict(row) for row in pending[start:])


def write_kept() -> None:
    """After a rolled-back request: write, in a transaction of their own, the events recorded
    in ``kept_on_rollback`` blocks."""
    rows = g.pop(_KEPT, None) if has_request_context() else None
    if not rows:
        return
    db.session.info[_PENDING] = rows
    db.session.commit()


def forget_kept() -> None:
    """After a committed request: the kept events were written with everything else."""
    if has_request_context():
        g.pop(_KEPT, None)


@event.listens_for(Session, "before_commit")
def _write_pending(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint is released: the events wait for the real commit
    session.info.pop(_MARKS, None)
    if session.info.get(_PENDING):
        # Everything else is written first, so the chain lock is the last lock taken.
        session.flush()
        write_events(session, session.info.pop(_PENDING))
    signed = session.info.pop(_SIGNED, None)
    if signed:
        _collect_for_export(session.connection(), session.info, signed)


@event.listens_for(Session, "after_transaction_create")
def _mark_savepoint(session: Session, transaction) -> None:
    if transaction.nested:
        session.info.setdefault(_MARKS, {})[transaction] = len(session.info.get(_PENDING, []))


@event.listens_for(Session, "after_soft_rollback")
def _drop_pending(session: Session, previous_transaction) -> None:
    marks = session.info.get(_MARKS, {})
    if previous_transaction.nested and previous_transaction in marks:
        # Only what was recorded inside the rolled-back savepoint goes.
        del session.info.get(_PENDING, [])[marks.pop(previous_transaction) :]
    else:
        for name in (_PENDING, _MARKS, _SIGNED, _TO_EXPORT):
            session.info.pop(name, None)


@event.listens_for(Session, "after_commit")
def _export_committed(session: Session) -> None:
    collected = session.info.pop(_TO_EXPORT, None)
    if collected:
        write_checkpoint_files(*collected)


# Built once: the chain writer runs in every transaction that records something.
_ADVANCE_HEAD = (
    update(_HEAD)
    .where(_HEAD.c.id == 1)
    .values(last_seq=_HEAD.c.last_seq + bindparam("count"))
    .returning(
        _HEAD.c.last_seq,
        _HEAD.c.last_mac,
        _HEAD.c.last_checkpoint_seq,
        _HEAD.c.last_checkpoint_dt,
    )
)
_SET_HEAD_MAC = update(_HEAD).where(_HEAD.c.id == 1).values(last_mac=bindparam("mac"))
_INSERT_EVENTS = insert(_EVENTS)


def write_events(session: Session, rows: list[dict]) -> int:
    """Chain and insert ``rows`` under the chain lock; returns the last sequence number."""
    connection = session.connection()
    head = connection.execute(_ADVANCE_HEAD, {"count": len(rows)}).one()
    key = current_keyring().audit_mac_key
    every = current_app.config["AUDIT_CHECKPOINT_EVERY"]
    seq, mac = head.last_seq - len(rows), bytes(head.last_mac)
    checkpoint_seq = head.last_checkpoint_seq
    checkpoints = []
    for row in rows:
        seq += 1
        row["seq"] = seq
        mac = chain.next_mac(key, mac, [row[name] for name in chain.CHAIN_FIELDS])
        row["mac"] = mac
        if seq - checkpoint_seq >= every:
            checkpoints.append((seq, mac))
            checkpoint_seq = seq
    if not checkpoints and _checkpoint_due_by_time(head.last_checkpoint_dt):
        checkpoints.append((seq, mac))
    connection.execute(_INSERT_EVENTS, rows[0] if len(rows) == 1 else rows)
    if checkpoints:
        values: dict[str, Any] = {"last_mac": mac}
        for cp_seq, cp_mac in checkpoints:
            values.update(_checkpoint_values(connection, cp_seq, cp_mac))
        session.info.setdefault(_SIGNED, []).extend(cp_seq for cp_seq, _ in checkpoints)
        connection.execute(update(_HEAD).where(_HEAD.c.id == 1).values(**values))
    else:
        connection.execute(_SET_HEAD_MAC, {"mac": mac})
    return seq


def _checkpoint_due_by_time(last_dt) -> bool:
    minutes = current_app.config["AUDIT_CHECKPOINT_MINUTES"]
    return last_dt is None or utcnow() - last_dt >= timedelta(minutes=minutes)


def _checkpoint_values(connection, seq: int, mac: bytes) -> dict[str, Any]:
    ring = current_keyring()
    created = utcnow()
    connection.execute(
        insert(AuditCheckpoint.__table__).values(
            seq=seq,
            head_mac=mac,
            created_dt=created,
            signature=chain.sign_checkpoint(ring.checkpoint_signing_key, seq, mac, created),
            key_fingerprint=chain.fingerprint(chain.public_key_of(ring.checkpoint_signing_key)),
        )
    )
    return {"last_checkpoint_seq": seq, "last_checkpoint_dt": created}


def make_checkpoint() -> AuditCheckpoint | None:
    """Sign the current head now (``flask audit checkpoint``); None while the log is empty."""
    connection = db.session.connection()
    head = connection.execute(
        update(_HEAD)
        .where(_HEAD.c.id == 1)
        .values(last_seq=_HEAD.c.last_seq)
        .returning(_HEAD.c.last_seq, _HEAD.c.last_mac, _HEAD.c.last_checkpoint_seq)
    ).one()
    if head.last_seq == 0:
        return None
    if head.last_checkpoint_seq != head.last_seq:
        values = _checkpoint_values(connection, head.last_seq, bytes(head.last_mac))
        connection.execute(update(_HEAD).where(_HEAD.c.id == 1).values(**values))
    # written to the directory after the commit, with any the directory still lacks
    db.session.info.setdefault(_SIGNED, []).append(head.last_seq)
    return db.session.get(AuditCheckpoint, head.last_seq)


def public_key() -> bytes:
    """The instance's checkpoint-signing public key (raw Ed25519)."""
    return chain.public_key_of(current_keyring().checkpoint_signing_key)


def checkpoint_directory() -> Path | None:
    """Where checkpoints are written outside the database (``AUDIT_CHECKPOINT_DIR``, relative
    to the instance folder); None when the copy is turned off."""
    configured = current_app.config.get("AUDIT_CHECKPOINT_DIR")
    if not configured:
        return None
    return Path(current_app.config["INSTANCE_PATH"]) / Path(configured).expanduser()


_CHECKPOINTS = AuditCheckpoint.__table__


def _collect_for_export(connection: Connection, info: dict, signed: list[int]) -> None:
    """Before the commit: the checkpoints to write out after it — the ones just signed (also
    when a file with their number exists: it must hold the same, or that is a conflict) and
    every older one the directory lacks since the last file below them (a crash between an
    earlier commit and its files)."""
    directory = checkpoint_directory()
    if directory is None:
        return
    present = checkpoints.exported_seqs(directory)
    just_signed = set(signed)
    floor = max((seq for seq in present if seq < min(just_signed)), default=0)
    rows = connection.execute(
        select(_CHECKPOINTS).where(_CHECKPOINTS.c.seq > floor).order_by(_CHECKPOINTS.c.seq)
    ).all()
    key = public_key()
    due = [
        checkpoints.from_row(row, key)
        for row in rows
        if row.seq not in present or row.seq in just_signed
    ]
    if due:
        info[_TO_EXPORT] = (directory, due)


def write_checkpoint_files(directory: Path, due: Sequence[checkpoints.SignedCheckpoint]) -> int:
    """Write checkpoints to the directory; returns how many files are new. A failure is
    logged, never raised: the work they sign is committed, and the next checkpoint catches
    up. A file that holds another checkpoint with the same number is a conflict: it stays,
    and a conflict mark beside it makes every verification fail until someone looks."""
    written = 0
    for checkpoint in due:
        try:
            written += checkpoints.write(directory, checkpoint)
        except checkpoints.CheckpointConflict:
            _log.error(
                "Audit-Checkpoint %s: in %s liegt ein anderer Checkpoint mit dieser Nummer "
                "(Protokoll abgeschnitten und neu geschrieben?); Konfliktvermerk %s",
                checkpoint.seq,
                directory,
                checkpoints.conflict_file_name(checkpoint.seq),
            )
            try:
                checkpoints.write_conflict(directory, checkpoint)
            except OSError:
                _log.exception("Konfliktvermerk %s nicht geschrieben", checkpoint.seq)
        except OSError:
            _log.exception(
                "Audit-Checkpoint %s konnte nicht nach %s geschrieben werden",
                checkpoint.seq,
                directory,
            )
    return written


def export_missing_checkpoints() -> int:
    """Write every checkpoint of the database that the checkpoint directory lacks
    (``flask audit export-checkpoints``); returns how many files were written."""
    directory = checkpoint_directory()
    if directory is None:
        return 0
    present = checkpoints.exported_seqs(directory)
    key = public_key()
    missing = [
        checkpoints.from_row(row, key)
        for row in db.session.execute(select(_CHECKPOINTS).order_by(_CHECKPOINTS.c.seq))
        if row.seq not in present
    ]
    return write_checkpoint_files(directory, missing)


def export_all_checkpoints() -> list[checkpoints.SignedCheckpoint]:
    """Every checkpoint of the database with the public key, oldest first, for keeping
    outside the system; recorded as an export."""
    key = public_key()
    found = [
        checkpoints.from_row(row, key)
        for row in db.session.execute(select(_CHECKPOINTS).order_by(_CHECKPOINTS.c.seq))
    ]
    record(
        AuditAction.EXPORT,
        object_type="audit_checkpoints",
        purpose="Checkpoints zur Verwahrung außerhalb des Systems",
        details={"count": len(found), "newest_seq": found[-1].seq if found else None},
    )
    return found


@dataclass
class VerificationRun:
    """A finished verification: what was found, and how it was remembered."""

    report: VerificationReport
    started: datetime
    #: the remembered run (None until ``remember_verification``)
    stored: AuditVerification | None = None
    #: the configured checkpoint directory (None: turned off or not consulted)
    directory: Path | None = None
    #: files of the directory that could not be used, as (file name, problem)
    rejected: list[tuple[str, str]] = field(default_factory=list)
    #: conflict marks of the directory (file names)
    conflicts: list[str] = field(default_factory=list)
    #: whether the run's VERIFY event joined the chain (not when events were slipped in
    #: beyond the head: it would collide with them)
    recorded: bool = False


def _end_reading_transaction() -> None:
    # A POST request holds SQLite's one write lock from its first statement (loading the
    # signed-in account); nothing is written yet, so its transaction ends here and other
    # requests write while the log is verified. Storing the result begins a new one.
    session = db.session()
    if (
        session.in_transaction()
        and not session.info.get(_PENDING)
        and not (session.new or session.dirty or session.deleted)
    ):
        session.commit()


def verify_log(
    *,
    workers: int | None = None,
    external: Sequence[checkpoints.SignedCheckpoint] = (),
    use_directory: bool = True,
) -> VerificationRun:
    """Verify the whole chain and compare with every checkpoint of the checkpoint directory
    (unless ``use_directory`` is off), its conflict marks, and ``external`` ones; nothing is
    written. Reads through connections of its own (``verify.reading_engine``), in read
    transactions, outside the session's: no write lock is held meanwhile.

    ``workers`` > 1: parallel processes (``fork``: never inside a threaded web server)."""
    _end_reading_transaction()
    started = utcnow()
    key = public_key()
    directory = checkpoint_directory() if use_directory else None
    found = list(external)
    contents = checkpoints.DirectoryContents()
    if directory is not None:
        contents = checkpoints.read_all(directory, key)
        found.extend(contents.valid)
    with reading_engine(db.engine) as engine:
        report = verify_audit_log(
            engine, current_keyring().audit_mac_key, key, workers=workers, external=found
        )
    for name, problem in contents.rejected:
        report.note(None, f"{name}: {problem}")
    for name in contents.conflicts:
        seq = checkpoints.conflict_seq(name)
        report.note(
            seq,
            f"Checkpoint-Konflikt ({name}): für Nr. {seq} lag schon ein anderer Checkpoint in "
            "der Ablage, als die Datenbank ihren schreiben wollte",
        )
    return VerificationRun(report, started, None, directory, contents.rejected, contents.conflicts)


def _events_beyond_head() -> bool:
    head = select(_HEAD.c.last_seq).where(_HEAD.c.id == 1).scalar_subquery()
    return db.session.scalar(select(_EVENTS.c.seq).where(_EVENTS.c.seq > head).limit(1)) is not None


def remember_verification(
    run: VerificationRun,
    trigger: VerificationTrigger,
    *,
    actor: Any = CURRENT_USER,
    with_event: bool = True,
) -> AuditVerification:
    """Store the run and record it as a VERIFY event of the chain — except when events were
    slipped in beyond the chain head (found by the run or now): the event would take their
    sequence number and the commit would fail, so the run is stored without it (the start
    page then says the run is not vouched for by the chain)."""
    report = run.report
    newest = report.newest_external
    if actor is CURRENT_USER:
        actor = current_user if has_request_context() and current_user.is_authenticated else None
    stored = AuditVerification(
        started_dt=run.started,
        finished_dt=utcnow(),
        trigger=VerificationTrigger(trigger).value,
        actor_id=actor.id if actor is not None else None,
        intact=report.intact,
        events=report.events,
        checkpoints=report.checkpoints,
        first_broken_seq=report.first_broken_seq,
        reason=(report.reason or (report.problems[0] if report.problems else None) or "")[:500]
        or None,
        problems="\n".join(report.problems),
        external_seq=newest.seq if newest else None,
        external_created_dt=newest.created if newest else None,
    )
    db.session.add(stored)
    db.session.flush()
    run.stored = stored
    run.recorded = with_event and report.beyond_head is None and not _events_beyond_head()
    if run.recorded:
        record(
            AuditAction.VERIFY,
            stored,
            actor=actor,
            purpose="Prüfung der Protokollkette",
            details={
                "trigger": stored.trigger,
                "intact": stored.intact,
                "events": stored.events,
                "first_broken_seq": stored.first_broken_seq,
                "external_seq": stored.external_seq,
            },
        )
    return stored


def latest_checkpoint() -> AuditCheckpoint | None:
    """The newest checkpoint."""
    return db.session.scalar(select(AuditCheckpoint).order_by(AuditCheckpoint.seq.desc()))


def new_request_id() -> str:
    """An id for this request, shown in the response header and stored with its events."""
    return uuid.uuid4().hex
