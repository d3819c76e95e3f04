"""Reading teams: the team's coming sessions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from fallteam.extensions import db
from fallteam.meetings.models import Meeting, MeetingStatus
from fallteam.teams.models import Team


def upcoming_meetings(team: Team, *, after: datetime) -> list[Meeting]:
    """Planned sessions of the team after ``after``, in order."""
    return list(
        db.session.scalars(
            select(Meeting)
            .where(
                Meeting.team_id == team.id,
                Meeting.starts_dt > after,
                Meeting.status == MeetingStatus.PLANNED,
            )
            .order_by(Meeting.starts_dt)
        )
    )
