"""The moderator agrees the order of the agenda: the new order names exactly this session's
items, is saved with an audit event, answers a script with JSON and a form with a redirect;
nobody but this session's moderator can change it."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from fallteam.extensions import db
from fallteam.meetings.models import AgendaItem, Meeting
from tests.conftest import csrf_token
from tests.meetings.test_agenda_page import (
    agenda_pseudonyms,
    audit_events,
    build_meeting,
    client_of,
)

JSON = {"Accept": "application/json"}


@pytest.fixture
def meeting_sample(app, create_account, create_case, create_team, create_meeting):
    return build_meeting(app, create_account, create_case, create_team, create_meeting)


def positions(app, meeting_id):
    """Item ids in their stored order."""
    with app.app_context():
        return db.session.scalars(
            select(AgendaItem.id)
            .where(AgendaItem.meeting_id == meeting_id)
            .order_by(AgendaItem.position)
        ).all()


def post_order(client, meeting_id, ids, **kwargs):
    data = {"order": [str(i) for i in ids], "csrf_token": csrf_token(client)}
    return client.post(f"/sitzungen/{meeting_id}/reihenfolge", data=data, **kwargs)


def test_the_moderator_reorders_by_form_and_is_sent_back_to_the_agenda(app, meeting_sample):
    s = meeting_sample
    client = client_of(app, s.moderator)
    new = [s.item_ids[2], s.item_ids[0], s.item_ids[1]]
    response = post_order(client, s.meeting_id, new)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/sitzungen/{s.meeting_id}#tagesordnung")
    assert positions(app, s.meeting_id) == new
    page = client.get(f"/sitzungen/{s.meeting_id}").get_data(as_text=True)
    assert "Reihenfolge gespeichert." in page
    assert agenda_pseudonyms(page) == [s.pseudonyms[2], s.pseudonyms[0], s.pseudonyms[1]]
    (event,) = audit_events(
        app, s.moderator.id, "update", purpose="Reihenfolge der Tagesordnung festgelegt"
    )
    assert event.object_id == str(s.meeting_id)


def test_the_script_gets_json_with_the_saved_order(app, meeting_sample):
    s = meeting_sample
    new = list(reversed(s.item_ids))
    response = post_order(client_of(app, s.moderator), s.meeting_id, new, headers=JSON)
    assert response.status_code == 200
    assert response.json == {
        "ok": True,
        "message": "Reihenfolge gespeichert.",
        "order": [str(i) for i in new],
    }
    assert positions(app, s.meeting_id) == new


def test_the_move_buttons_carry_the_order_they_lead_to(app, meeting_sample):
    s = meeting_sample
    page = client_of(app, s.moderator).get(f"/sitzungen/{s.meeting_id}").get_data(True)
    forms = re.findall(r'<form[^>]*data-move="(up|down)"([^>]*)>(.*?)</form>', page, re.S)
    carried = {}
    for direction, attributes, body in forms:
        ids = re.findall(r'name="order" value="([^"]+)"', body)
        carried.setdefault(direction, []).append((ids, "hidden" in attributes))
    a, b, c = (str(i) for i in s.item_ids)
    assert carried["up"] == [([], True), ([b, a, c], False), ([a, c, b], False)]
    assert carried["down"] == [([b, a, c], False), ([a, c, b], False), ([], True)]


def test_an_item_of_another_session_is_rejected_and_nothing_changes(
    app, meeting_sample, create_account, create_case, create_team, create_meeting
):
    s = meeting_sample
    other = build_meeting(app, create_account, create_case, create_team, create_meeting)
    client = client_of(app, s.moderator)
    forged = [s.item_ids[0], s.item_ids[1], other.item_ids[0]]

    response = post_order(client, s.meeting_id, forged, headers=JSON)
    assert response.status_code == 400
    assert "genau einmal" in response.json["error"]["message"]

    response = post_order(client, s.meeting_id, forged)
    assert response.status_code == 302
    assert "genau einmal" in client.get(f"/sitzungen/{s.meeting_id}").get_data(as_text=True)

    assert positions(app, s.meeting_id) == s.item_ids
    assert positions(app, other.meeting_id) == other.item_ids


@pytest.mark.parametrize(
    "order",
    [
        pytest.param(lambda ids: ids[:2], id="one-missing"),
        pytest.param(lambda ids: [ids[0], ids[0], ids[1], ids[2]], id="duplicate"),
        pytest.param(lambda ids: [*ids[:2], "kein-uuid"], id="not-an-id"),
        pytest.param(lambda ids: [], id="empty"),
    ],
)
def test_an_incomplete_or_garbled_order_is_rejected(app, meeting_sample, order):
    s = meeting_sample
    response = post_order(
        client_of(app, s.moderator), s.meeting_id, order(s.item_ids), headers=JSON
    )
    assert response.status_code == 400
    assert response.json["error"]["message"]
    assert positions(app, s.meeting_id) == s.item_ids


def test_a_cancelled_session_keeps_its_order(app, meeting_sample):
    s = meeting_sample
    with app.app_context():
        db.session.get(Meeting, s.meeting_id).status = "cancelled"
        db.session.commit()
    response = post_order(
        client_of(app, s.moderator), s.meeting_id, list(reversed(s.item_ids)), headers=JSON
    )
    assert response.status_code == 400
    assert "abgesagt" in response.json["error"]["message"]
    assert positions(app, s.meeting_id) == s.item_ids


@pytest.mark.parametrize("who", ["colleague", "presenter", "guest"])
def test_only_the_moderator_of_this_session_reorders(app, meeting_sample, who):
    s = meeting_sample
    account = {"colleague": s.colleague, "presenter": s.presenters[0], "guest": s.guest}[who]
    response = post_order(client_of(app, account), s.meeting_id, list(reversed(s.item_ids)))
    assert response.status_code == 403
    assert positions(app, s.meeting_id) == s.item_ids
    assert len(audit_events(app, account.id, "refuse")) == 1


def test_the_moderator_of_another_team_cannot_reorder_this_session(
    app, meeting_sample, create_account, create_case, create_team, create_meeting
):
    s = meeting_sample
    other = build_meeting(app, create_account, create_case, create_team, create_meeting)
    client = client_of(app, other.moderator)
    response = post_order(client, s.meeting_id, list(reversed(s.item_ids)))
    assert response.status_code == 403
    assert positions(app, s.meeting_id) == s.item_ids
