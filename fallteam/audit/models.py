"""Audit events, the head of their chain, and signed checkpoints. Append-only by trigger."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import BigInteger, Index, LargeBinary, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from fallteam.core.models import Base, UUIDPrimaryKey


class AuditAction(enum.StrEnum):
    """What happened. Stored as its value; the DPO's reports group by it."""

    SIGN_IN = "sign_in"
    SIGN_IN_FAILED = "sign_in_failed"
    LOCKOUT = "lockout"
    SIGN_OUT = "sign_out"
    SESSION_EXPIRED = "session_expired"
    SECOND_FACTOR_SET_UP = "second_factor_set_up"
    RECOVERY_CODE_USED = "recovery_code_used"
    RECOVERY_CODES_ISSUED = "recovery_codes_issued"
    PASSWORD_CHANGE = "password_change"  # noqa: S105 (an action name)
    PASSWORD_CONFIRMATION_FAILED = "password_confirmation_failed"  # noqa: S105 (an action name)
    ACCOUNT_CREATE = "account_create"
    ACCOUNT_UPDATE = "account_update"
    ACCOUNT_DEACTIVATE = "account_deactivate"
    ACCOUNT_REACTIVATE = "account_reactivate"
    PASSWORD_RESET = "password_reset"  # noqa: S105 (an action name)
    SECOND_FACTOR_RESET = "second_factor_reset"
    READ = "read"
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    EXPORT = "export"
    REFUSE = "refuse"
    KEY_ROTATION = "key_rotation"
    REENCRYPTION = "reencryption"
    SHRED = "shred"
    CHECKPOINT = "checkpoint"
    VERIFY = "verify"
    RESTORE = "restore"


class Outcome(enum.StrEnum):
    """Whether the action was allowed or refused."""

    ALLOWED = "allowed"
    DENIED = "denied"


#: events whose details name the consents that released data to the reader (canonical JSON:
#: sorted keys, no spaces; only read events carry ``consent_ids``). Written out as SQL text,
#: the same in the partial index and in the search, because a database uses a partial index
#: only for a query that repeats its predicate literally; it names no other column, so no
#: other index competes with it.
CONSENT_READ_PREDICATE = "details LIKE '%\"consent_ids\":%'"
#: disclosure decisions (``details.disclosure``; the DPO's list of them), spelled alike in
#: their partial index and in the list's query, for the same reason
DISCLOSURE_PREDICATE = 'details LIKE \'%"disclosure":"%\''
#: handovers of the Fallführung (``details.case_manager_from``), which the anomaly list
#: checks every read against; a partial index keeps these few events at hand
CASE_TRANSFER_PREDICATE = "details LIKE '%\"case_manager_from\":%'"


class AuditEvent(Base):
    """One event. ``mac`` chains it to its predecessor; no field holds plaintext social data."""

    __tablename__ = "audit_events"
    # The DPO's search filters on one column and pages newest first by ``seq``: each filter
    # has its (column, seq) index, so a page is an index walk of 50 entries at any size of
    # the log; reads of data released by consent have a partial index of their own (the
    # predicate is ``dpo.queries.search.consent_read_condition``, spelled alike).
    __table_args__ = (
        Index("ix_audit_events_case_pseudonym_seq", "case_pseudonym", "seq"),
        Index("ix_audit_events_actor_id_seq", "actor_id", "seq"),
        Index("ix_audit_events_action_seq", "action", "seq"),
        Index("ix_audit_events_outcome_seq", "outcome", "seq"),
        Index(
            "ix_audit_events_consent_reads",
            "seq",
            sqlite_where=text(CONSENT_READ_PREDICATE),
            postgresql_where=text(CONSENT_READ_PREDICATE),
        ),
        # a person's events over a period (activity report, the anomaly list's runs)
        Index("ix_audit_events_actor_id_occurred_dt", "actor_id", "occurred_dt"),
        Index(
            "ix_audit_events_disclosures",
            "seq",
            sqlite_where=text(DISCLOSURE_PREDICATE),
            postgresql_where=text(DISCLOSURE_PREDICATE),
        ),
        Index(
            "ix_audit_events_case_transfers",
            "case_pseudonym",
            "occurred_dt",
            sqlite_where=text(CASE_TRANSFER_PREDICATE),
            postgresql_where=text(CASE_TRANSFER_PREDICATE),
        ),
    )

    #: gapless sequence number, assigned under the chain lock
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    #: when it happened (UTC)
    occurred_dt: Mapped[datetime] = mapped_column(index=True)
    #: who acted (no foreign key: the log outlives accounts)
    actor_id: Mapped[uuid.UUID | None]
    #: the actor's roles at that moment, comma-separated
    actor_roles: Mapped[str] = mapped_column(String(200), default="")
    #: what happened (``AuditAction``)
    action: Mapped[str] = mapped_column(String(40))
    #: kind of object concerned (``user``, ``case``, …)
    object_type: Mapped[str | None] = mapped_column(String(40))
    #: its id
    object_id: Mapped[str | None] = mapped_column(String(64), index=True)
    #: the case's pseudonym, where a case is concerned (never a name)
    case_pseudonym: Mapped[str | None] = mapped_column(String(40))
    #: why (e.g. ``Fallberatung``, the refused permission)
    purpose: Mapped[str | None] = mapped_column(String(200))
    #: ``allowed`` or ``denied``
    outcome: Mapped[str] = mapped_column(String(10))
    #: id of the request it happened in
    request_id: Mapped[str | None] = mapped_column(String(32))
    #: client address as seen behind the trusted proxies
    client_address: Mapped[str | None] = mapped_column(String(64))
    #: structured details as canonical JSON (ids, counts, field names; never content)
    details: Mapped[str] = mapped_column(Text, default="{}")
    #: HMAC-SHA256(audit key, previous mac || canonical(event))
    mac: Mapped[bytes] = mapped_column(LargeBinary)

    def __repr__(self) -> str:
        return f"<AuditEvent {self.seq} {self.action} {self.outcome}>"


