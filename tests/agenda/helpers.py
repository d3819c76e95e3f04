"""Small builders shared by the agenda tests."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from fallteam.core.models import utcnow
from fallteam.extensions import db
from fallteam.meetings.models import Meeting


def add_meeting(app, team_id: uuid.UUID, starts: datetime | None = None, **fields) -> uuid.UUID:
    """A planned session of the team (a week ahead unless ``starts``)."""
    starts = starts or (utcnow() + timedelta(days=7)).replace(microsecond=0)
    with app.app_context():
        meeting = Meeting(
            team_id=team_id,
            starts_dt=starts,
            ends_dt=starts + timedelta(hours=3),
            place="Rathaus, Raum 2.14",
            **fields,
        )
        db.session.add(meeting)
        db.session.commit()
        return meeting.id
