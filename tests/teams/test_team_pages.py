"""Administrators set up a Fallteam; members see its sessions and the published plan."""

from __future__ import annotations

from sqlalchemy import select

from fallteam.extensions import db
from fallteam.teams.models import Team
from tests.conftest import csrf_token


def _create(admin, **overrides):
    data = {
        "name": "Fallteam Kleinmachnow",
        "region": "Kleinmachnow",
        "rhythm": "weekly",
        "weekday": "2",
        "start_time": "09:00",
        "duration_minutes": "180",
        "place": "Rathaus",
        "registration_deadline_days": "1",
        "rhythm_anchor": "2026-01-07",
        "csrf_token": csrf_token(admin),
    }
    data.update(overrides)
    return admin.post("/fallteams/neu", data=data)


def test_bad_team_input_gets_german_messages(app, signed_in):
    admin, _ = signed_in(["admin"])
    page = _create(admin, name="", duration_minutes="5", rhythm_anchor="")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Bitte ausfüllen." in text and "30 bis 600 Minuten." in text
    with app.app_context():
        assert db.session.scalars(select(Team)).all() == []


def test_a_team_is_set_up_planned_and_published(app, signed_in):
    admin, _ = signed_in(["admin"])
    members = [signed_in(["member"]) for _ in range(3)]
    response = _create(admin)
    assert response.status_code == 302
    team_url = response.headers["Location"]
    for _client, account in members:
        admin.post(
            f"{team_url}/mitglieder",
            data={
                "m-user": str(account.id),
                "m-kind": "permanent",
                "csrf_token": csrf_token(admin),
            },
        )
    admin.post(f"{team_url}/sitzungen", data={"csrf_token": csrf_token(admin)})
    admin.post(f"{team_url}/moderationsplan", data={"csrf_token": csrf_token(admin)})
    member_client, _ = members[0]
    draft = member_client.get(team_url).get_data(as_text=True)
    assert "Nächste Sitzungen" in draft and "(Entwurf)" not in draft
    names = [f"Test {a.username}" for _, a in members]
    draft_table = draft.split('data-testid="meetings"')[1].split("</table>")[0]
    assert not any(name in draft_table for name in names)  # drafts stay with the planner
    admin.post(
        f"{team_url}/moderationsplan/veroeffentlichen", data={"csrf_token": csrf_token(admin)}
    )
    published = member_client.get(team_url).get_data(as_text=True)
    table = published.split('data-testid="meetings"')[1].split("</table>")[0]
    assert all(name in table for name in names)


def test_a_member_of_another_team_sees_nothing_of_it(app, signed_in, create_account, create_team):
    team_id, _ = create_team([(create_account(["member"]), "permanent")])
    outsider, _ = signed_in(["member"])
    assert outsider.get(f"/fallteams/{team_id}").status_code == 403
    assert str(team_id) not in outsider.get("/fallteams").get_data(as_text=True)


def test_members_see_their_next_sessions_and_when_they_moderate(app, signed_in, create_team):
    from datetime import timedelta

    from fallteam.core.models import utcnow
    from fallteam.meetings.operations import schedule as meetings
    from fallteam.teams.models import Team

    client, account = signed_in(["member"])
    team_id, _ = create_team([(account, "permanent")])
    with app.app_context():
        team = db.session.get(Team, team_id)
        today = utcnow().date()
        meetings.generate_meetings(team, start=today, until=today + timedelta(days=120))
        meetings.plan_moderation(team, now=utcnow())
        meetings.publish_moderation(team, now=utcnow())
        db.session.commit()
    page = client.get("/").get_data(as_text=True)
    listed = page.split('data-testid="next-meetings"')[1].split("</ul>")[0]
    assert listed.count("<li>") >= 4
    assert "(Sie moderieren)" in listed
    outsider, _ = signed_in(["member"])
    assert 'data-testid="next-meetings"' not in outsider.get("/").get_data(as_text=True)
