"""The moderation plan for a team: fair, never an absent member, published, swappable."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, time

from fallteam.auth.models import User
from fallteam.extensions import db
from fallteam.meetings.operations import schedule as meetings
from fallteam.teams import operations as teams
from fallteam.teams.queries import upcoming_meetings

NOW = datetime(2027, 1, 1, 12, 0, tzinfo=UTC)


def _team_of(app, accounts, *, absent=None):
    team = teams.create_team(
        name="Fallteam Stahnsdorf",
        region="Stahnsdorf",
        rhythm="weekly",
        weekday=2,
        start_time=time(9, 0),
        duration_minutes=180,
        place="Rathaus",
        registration_deadline_days=1,
        rhythm_anchor=date(2027, 1, 6),
    )
    for account in accounts:
        teams.add_member(team, db.session.get(User, account.id), kind="permanent")
    for account, (start, end) in absent or []:
        teams.add_absence(db.session.get(User, account.id), start, end)
    meetings.generate_meetings(team, start=date(2027, 1, 1), until=date(2027, 6, 30))
    return team


def test_six_members_over_six_months_moderate_evenly_and_never_when_away(app, create_account):
    accounts = [create_account(["member"]) for _ in range(6)]
    holiday = (date(2027, 3, 1), date(2027, 3, 31))
    with app.app_context():
        team = _team_of(app, accounts, absent=[(accounts[0], holiday)])
        problems = meetings.plan_moderation(team, now=NOW)
        planned = upcoming_meetings(team, after=NOW)
        counts = Counter(m.moderator_id for m in planned)
        away = [
            m
            for m in planned
            if m.moderator_id == accounts[0].id and holiday[0] <= m.starts_dt.date() <= holiday[1]
        ]
        repeats = [
            a
            for a, b in zip(planned, planned[1:], strict=False)
            if a.moderator_id == b.moderator_id
        ]
        assert problems == []
        assert len(planned) == 26 and None not in counts
        assert max(counts.values()) - min(counts.values()) <= 1
        assert away == [] and repeats == []
        assert meetings.publish_moderation(team, now=NOW) == 26
        assert all(m.moderation_published for m in planned)


def test_two_sessions_swap_their_moderators_in_one_action(app, create_account):
    accounts = [create_account(["member"]) for _ in range(3)]
    with app.app_context():
        team = _team_of(app, accounts)
        meetings.plan_moderation(team, now=NOW)
        first, second = upcoming_meetings(team, after=NOW)[:2]
        a, b = first.moderator_id, second.moderator_id
        meetings.swap_moderators(first, second)
        assert (first.moderator_id, second.moderator_id) == (b, a)


def test_a_plan_without_any_available_member_says_why(app, create_account):
    accounts = [create_account(["member"]) for _ in range(2)]
    everyone_away = (date(2027, 1, 1), date(2027, 1, 31))
    with app.app_context():
        team = _team_of(app, accounts, absent=[(a, everyone_away) for a in accounts])
        problems = meetings.plan_moderation(team, now=NOW)
        january = [m for m in upcoming_meetings(team, after=NOW) if m.starts_dt.month == 1]
        assert all(m.moderator_id is None for m in january)
        assert any(p.rule == "absent" and "06.01.2027" in p.message for p in problems)
        assert not any(str(a.id) in p.message for p in problems for a in accounts)  # names
