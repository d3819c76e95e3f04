"""After the deadline only the session's moderator adds an item, with a reason; the team
sees it once the case manager has completed it."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from fallteam.core.models import utcnow
from fallteam.extensions import db
from fallteam.meetings.models import AgendaItem
from tests.agenda.helpers import add_meeting
from tests.conftest import QUESTION, csrf_token, sign_in


def _late(client, meeting_id, **overrides):
    data = {
        "pseudonym": "",
        "method": "kollegiale_beratung",
        "expected_minutes": "20",
        "reason": "Krisenintervention am Wochenende",
        "csrf_token": csrf_token(client),
    }
    data.update(overrides)
    return client.post(f"/sitzungen/{meeting_id}/nachmelden", data=data)


def test_the_moderator_adds_a_late_item_and_the_team_sees_it_after_the_case_manager_completes_it(
    app, signed_in, create_account, create_case, create_team
):
    moderator_client, moderator = signed_in(["member"])
    colleague = create_account(["member"])
    owner = create_account(["fachkraft"])
    case = create_case(owner)
    team_id, _ = create_team([(moderator, "permanent"), (colleague, "permanent")])
    meeting_id = add_meeting(
        app,
        team_id,
        (utcnow() + timedelta(hours=6)).replace(microsecond=0),
        moderator_id=moderator.id,
    )
    response = _late(moderator_client, meeting_id, pseudonym=case.pseudonym.lower())
    assert response.status_code == 302
    with app.app_context():
        item = db.session.scalars(select(AgendaItem).where(AgendaItem.case_id == case.id)).one()
        assert item.late_reason == "Krisenintervention am Wochenende"
        assert item.registered_by_id == moderator.id and item.presenter_id == owner.id
        item_id = item.id

    colleague_client = app.test_client()
    sign_in(colleague_client, app, colleague)
    assert colleague_client.get(f"/tagesordnung/{item_id}").status_code == 403
    # neither does adding a case open it to the moderator
    assert moderator_client.get(f"/faelle/{case.id}").status_code == 403

    owner_client = app.test_client()
    sign_in(owner_client, app, owner)
    response = owner_client.post(
        f"/tagesordnung/{item_id}/bearbeiten",
        data={
            "method": "kollegiale_beratung",
            "expected_minutes": "20",
            "question": QUESTION,
            "presentation": "Kurzfristige Krise in der Familie.",
            "csrf_token": csrf_token(owner_client),
        },
    )
    assert response.status_code == 302
    assert colleague_client.get(f"/tagesordnung/{item_id}").status_code == 200


def test_only_the_moderator_of_this_session_adds_late_items(
    app, signed_in, create_account, create_case, create_team
):
    member_client, member = signed_in(["member"])
    moderator = create_account(["member"])
    case = create_case(create_account(["fachkraft"]))
    team_id, _ = create_team([(moderator, "permanent"), (member, "permanent")])
    meeting_id = add_meeting(app, team_id, moderator_id=moderator.id)
    assert member_client.get(f"/sitzungen/{meeting_id}/nachmelden").status_code == 403
    assert _late(member_client, meeting_id, pseudonym=case.pseudonym).status_code == 403
    with app.app_context():
        assert db.session.scalars(select(AgendaItem)).all() == []


def test_a_late_item_names_an_unknown_pseudonym_and_a_missing_reason(app, signed_in, create_team):
    client, moderator = signed_in(["member"])
    team_id, _ = create_team([(moderator, "permanent")])
    soon = (utcnow() + timedelta(hours=6)).replace(microsecond=0)
    meeting_id = add_meeting(app, team_id, soon, moderator_id=moderator.id)
    page = _late(client, meeting_id, pseudonym="FT-1999-9999").get_data(as_text=True)
    assert "Einen Fall mit diesem Pseudonym gibt es nicht." in page
    page = _late(client, meeting_id, pseudonym="FT-1999-9999", reason="").get_data(as_text=True)
    assert "Bitte ausfüllen." in page


def test_before_the_deadline_the_moderator_cannot_add_someone_elses_case(
    app, signed_in, create_account, create_case, create_team
):
    client, moderator = signed_in(["member"])
    case = create_case(create_account(["fachkraft"]))
    team_id, _ = create_team([(moderator, "permanent")])
    meeting_id = add_meeting(app, team_id, moderator_id=moderator.id)
    page = _late(client, meeting_id, pseudonym=case.pseudonym).get_data(as_text=True)
    assert "nachmelden kann die Moderation erst danach" in page
    with app.app_context():
        assert db.session.scalars(select(AgendaItem)).all() == []
