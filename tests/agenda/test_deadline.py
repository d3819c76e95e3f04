"""The registration deadline: N days before the session at the same Berlin wall-clock time,
to the minute, also when a daylight saving change lies in between."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from fallteam.auth.models import User
from fallteam.cases.models import Case
from fallteam.extensions import db
from fallteam.meetings.models import Meeting
from fallteam.meetings.operations import MeetingError
from fallteam.meetings.operations import agenda as operations
from fallteam.teams.models import Team
from tests.agenda.helpers import add_meeting

# Summer time begins on Sunday 28 March 2027, ends on Sunday 31 October 2027.
MONDAY_AFTER_SPRING_CHANGE = datetime(2027, 3, 29, 7, 0, tzinfo=UTC)  # 09:00 CEST
MONDAY_AFTER_AUTUMN_CHANGE = datetime(2027, 11, 1, 8, 0, tzinfo=UTC)  # 09:00 CET
MINUTE = timedelta(minutes=1)


def _try(app, case_id, meeting_id, owner_id, now, *, late_reason=None):
    with app.app_context():
        nested = db.session.begin_nested()
        try:
            operations.register_case_for_meeting(
                db.session.get(Case, case_id),
                db.session.get(Meeting, meeting_id),
                operations.Registration("kollegiale_beratung", "", "", 30),
                actor=db.session.get(User, owner_id),
                now=now,
                late_reason=late_reason,
            )
        except MeetingError as exc:
            return str(exc)
        finally:
            nested.rollback()
        return "angemeldet"


@pytest.mark.parametrize(
    ("session_start", "days", "deadline"),
    [
        # one day before: Sunday 28 March 09:00 CEST
        (MONDAY_AFTER_SPRING_CHANGE, 1, datetime(2027, 3, 28, 7, 0, tzinfo=UTC)),
        # two days before: Saturday 27 March 09:00 CET — not 48 hours before (07:00 UTC)
        (MONDAY_AFTER_SPRING_CHANGE, 2, datetime(2027, 3, 27, 8, 0, tzinfo=UTC)),
        # two days before: Saturday 30 October 09:00 CEST — not 48 hours before (08:00 UTC)
        (MONDAY_AFTER_AUTUMN_CHANGE, 2, datetime(2027, 10, 30, 7, 0, tzinfo=UTC)),
    ],
    ids=["spring-1-day", "spring-2-days", "autumn-2-days"],
)
def test_registration_closes_at_the_berlin_wall_clock_deadline_to_the_minute(
    app, create_account, create_case, create_team, session_start, days, deadline
):
    owner = create_account(["fachkraft"])
    case = create_case(owner)
    team_id, _ = create_team([(create_account(["member"]), "permanent")])
    with app.app_context():
        db.session.get(Team, team_id).registration_deadline_days = days
        db.session.commit()
    meeting_id = add_meeting(app, team_id, session_start)

    assert _try(app, case.id, meeting_id, owner.id, deadline - MINUTE) == "angemeldet"
    refused = _try(app, case.id, meeting_id, owner.id, deadline + MINUTE)
    assert "Anmeldefrist" in refused and "09:00" in refused
    assert "Anmeldefrist" in _try(app, case.id, meeting_id, owner.id, deadline)


def test_after_the_deadline_an_item_needs_the_moderators_reason(
    app, create_account, create_case, create_team
):
    owner = create_account(["fachkraft"])
    case = create_case(owner)
    moderator = create_account(["member"])
    team_id, _ = create_team([(moderator, "permanent")])
    meeting_id = add_meeting(app, team_id, MONDAY_AFTER_SPRING_CHANGE, moderator_id=moderator.id)
    late = datetime(2027, 3, 28, 20, 0, tzinfo=UTC)
    assert "Anmeldefrist" in _try(app, case.id, meeting_id, moderator.id, late)
    assert (
        _try(app, case.id, meeting_id, moderator.id, late, late_reason="Krise am Wochenende")
        == "angemeldet"
    )
