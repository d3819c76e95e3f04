"""The dashboard sorts open Wiedervorlagen by the office's day (Europe/Berlin): one due on
the 12th is overdue from Berlin's midnight, while UTC still says the 12th."""

from __future__ import annotations

from datetime import UTC, date, datetime

from fallteam.auth.models import User
from fallteam.extensions import db
from fallteam.resubmissions.queries import dashboard_for

TUESDAY_12 = date(2027, 1, 12)


def sections(app, account, now):
    with app.app_context():
        board = dashboard_for(db.session.get(User, account.id), now=now)
        return (
            [e.due for e in board.overdue],
            [e.due for e in board.this_week],
            [e.due for e in board.upcoming],
        )


def test_due_yesterday_in_berlin_is_overdue_though_utc_is_still_on_the_due_day(
    app, setting, add_resubmission
):
    add_resubmission(setting, TUESDAY_12)
    # 23:30 UTC on the 12th is 00:30 on the 13th in Berlin
    just_after = datetime(2027, 1, 12, 23, 30, tzinfo=UTC)
    assert sections(app, setting.owner, just_after) == ([TUESDAY_12], [], [])


def test_due_today_in_berlin_is_due_this_week_until_berlins_midnight(
    app, setting, add_resubmission
):
    add_resubmission(setting, TUESDAY_12)
    # 22:59 UTC on the 12th is 23:59 on the 12th in Berlin
    just_before = datetime(2027, 1, 12, 22, 59, tzinfo=UTC)
    assert sections(app, setting.owner, just_before) == ([], [TUESDAY_12], [])


def test_after_sunday_is_upcoming_and_the_responsible_colleague_sees_it_too(
    app, setting, add_resubmission
):
    add_resubmission(setting, date(2027, 1, 18), responsible=setting.colleague)
    monday_11 = datetime(2027, 1, 11, 9, 0, tzinfo=UTC)
    assert sections(app, setting.owner, monday_11) == ([], [], [date(2027, 1, 18)])
    assert sections(app, setting.colleague, monday_11) == ([], [], [date(2027, 1, 18)])


def test_someone_neither_responsible_nor_owner_sees_nothing(
    app, setting, create_account, add_resubmission
):
    add_resubmission(setting, TUESDAY_12)
    stranger = create_account(["fachkraft", "member"])
    assert sections(app, stranger, datetime(2027, 1, 11, tzinfo=UTC)) == ([], [], [])
