"""A Wiedervorlage is called up at the team's first planned session on or after its due day;
a cancelled session passes it on to the next planned one (computed, not stored)."""

from __future__ import annotations

from datetime import date

from fallteam.extensions import db
from fallteam.meetings.models import Meeting
from fallteam.resubmissions.queries import due_resubmissions

WED_13 = date(2027, 1, 13)
WED_20 = date(2027, 1, 20)
WED_27 = date(2027, 1, 27)


def due_on(app, meeting_id) -> list[str]:
    with app.app_context():
        return [d.pseudonym for d in due_resubmissions(db.session.get(Meeting, meeting_id))]


def test_due_between_two_sessions_comes_up_at_the_next_one_only(
    app, setting, add_meeting, add_resubmission
):
    first = add_meeting(setting.team_id, WED_13)
    second = add_meeting(setting.team_id, WED_20)
    add_resubmission(setting, date(2027, 1, 15))

    assert due_on(app, first) == []
    assert due_on(app, second) == [setting.pseudonym]


def test_due_on_a_session_day_comes_up_that_day_and_not_again_later(
    app, setting, add_meeting, add_resubmission
):
    first = add_meeting(setting.team_id, WED_13)
    second = add_meeting(setting.team_id, WED_20)
    add_resubmission(setting, WED_13)

    assert due_on(app, first) == [setting.pseudonym]
    assert due_on(app, second) == []


def test_due_on_a_cancelled_sessions_day_moves_to_the_next_planned_one(
    app, setting, add_meeting, add_resubmission
):
    cancelled = add_meeting(setting.team_id, WED_13, cancelled=True)
    also_cancelled = add_meeting(setting.team_id, WED_20, cancelled=True)
    planned = add_meeting(setting.team_id, WED_27)
    add_resubmission(setting, WED_13)

    assert due_on(app, cancelled) == []
    assert due_on(app, also_cancelled) == []
    assert due_on(app, planned) == [setting.pseudonym]


def test_cancelling_a_session_later_moves_its_wiedervorlagen_on(
    app, setting, add_meeting, add_resubmission
):
    first = add_meeting(setting.team_id, WED_13)
    second = add_meeting(setting.team_id, WED_20)
    add_resubmission(setting, WED_13)
    with app.app_context():
        db.session.get(Meeting, first).status = "cancelled"
        db.session.commit()

    assert due_on(app, second) == [setting.pseudonym]


def test_another_teams_session_does_not_call_it_up(
    app, setting, create_team, add_meeting, add_resubmission
):
    other_team, _ = create_team([(setting.owner, "permanent")])
    other = add_meeting(other_team, WED_13)
    add_resubmission(setting, WED_13)

    assert due_on(app, other) == []


def test_a_closed_wiedervorlage_is_not_called_up(app, setting, add_meeting, add_resubmission):
    from fallteam.auth.models import User
    from fallteam.resubmissions.models import Resubmission
    from fallteam.resubmissions.operations import close_resubmission

    meeting = add_meeting(setting.team_id, WED_13)
    rid = add_resubmission(setting, WED_13)
    with app.app_context():
        close_resubmission(
            db.session.get(Resubmission, rid),
            "Hilfe läuft.",
            db.session.get(User, setting.owner.id),
        )
        db.session.commit()

    assert due_on(app, meeting) == []
