"""A member befangen for a case (recorded so on any agenda item of it: they know the family)
sees nothing of its Wiedervorlagen: not on the team's dashboard, not on their own, not among
those a session calls up — no pseudonym, due day or responsible person. The others on the
team still see them, and the pages keep their number of statements."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from fallteam.auth.models import User
from fallteam.extensions import db
from fallteam.meetings.models import AgendaItem, Meeting
from fallteam.meetings.models.agenda import ItemAttendance, Presence
from fallteam.resubmissions.queries import due_resubmissions
from tests.core.test_statements_per_request import assert_constant, statements_of
from tests.resubmissions.conftest import today
from tests.resubmissions.test_team_dashboard import add, join, url


@pytest.fixture
def befangen(app, setting, create_account, add_meeting):
    """A member of the team recorded befangen for the setting's case at an earlier session."""
    account = create_account(["member"])
    join(app, setting.team_id, account)
    meeting_id = add_meeting(setting.team_id, date(2027, 1, 13))
    with app.app_context():
        item = AgendaItem(
            meeting_id=meeting_id,
            case_id=setting.case_id,
            presenter_id=setting.owner.id,
            registered_by_id=setting.owner.id,
            method="kollegiale_beratung",
        )
        db.session.add(item)
        db.session.flush()
        db.session.add(
            ItemAttendance(item_id=item.id, user_id=account.id, presence=Presence.CONFLICTED)
        )
        db.session.commit()
    return account


def test_the_team_dashboard_leaves_the_case_out_for_a_befangen_member(
    app, setting, befangen, client_of
):
    add(app, setting, today() + timedelta(days=3))

    page = client_of(befangen).get(url(setting))

    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert setting.pseudonym not in text
    assert 'data-testid="team-resubmission"' not in text
    colleague = client_of(setting.colleague).get(url(setting)).get_data(as_text=True)
    assert setting.pseudonym in colleague


def test_the_personal_dashboard_leaves_the_case_out_even_when_responsible(
    app, setting, befangen, client_of
):
    add(app, setting, today() + timedelta(days=3), responsible=befangen)

    text = client_of(befangen).get("/wiedervorlagen").get_data(as_text=True)

    assert setting.pseudonym not in text
    owner = client_of(setting.owner).get("/wiedervorlagen").get_data(as_text=True)
    assert setting.pseudonym in owner


def test_a_session_does_not_call_it_up_for_a_befangen_member(app, setting, befangen, add_meeting):
    later = add_meeting(setting.team_id, date(2027, 1, 20))
    add(app, setting, date(2027, 1, 15))

    with app.app_context():
        meeting = db.session.get(Meeting, later)
        befangen_sees, colleague_sees = (
            [d.pseudonym for d in due_resubmissions(meeting, db.session.get(User, who.id))]
            for who in (befangen, setting.colleague)
        )
    assert befangen_sees == []
    assert colleague_sees == [setting.pseudonym]


def test_other_cases_stay_on_the_befangen_members_dashboard(
    app, setting, befangen, create_case, client_of
):
    other = create_case(setting.owner)
    add(app, setting, today() + timedelta(days=3))
    add(app, setting, today() + timedelta(days=4), case_id=other.id)

    text = client_of(befangen).get(url(setting)).get_data(as_text=True)

    assert text.count('data-testid="team-resubmission"') == 1
    assert other.pseudonym in text and setting.pseudonym not in text


@pytest.mark.settings(AUDIT_CHECKPOINT_EVERY=10**9)
def test_statements_do_not_grow_for_a_befangen_member(
    app, setting, befangen, create_case, client_of, count_statements
):
    client = client_of(befangen)
    counts, have = {}, 0
    for size in (3, 30):
        for n in range(have, size):
            case = create_case(setting.owner)
            add(app, setting, today() + timedelta(days=n % 10 - 2), case_id=case.id)
        have = size
        counts[size] = statements_of(count_statements, client, url(setting))
    assert_constant(counts[3], counts[30], "team dashboard (befangen member)")


def test_a_befangen_member_is_not_offered_as_responsible(app, setting, befangen, client_of):
    page = client_of(setting.owner).get(f"/faelle/{setting.case_id}/wiedervorlagen")

    text = page.get_data(as_text=True)
    assert page.status_code == 200
    befangen_name, colleague_name = _names(app, befangen, setting.colleague)
    assert f'value="{befangen.id}"' not in text and befangen_name not in text
    assert f'value="{setting.colleague.id}"' in text and colleague_name in text


def _names(app, *accounts) -> list[str]:
    with app.app_context():
        return [db.session.get(User, a.id).display_name for a in accounts]
