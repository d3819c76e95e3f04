"""Writing audit events: ``record`` is the one function every domain calls.

An event is written in the same transaction as the work it records: ``record`` queues it on
the session, and the session's ``before_commit`` hook assigns sequence numbers and macs under
the chain lock and inserts the events. A rollback drops the queue, so there is never a change
without its event, nor an event for a change that did not happen. Taking the chain lock last,
just before the commit, keeps it short and out of every lock-ordering cycle.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from flask import current_app, g, has_request_context, request
from flask_login import current_user
from sqlalchemy import bindparam, event, insert, select, update
from sqlalchemy.orm import Session

from fallteam.audit import chain
from fallteam.audit.models import AuditAction, AuditChainHead, AuditCheckpoint, AuditEvent, Outcome
from fallteam.core.models import utcnow
from fallteam.crypto.runtime import current_keyring
from fallteam.extensions import db

_PENDING = "fallteam.audit.pending"
_MARKS = "fallteam.audit.savepoint_marks"
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
    if actor is CURRENT_USER:
        actor = current_user if has_request_context() and current_user.is_authenticated else None
    if obj is not None:
        object_type = object_type or getattr(obj, "__audit_type__", obj.__tablename__)
        object_id = obj.id if object_id is None else object_id
        if case_pseudonym is None:
            case_pseudonym = getattr(obj, "audit_case_pseudonym", None)
    request_id, address = _request_facts()
    row = {
        "occurred_dt": utcnow(),
        "actor_id": actor.id if actor is not None else None,
        "actor_roles": ",".join(actor.role_names) if actor is not None else "",
        "action": AuditAction(action).value,
        "object_type": _clean(object_type, 40),
        "object_id": _clean(object_id, 64),
        "case_pseudonym": _clean(case_pseudonym, 40),
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
    db.session.info.setdefault(_PENDING, []).append(row)


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
    rows = session.info.get(_PENDING)
    if not rows:
        return
    # Everything else is written first, so the chain lock is the last lock taken.
    session.flush()
    write_events(session, session.info.pop(_PENDING))


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
        session.info.pop(_PENDING, None)
        session.info.pop(_MARKS, None)


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
        connection.execute(update(_HEAD).where(_HEAD.c.id == 1).values(**values))
    else:
        connection.execute(_SET_HEAD_MAC, {"mac": mac})
    return seq


def _checkpoint_due_by_time(last_dt) -> bool:
    hours = current_app.config["AUDIT_CHECKPOINT_HOURS"]
    return last_dt is None or utcnow() - last_dt >= timedelta(hours=hours)


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
    return db.session.get(AuditCheckpoint, head.last_seq)


def latest_checkpoint() -> AuditCheckpoint | None:
    """The newest checkpoint."""
    return db.session.scalar(select(AuditCheckpoint).order_by(AuditCheckpoint.seq.desc()))


def new_request_id() -> str:
    """An id for this request, shown in the response header and stored with its events."""
    return uuid.uuid4().hex
