"""How the audit chain stands: the last verification, the last signed checkpoint, and the
newest checkpoint kept outside the database."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from fallteam.audit import checkpoints
from fallteam.audit.models import AuditCheckpoint, AuditVerification
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
    """What the DPO's start page says about the chain (two queries, plus the directory)."""

    last_verification: AuditVerification | None = None
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
    status.last_checkpoint = latest_checkpoint()
    directory = checkpoint_directory()
    if directory is not None:
        status.directory_configured = True
        scan = checkpoints.scan(directory, public_key())
        status.newest_external, status.rejected = scan.newest, scan.rejected or []
        if status.last_checkpoint is not None:
            status.last_checkpoint_exported = (
                directory / checkpoints.file_name(status.last_checkpoint.seq)
            ).is_file()
    return status
