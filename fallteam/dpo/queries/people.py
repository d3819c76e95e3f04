"""Who the audit log's actors are: display name and institution (structural data only)."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from fallteam.auth.models import Institution, User
from fallteam.extensions import db


def names_of(user_ids: set) -> dict[uuid.UUID, tuple[str, str | None]]:
    """Display name and institution of each user (one statement; none for no ids)."""
    user_ids = {u for u in user_ids if u is not None}
    if not user_ids:
        return {}
    rows = db.session.execute(
        select(User.id, User.display_name, Institution.name)
        .outerjoin(Institution, Institution.id == User.institution_id)
        .where(User.id.in_(user_ids))
    )
    return {row[0]: (row[1], row[2]) for row in rows}
