"""The confidentiality pledge: a guest or temporary team member confirms the
Verschwiegenheitspflicht once before first seeing case content."""

from __future__ import annotations

from flask import current_app

from fallteam.audit.models import AuditAction
from fallteam.audit.operations import record
from fallteam.auth.models import User
from fallteam.extensions import db
from fallteam.meetings.models import ConfidentialityPledge


def confirm_pledge(user: User) -> ConfidentialityPledge:
    """Record that ``user`` confirmed the pledge text now in force."""
    pledge = ConfidentialityPledge(
        user_id=user.id, text=current_app.config["CONFIDENTIALITY_PLEDGE_TEXT"]
    )
    db.session.add(pledge)
    db.session.flush()
    record(AuditAction.CREATE, pledge, purpose="Verschwiegenheitspflicht bestätigt")
    return pledge
