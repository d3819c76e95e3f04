"""The chain itself, free of database and Flask: canonical form, MACs, checkpoint signatures.

``mac(n) = HMAC-SHA256(audit key, mac(n-1) || canonical(event n))`` with 32 zero bytes before
the first event. The canonical form joins the fields with a unit separator; no field may
contain one (``record`` refuses control characters), so two different events never share a
canonical form.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

GENESIS_MAC = bytes(32)
SEPARATOR = "\x1f"
#: stands for NULL, so that NULL and "" differ (control characters never occur in values)
NULL = "\x1e"

#: The event fields in chain order; ``mac`` follows them in every row the verifier reads.
CHAIN_FIELDS = (
    "seq",
    "occurred_dt",
    "actor_id",
    "actor_roles",
    "action",
    "object_type",
    "object_id",
    "case_pseudonym",
    "purpose",
    "outcome",
    "request_id",
    "client_address",
    "details",
)


#: How times enter the canonical form: UTC, microseconds, no zone suffix (SQLite stores them
#: exactly so, and PostgreSQL's ``to_char`` can produce the same).
TIME_FORMAT = "%Y-%m-%d %H:%M:%S.%f"


def canonical(row: Sequence) -> str:
    """The text a row's mac covers; ``row`` holds the ``CHAIN_FIELDS`` in order.

    The verifier has the database build the same text (see ``verify.canonical_sql``), so the
    two definitions are tested against each other on both databases.
    """
    seq, occurred, actor, *rest = row
    return SEPARATOR.join(
        (
            str(seq),
            occurred.astimezone(UTC).strftime(TIME_FORMAT),
            NULL if actor is None else actor.hex,
            *(NULL if value is None else value for value in rest),
        )
    )


def next_mac(key: bytes, previous: bytes, row: Sequence) -> bytes:
    """The mac of ``row`` following ``previous``."""
    return hmac.digest(key, previous + canonical(row).encode("utf-8"), "sha256")


@dataclass(frozen=True)
class SegmentResult:
    """What verifying one run of events found."""

    last_seq: int
    last_mac: bytes
    count: int
    first_broken_seq: int | None = None
    reason: str | None = None


def verify_rows(key: bytes, rows: Iterable[Sequence], start_seq: int, start_mac: bytes):
    """Check that ``rows`` — (seq, canonical text, mac), ordered by seq — continue the chain
    after ``start_seq``. Stops at the first missing or unexpected sequence number or wrong mac.
    """
    expected, previous, count = start_seq + 1, start_mac, 0
    digest, same = hmac.digest, hmac.compare_digest
    for seq, text, stored in rows:
        if seq != expected:
            reason = "fehlt" if seq > expected else "unerwartete Sequenznummer"
            return SegmentResult(expected - 1, previous, count, expected, reason)
        mac = digest(key, previous + text.encode("utf-8"), "sha256")
        if not same(mac, stored):
            return SegmentResult(expected - 1, previous, count, seq, "MAC stimmt nicht")
        previous, expected, count = mac, expected + 1, count + 1
    return SegmentResult(expected - 1, previous, count)


def verify_run(
    key: bytes, rows: Iterable[Sequence], start: tuple[int, bytes], end: tuple[int, bytes]
) -> SegmentResult:
    """Check a run of events from a known (seq, mac) to a known (seq, mac): a signed
    checkpoint or the chain head. Catches changed, deleted, inserted, reordered events and a
    cut-off end."""
    result = verify_rows(key, rows, *start)
    end_seq, end_mac = end
    if result.first_broken_seq is not None:
        return result
    if result.last_seq < end_seq:
        return SegmentResult(
            result.last_seq, result.last_mac, result.count, result.last_seq + 1, "fehlt"
        )
    if result.last_seq > end_seq:
        return SegmentResult(
            result.last_seq,
            result.last_mac,
            result.count,
            end_seq + 1,
            "Ereignis nach dem Kettenkopf (eingefügt)",
        )
    if not hmac.compare_digest(result.last_mac, end_mac):
        return SegmentResult(
            result.last_seq,
            result.last_mac,
            result.count,
            end_seq,
            "weicht vom signierten Checkpoint bzw. Kettenkopf ab",
        )
    return result


def public_key_of(private_raw: bytes) -> bytes:
    """The raw Ed25519 public key belonging to a raw private key."""
    return (
        Ed25519PrivateKey.from_private_bytes(private_raw)
        .public_key()
        .public_bytes(Encoding.Raw, PublicFormat.Raw)
    )


def fingerprint(public_raw: bytes) -> str:
    """SHA-256 of a public key, hex: names the key that signed."""
    return hashlib.sha256(public_raw).hexdigest()


def checkpoint_statement(seq: int, head_mac: bytes, created: datetime) -> bytes:
    """What a checkpoint signature covers."""
    return f"fallteam-audit-checkpoint|v1|{seq}|{head_mac.hex()}|{created.isoformat()}".encode()


def sign_checkpoint(private_raw: bytes, seq: int, head_mac: bytes, created: datetime) -> bytes:
    """An Ed25519 signature of the checkpoint statement."""
    key = Ed25519PrivateKey.from_private_bytes(private_raw)
    return key.sign(checkpoint_statement(seq, head_mac, created))


def checkpoint_signature_valid(
    public_raw: bytes, seq: int, head_mac: bytes, created: datetime, signature: bytes
) -> bool:
    """Whether ``signature`` is a valid signature of that checkpoint by that key."""
    try:
        Ed25519PublicKey.from_public_bytes(public_raw).verify(
            bytes(signature), checkpoint_statement(seq, head_mac, created)
        )
    except InvalidSignature:
        return False
    return True
