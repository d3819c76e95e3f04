"""A team's Wiedervorlagen (``/fallteams/<id>/wiedervorlagen``): for the team's members today,
overdue / this week / upcoming by the Europe/Berlin day, paginated; everyone on the team sees
pseudonym, date and responsible person, the topic only its responsible person and the case's
owner (and that read is recorded). Nobody outside the team sees it. Constant statements."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from fallteam.audit.models import AuditEvent
from fallteam.auth.models import User
from fallteam.extensions import db
from fallteam.resubmissions.models import Resubmission
from fallteam.resubmissions.queries import TEAM_PAGE_SIZE
from fallteam.resubmissions.rules import week_end
from fallteam.teams import operations as teams
from fallteam.teams.models import MemberKind, Team, TeamMember
from tests.core.test_statements_per_request import assert_constant, statements_of
from tests.resubmissions.conftest import leaves_team, today

TOPIC = "Hat die Schulbegleitung für Kind 1 begonnen?"


def add(app, setting, due, *, responsible=None, case_id=None, topic=TOPIC):
    with app.app_context():
        row = Resubmission(
            case_id=case_id or setting.case_id,
            team_id=setting.team_id,
            due=due,
            topic=topic,
            responsible_id=(responsible or setting.colleague).id,
            created_by_id=setting.owner.id,
        )
        db.session.add(row)
        db.session.commit()
        return row.id


@pytest.fixture
def third(app, setting, create_account):
    """A third member of the team: neither responsible nor the case's owner."""
    account = create_account(["member"])
    join(app, setting.team_id, account)
    return account


def join(app, team_id, account):
    with app.app_context():
        teams.add_member(
            db.session.get(Team, team_id), db.session.get(User, account.id), kind="permanent"
        )
        db.session.commit()


def url(setting, page=None):
    return f"/fallteams/{setting.team_id}/wiedervorlagen" + (f"?seite={page}" if page else "")


def section(page: str, key: str) -> str:
    start = page.index(f'data-testid="{key}"')
    end = page.find("</section>", start)
    return page[start:end]


def test_sections_by_the_office_day(app, setting, third, client_of):
    add(app, setting, today() - timedelta(days=1))
    add(app, setting, today())
    add(app, setting, week_end(today()) + timedelta(days=1))
    page = client_of(third).get(url(setting)).get_data(as_text=True)
    for key in ("ueberfaellig", "diese-woche", "demnaechst"):
        assert section(page, key).count('data-testid="team-resubmission"') == 1, key
        assert setting.pseudonym in section(page, key)


def test_the_topic_only_for_the_responsible_person_and_the_owner(app, setting, third, client_of):
    add(app, setting, today() + timedelta(days=3))
    other = client_of(third).get(url(setting)).get_data(as_text=True)
    assert setting.pseudonym in other and TOPIC not in other
    responsible = client_of(setting.colleague).get(url(setting)).get_data(as_text=True)
    assert TOPIC in responsible
    owner = client_of(setting.owner).get(url(setting)).get_data(as_text=True)
    assert TOPIC in owner


def test_a_shown_topic_is_a_recorded_read(app, setting, client_of):
    add(app, setting, today() + timedelta(days=3))
    with app.app_context():
        before = db.session.scalar(select(db.func.count()).select_from(AuditEvent))
    client_of(setting.colleague).get(url(setting))
    with app.app_context():
        events = db.session.scalars(
            select(AuditEvent).order_by(AuditEvent.seq).offset(before)
        ).all()
        reads = [e for e in events if e.action == "read" and e.purpose == "Wiedervorlage"]
    assert len(reads) == 1 and reads[0].case_pseudonym == setting.pseudonym


@pytest.mark.parametrize("who", ["guest", "outsider", "other_fachkraft", "admin", "dpo"])
def test_nobody_outside_the_team_sees_it(app, setting, create_account, create_team, client_of, who):
    add(app, setting, today())
    roles = {
        "guest": ["guest"],
        "outsider": ["member"],
        "other_fachkraft": ["fachkraft", "member"],
        "admin": ["admin"],
        "dpo": ["dpo"],
    }[who]
    account = create_account(roles)
    if who == "outsider":
        create_team([(account, "permanent")])
    response = client_of(account).get(url(setting))
    assert response.status_code == 403
    assert setting.pseudonym not in response.get_data(as_text=True)


def test_a_guest_account_on_the_team_sees_nothing(app, setting, create_account, client_of):
    """Even a stray membership does not open it to a guest-role account."""
    guest = create_account(["guest"])
    with app.app_context():
        db.session.add(
            TeamMember(team_id=setting.team_id, user_id=guest.id, kind=MemberKind.TEMPORARY)
        )
        db.session.commit()
    assert client_of(guest).get(url(setting)).status_code == 403


def test_a_member_who_left_sees_nothing(app, setting, third, client_of):
    add(app, setting, today())
    leaves_team(app, setting.team_id, third)
    assert client_of(third).get(url(setting)).status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(app, setting):
    response = app.test_client().get(url(setting))
    assert response.status_code == 302 and "/anmelden" in response.headers["Location"]


def test_the_personal_dashboard_links_to_the_teams(app, setting, client_of):
    page = client_of(setting.colleague).get("/wiedervorlagen").get_data(as_text=True)
    assert url(setting) in page


def test_a_long_list_is_paginated(app, setting, create_case, third, client_of):
    for n in range(TEAM_PAGE_SIZE + 3):
        add(app, setting, today() + timedelta(days=n % 20))
    client = client_of(third)
    first = client.get(url(setting)).get_data(as_text=True)
    assert first.count('data-testid="team-resubmission"') == TEAM_PAGE_SIZE
    assert 'data-testid="pager"' in first and 'rel="next"' in first
    second = client.get(url(setting, 2)).get_data(as_text=True)
    assert second.count('data-testid="team-resubmission"') == 3
    assert client.get(url(setting, 99)).status_code == 200  # clamped to the last page


@pytest.mark.settings(AUDIT_CHECKPOINT_EVERY=10**9)
def test_statements_do_not_grow_with_the_wiedervorlagen(
    app, setting, create_case, third, client_of, count_statements
):
    responsible, owner, other = (
        client_of(setting.colleague),
        client_of(setting.owner),
        client_of(third),
    )
    counts = {}
    for size in (3, 30):
        with app.app_context():
            have = db.session.query(Resubmission).count()
        for n in range(size - have):
            case = create_case(setting.owner)
            add(app, setting, today() + timedelta(days=n % 10 - 2), case_id=case.id)
        counts[size] = [
            statements_of(count_statements, client, url(setting))
            for client in (responsible, owner, other)
        ]
    for name, small, large in zip(
        ("responsible", "owner", "other member"), counts[3], counts[30], strict=True
    ):
        assert_constant(small, large, f"team dashboard ({name})")
