"""The method is settled at the start of the presentation ("Klärung durch die
fallvorstellende Fachkraft zu Beginn der Falldarstellung"): the presenter or the moderator
may change it on the session day until the item's clock has counted time; audited."""

from __future__ import annotations

import json

import pytest

from fallteam.audit.models import AuditAction
from fallteam.extensions import db
from fallteam.meetings.models import AgendaItem
from tests.meetings.test_agenda_page import audit_events, build_meeting, client_of
from tests.meetings.test_run_view import item, on_its_day, post, run_url

PURPOSE = "Methode zu Beginn der Falldarstellung geklärt"


@pytest.fixture
def meeting_sample(app, create_account, create_case, create_team, create_meeting):
    sample = build_meeting(app, create_account, create_case, create_team, create_meeting)
    on_its_day(app, sample.meeting_id)
    return sample


def settle(app, s, account, method, item_index=0):
    return post(
        client_of(app, account),
        run_url(s, f"/tagesordnung/{s.item_ids[item_index]}/methode"),
        method=method,
    )


def test_the_moderator_settles_the_method_in_the_run_view(app, meeting_sample):
    s = meeting_sample
    html = client_of(app, s.moderator).get(run_url(s, "/ablauf")).get_data(as_text=True)
    assert "Methode festlegen" in html and "Kollegiale Beratung" in html
    assert settle(app, s, s.moderator, "familienaufstellung").status_code == 302
    assert item(app, s.item_ids[0]).method == "familienaufstellung"
    [event] = audit_events(app, s.moderator.id, AuditAction.UPDATE, purpose=PURPOSE)
    assert json.loads(event.details) == {"from": "kollegiale_beratung", "to": "familienaufstellung"}
    html = client_of(app, s.moderator).get(run_url(s, "/ablauf")).get_data(as_text=True)
    assert "Familienaufstellung" in html.split('data-testid="run-items"')[1]


def test_the_presenter_settles_the_method_from_the_item_page(app, meeting_sample):
    s = meeting_sample
    page = client_of(app, s.presenters[0]).get(f"/tagesordnung/{s.item_ids[0]}")
    assert "Methode festlegen" in page.get_data(as_text=True)
    assert settle(app, s, s.presenters[0], "rollenspiel").status_code == 302
    assert item(app, s.item_ids[0]).method == "rollenspiel"
    assert audit_events(app, s.presenters[0].id, AuditAction.UPDATE, purpose=PURPOSE)


def test_nobody_else_settles_the_method(app, meeting_sample):
    s = meeting_sample
    assert settle(app, s, s.colleague, "rollenspiel").status_code == 403
    assert settle(app, s, s.presenters[1], "rollenspiel").status_code == 403
    assert item(app, s.item_ids[0]).method == "kollegiale_beratung"


def test_once_the_clock_has_counted_time_the_method_stays(app, meeting_sample):
    s = meeting_sample
    with app.app_context():
        db.session.get(AgendaItem, s.item_ids[0]).elapsed_seconds = 90
        db.session.commit()
    settle(app, s, s.moderator, "rollenspiel")
    assert item(app, s.item_ids[0]).method == "kollegiale_beratung"
    html = client_of(app, s.moderator).get(run_url(s, "/ablauf")).get_data(as_text=True)
    section = html.split(f'id="top-{s.item_ids[0]}"')[1].split("</li>")[0]
    assert "Methode festlegen" not in section


def test_a_method_that_does_not_exist_is_refused(app, meeting_sample):
    s = meeting_sample
    settle(app, s, s.moderator, "tarot")
    assert item(app, s.item_ids[0]).method == "kollegiale_beratung"
