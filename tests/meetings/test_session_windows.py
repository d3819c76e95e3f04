"""Who sees a registered case, and until when, follows the team and the registration at once:
a member who leaves the team loses the case and its item immediately, one who joins gets
the window of the items already registered, the case page shows what the item's switches
release, a withdrawn registration ends the outside guests' accounts, and the guest account
page names the session day as its end."""

from __future__ import annotations

import re
from datetime import timedelta

from flask_babel import format_date
from sqlalchemy import select

from fallteam.auth.models import User
from fallteam.core.models import utcnow
from fallteam.extensions import db
from fallteam.meetings.models import AgendaGuest, AgendaItem, Meeting
from fallteam.meetings.rules import meeting_day
from fallteam.teams import operations as teams
from fallteam.teams.models import Team, TeamMember
from tests.conftest import GESUNDHEITSAMT, csrf_token
from tests.meetings.test_agenda_page import build_meeting, client_of


def _sample(app, create_account, create_case, create_team, create_meeting, **kwargs):
    return build_meeting(app, create_account, create_case, create_team, create_meeting, **kwargs)


def test_a_member_removed_from_the_team_loses_the_case_and_the_item_at_once(
    app, create_account, create_case, create_team, create_meeting
):
    s = _sample(app, create_account, create_case, create_team, create_meeting)
    colleague = client_of(app, s.colleague)
    case_id = _case_of(app, s.item_ids[0])
    assert colleague.get(f"/faelle/{case_id}").status_code in (200, 302)
    assert colleague.get(f"/tagesordnung/{s.item_ids[0]}").status_code == 200
    admin = client_of(app, create_account(["admin"]))
    with app.app_context():
        member = db.session.scalar(
            select(TeamMember).where(
                TeamMember.team_id == s.team_id, TeamMember.user_id == s.colleague.id
            )
        )
        member_id = member.id
    removed = admin.post(
        f"/fallteams/{s.team_id}/mitglieder/{member_id}/entfernen",
        data={"csrf_token": csrf_token(admin)},
    )
    assert removed.status_code == 302
    assert colleague.get(f"/faelle/{case_id}").status_code == 403
    assert colleague.get(f"/tagesordnung/{s.item_ids[0]}").status_code == 403


def test_a_member_who_joins_after_the_registration_sees_the_item(
    app, create_account, create_case, create_team, create_meeting
):
    s = _sample(app, create_account, create_case, create_team, create_meeting)
    newcomer = create_account(["member"])
    with app.app_context():
        teams.add_member(
            db.session.get(Team, s.team_id), db.session.get(User, newcomer.id), kind="permanent"
        )
        db.session.commit()
    client = client_of(app, newcomer)
    assert client.get(f"/tagesordnung/{s.item_ids[0]}").status_code == 200
    page = client.get(f"/sitzungen/{s.meeting_id}").get_data(as_text=True)
    assert s.pseudonyms[0] in page


def test_the_case_page_respects_the_items_genogram_switch_for_members(
    app, create_account, create_case, create_team, create_meeting
):
    s = _sample(app, create_account, create_case, create_team, create_meeting)
    with app.app_context():
        item = db.session.get(AgendaItem, s.item_ids[0])
        item.include_genogram = False
        item.include_resource_map = False
        case_id = item.case_id
        db.session.commit()
    colleague = client_of(app, s.colleague)
    response = colleague.get(f"/faelle/{case_id}", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'data-testid="genogram"' not in page
    assert "Ressourcenkarte" not in page


def test_withdrawing_the_registration_ends_the_outside_guests_account(
    app, signed_in, create_account, create_case, create_team, create_meeting, institution_id
):
    client, owner = signed_in(["fachkraft"])
    team_id, _ = create_team([(create_account(["member"]), "permanent")])
    session = create_meeting(team_id, create_case(owner))
    response = client.post(
        f"/tagesordnung/{session.item_id}/gaeste/extern",
        data={
            "o-name": "Frau Dr. Weidenbach",
            "o-institution": str(institution_id(GESUNDHEITSAMT)),
            "o-email": "weidenbach@example.org",
            "csrf_token": csrf_token(client),
        },
    )
    assert response.status_code == 200
    with app.app_context():
        guest_user_id = db.session.scalars(
            select(AgendaGuest.user_id).where(AgendaGuest.item_id == session.item_id)
        ).one()
    withdrawn = client.post(
        f"/tagesordnung/{session.item_id}/zurueckziehen", data={"csrf_token": csrf_token(client)}
    )
    assert withdrawn.status_code == 302
    with app.app_context():
        assert db.session.get(User, guest_user_id).expired()


def test_the_guest_account_page_names_the_session_day_as_its_end(
    app, signed_in, create_account, create_case, create_team, create_meeting, institution_id
):
    client, owner = signed_in(["fachkraft"])
    team_id, _ = create_team([(create_account(["member"]), "permanent")])
    # late in the evening (Berlin): the UTC end of the session day is the next calendar day
    starts = (utcnow() + timedelta(days=7)).replace(hour=19, minute=0, second=0, microsecond=0)
    session = create_meeting(team_id, create_case(owner), starts=starts)
    page = client.post(
        f"/tagesordnung/{session.item_id}/gaeste/extern",
        data={
            "o-name": "Frau Dr. Weidenbach",
            "o-institution": str(institution_id(GESUNDHEITSAMT)),
            "o-email": "weidenbach@example.org",
            "csrf_token": csrf_token(client),
        },
    ).get_data(as_text=True)
    with app.test_request_context():
        meeting = db.session.get(Meeting, session.meeting_id)
        day = format_date(meeting_day(meeting), "dd.MM.yyyy")
        next_day = format_date(meeting_day(meeting) + timedelta(days=1), "dd.MM.yyyy")
    assert re.search(r"Sitzungstag\w* \(" + re.escape(day) + r"\)", page)
    assert next_day not in page


def _case_of(app, item_id):
    with app.app_context():
        return db.session.get(AgendaItem, item_id).case_id