class AuditChainHead(Base):
    """The single row that serialises writers: last sequence number and mac."""

    __tablename__ = "audit_chain_head"

    #: always 1
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    #: sequence number of the newest event (0 before the first)
    last_seq: Mapped[int] = mapped_column(BigInteger)
    #: mac of the newest event (32 zero bytes before the first)
    last_mac: Mapped[bytes] = mapped_column(LargeBinary)
    #: sequence number of the newest checkpoint
    last_checkpoint_seq: Mapped[int] = mapped_column(BigInteger)
    #: when the newest checkpoint was made
    last_checkpoint_dt: Mapped[datetime | None]

    def __repr__(self) -> str:
        return f"<AuditChainHead {self.last_seq}>"


class AuditCheckpoint(Base):
    """A signed statement "event ``seq`` has mac ``head_mac``", to be kept outside the system."""

    __tablename__ = "audit_checkpoints"

    #: sequence number of the event the checkpoint covers
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    #: that event's mac
    head_mac: Mapped[bytes] = mapped_column(LargeBinary)
    #: when it was signed (UTC)
    created_dt: Mapped[datetime]
    #: Ed25519 signature over the checkpoint statement
    signature: Mapped[bytes] = mapped_column(LargeBinary)
    #: SHA-256 of the public key, hex (which key signed)
    key_fingerprint: Mapped[str] = mapped_column(String(64))

    def __repr__(self) -> str:
        return f"<AuditCheckpoint {self.seq}>"


class VerificationTrigger(enum.StrEnum):
    """How a verification was started."""

    CLI = "cli"
    BUTTON = "button"


class AuditVerification(UUIDPrimaryKey, Base):
    """One run of the verification (``flask audit verify`` or the DPO's button), remembered so
    the DPO's start page can say when the chain was last checked and what was found."""

    __tablename__ = "audit_verifications"

    #: when the run started and ended (UTC)
    started_dt: Mapped[datetime] = mapped_column(index=True)
    finished_dt: Mapped[datetime]
    #: ``cli`` or ``button`` (``VerificationTrigger``)
    trigger: Mapped[str] = mapped_column(String(10))
    #: who pressed the button (none for the command line; no foreign key, like the log)
    actor_id: Mapped[uuid.UUID | None]
    #: whether nothing was found
    intact: Mapped[bool]
    #: events recomputed, checkpoints checked
    events: Mapped[int] = mapped_column(BigInteger)
    checkpoints: Mapped[int] = mapped_column(BigInteger)
    #: the first broken event, and why
    first_broken_seq: Mapped[int | None] = mapped_column(BigInteger)
    reason: Mapped[str | None] = mapped_column(String(500))
    #: every problem found, one per line
    problems: Mapped[str] = mapped_column(Text, default="")
    #: the newest checkpoint kept outside that was compared, and when it was signed
    external_seq: Mapped[int | None] = mapped_column(BigInteger)
    external_created_dt: Mapped[datetime | None]

    def __repr__(self) -> str:
        return f"<AuditVerification {self.started_dt} {'ok' if self.intact else 'broken'}>"
