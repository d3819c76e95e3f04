"""Sessions come from the team's rhythm, keep their Berlin wall-clock time across DST, and a
second generation adds nothing."""

from __future__ import annotations

from datetime import date, time
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from fallteam.auth.models import User
from fallteam.extensions import db
from fallteam.meetings.models import Meeting
from fallteam.meetings.operations import schedule as meetings
from fallteam.teams import operations as teams
from fallteam.teams.operations import TeamError

BERLIN = ZoneInfo("Europe/Berlin")


def _team(rhythm="weekly", **overrides):
    settings = dict(
        name=f"Fallteam {rhythm} {overrides.get('weekday', 2)}",
        region="Teltow",
        rhythm=rhythm,
        weekday=2,
        start_time=time(9, 0),
        duration_minutes=180,
        place="Rathaus, Raum 2.14",
        registration_deadline_days=1,
        rhythm_anchor=date(2027, 1, 6),
    )
    settings.update(overrides)
    return teams.create_team(**settings)


def test_weekly_sessions_fall_on_the_team_weekday(app):
    with app.app_context():
        team = _team()
        days = list(meetings.meeting_days(team, date(2027, 1, 1), date(2027, 1, 31)))
    assert days == [date(2027, 1, 6), date(2027, 1, 13), date(2027, 1, 20), date(2027, 1, 27)]
    assert {d.weekday() for d in days} == {2}


def test_fortnightly_sessions_alternate_weeks_from_the_anchor(app):
    with app.app_context():
        team = _team("fortnightly")
        days = list(meetings.meeting_days(team, date(2027, 1, 10), date(2027, 2, 28)))
    assert days == [date(2027, 1, 20), date(2027, 2, 3), date(2027, 2, 17)]


def test_sessions_keep_their_local_time_across_daylight_saving(app):
    with app.app_context():
        team = _team()
        created = meetings.generate_meetings(team, start=date(2027, 3, 20), until=date(2027, 4, 5))
        local = [m.starts_dt.astimezone(BERLIN) for m in created]
        utc_hours = [m.starts_dt.hour for m in created]
    # 24 March is CET (UTC+1), 31 March CEST (UTC+2): same 09:00 in Berlin
    assert [(t.date(), t.time()) for t in local] == [
        (date(2027, 3, 24), time(9, 0)),
        (date(2027, 3, 31), time(9, 0)),
    ]
    assert utc_hours == [8, 7]


def test_a_second_generation_adds_nothing(app):
    with app.app_context():
        team = _team()
        first = meetings.generate_meetings(team, start=date(2027, 1, 1), until=date(2027, 3, 31))
        again = meetings.generate_meetings(team, start=date(2027, 1, 1), until=date(2027, 3, 31))
        stored = db.session.scalars(select(Meeting).where(Meeting.team_id == team.id)).all()
    assert len(first) == 13 and again == [] and len(stored) == 13


def test_a_cancellation_needs_a_reason(app):
    with app.app_context():
        team = _team()
        (meeting, *_) = meetings.generate_meetings(
            team, start=date(2027, 1, 1), until=date(2027, 1, 10)
        )
        with pytest.raises(meetings.MeetingError, match="Grund"):
            meetings.cancel_meeting(meeting, reason="  ")
        meetings.cancel_meeting(meeting, reason="staff")
        assert meeting.status == "cancelled"


def test_membership_and_absence_rules(app, create_account):
    account = create_account(["member"])
    with app.app_context():
        team, user = _team(), db.session.get(User, account.id)
        with pytest.raises(TeamError, match="Enddatum"):
            teams.add_member(team, user, kind="temporary")
        teams.add_member(team, user, kind="permanent")
        with pytest.raises(TeamError, match="bereits"):
            teams.add_member(team, user, kind="permanent")
        with pytest.raises(TeamError, match="vor ihrem Beginn"):
            teams.add_absence(user, date(2027, 2, 10), date(2027, 2, 1))


def test_a_move_keeps_the_length_and_needs_a_reason(app):
    from datetime import UTC, datetime

    with app.app_context():
        team = _team()
        (meeting, *_) = meetings.generate_meetings(
            team, start=date(2027, 1, 1), until=date(2027, 1, 10)
        )
        new_start = datetime(2027, 1, 7, 13, 0, tzinfo=UTC)
        with pytest.raises(meetings.MeetingError, match="Grund"):
            meetings.move_meeting(meeting, starts=new_start, reason="")
        meetings.move_meeting(meeting, starts=new_start, reason="room")
        assert meeting.starts_dt == new_start
        assert (meeting.ends_dt - meeting.starts_dt).total_seconds() == 180 * 60


def test_a_withdrawn_absence_no_longer_counts(app, create_account):
    from fallteam.teams.models import Absence

    account = create_account(["member"])
    with app.app_context():
        user = db.session.get(User, account.id)
        absence = teams.add_absence(user, date(2027, 2, 1), date(2027, 2, 10))
        teams.remove_absence(absence)
        assert db.session.scalars(select(Absence).where(Absence.user_id == user.id)).all() == []
        assert teams.absences_of([user.id]) == {user.id: []}
