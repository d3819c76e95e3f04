"""How the audit chain stands: the last verification (and whether its VERIFY event in the
chain vouches for it), the last signed checkpoint, the newest checkpoint kept outside the
database, and any conflict marks there."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from fallteam.audit import checkpoints
from fallteam.audit.models import AuditAction, AuditCheckpoint, AuditEvent, AuditVerification
from fallteam.audit.operations import checkpoint_directory, latest_checkpoint, public_key
from fallteam.auth.models import User
from fallteam.core.models import utcnow
from fallteam.extensions import db


def minutes_since(moment: datetime | None) -> int | None:
    """Whole minutes from ``moment`` until now."""
    if moment is None:
        return None
    return max(int((utcnow() - moment).total_seconds() // 60), 0)


@dataclass
class ChainStatus:
    """What the DPO's start page says about the chain (three queries, plus the directory)."""

    last_verification: AuditVerification | None = None
    #: the VERIFY event of the chain that records the last verification with the same
    #: result (None: the row is not vouched for — written by someone else, or stored without
    #: its event because events were slipped in beyond the head)
    verification_event_seq: int | None = None
    #: who pressed the button (None: the command line, or nobody known)
    verified_by: str | None = None
    last_checkpoint: AuditCheckpoint | None = None
    #: whether the last checkpoint has its file in the directory (None: no directory)
    last_checkpoint_exported: bool | None = None
    #: a directory is configured
    directory_configured: bool = False
    newest_external: checkpoints.SignedCheckpoint | None = None
    #: newer files of the directory that are not valid checkpoints of this instance
    rejected: list[tuple[str, str]] = field(default_factory=list)
    #: conflict marks in the directory: a checkpoint the database wanted to write differed
    #: from the file kept for its number (a lasting alarm)
    conflicts: list[str] = field(default_factory=list)

    @property
    def external_age_minutes(self) -> int | None:
        """How old the newest checkpoint kept outside is."""
        return minutes_since(self.newest_external.created if self.newest_external else None)


def chain_status() -> ChainStatus:
    """The chain's status for the DPO's start page."""
    status = ChainStatus()
    row = db.session.execute(
        select(AuditVerification, User.display_name)
        .outerjoin(User, User.id == AuditVerification.actor_id)
        .order_by(AuditVerification.started_dt.desc())
        .limit(1)
    ).first()
    if row is not None:
        status.last_verification, status.verified_by = row
        status.verification_event_seq = _vouching_event(status.last_verification)
    status.last_checkpoint = latest_checkpoint()
    directory = checkpoint_directory()
    if directory is not None:
        status.directory_configured = True
        scan = checkpoints.scan(directory, public_key())
        status.newest_external, status.rejected = scan.newest, scan.rejected or []
        status.conflicts = checkpoints.conflicts(directory)
        if status.last_checkpoint is not None:
            status.last_checkpoint_exported = (
                directory / checkpoints.file_name(status.last_checkpoint.seq)
            ).is_file()
    return status


def _vouching_event(run: AuditVerification) -> int | None:
    """The seq of the VERIFY event that records ``run`` with the result the row shows, if
    the chain has one: a row alone can be inserted by anyone with database access, an event
    of the chain only by the application (its mac needs the audit key, and the verification
    checks it)."""
    found = db.session.execute(
        select(AuditEvent.seq, AuditEvent.details)
        .where(
            AuditEvent.object_id == str(run.id),
            AuditEvent.action == AuditAction.VERIFY.value,
            AuditEvent.object_type == AuditVerification.__tablename__,
        )
        .limit(1)
    ).first()
    if found is None:
        return None
    details = json.loads(found.details)
    claims = (details.get("intact"), details.get("events"), details.get("first_broken_seq"))
    return found.seq if claims == (run.intact, run.events, run.first_broken_seq) else None
