"""A topic without a case after its registration: who registered it, and the session's
moderator, change it (title, text, kind, "für das Regionalteam") or withdraw it until the
session begins; every change is audited; nobody else does either; bad input gets a German
message and nothing typed or stored is lost."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from fallteam.audit.models import AuditAction, AuditEvent
from fallteam.extensions import db
from fallteam.meetings.models import Meeting, MeetingStatus
from tests.meetings.test_agenda_page import audit_events, build_meeting, client_of
from tests.meetings.test_agenda_topics import TEXT, TITLE, add_topic, topics
from tests.meetings.test_run_view import on_its_day, post, run_url

NEW_TITLE = "Fachfrage: Schutzkonzepte in Kitas"
NEW_TEXT = "Welche Schutzkonzepte gibt es im Sozialraum? Bitte Erfahrungen mitbringen."


@pytest.fixture
def meeting_sample(app, create_account, create_case, create_team, create_meeting):
    return build_meeting(app, create_account, create_case, create_team, create_meeting)


@pytest.fixture
def topic_sample(app, meeting_sample):
    """The sample session with one topic, registered by the colleague (for the Regionalteam)."""
    s = meeting_sample
    assert add_topic(app, s, s.colleague).status_code == 302
    [topic] = topics(app, s)
    return s, topic.id


def topic_url(s, topic_id, tail=""):
    return run_url(s, f"/themen/{topic_id}{tail}")


def edit(app, s, account, topic_id, **data):
    fields = {"title": NEW_TITLE, "text": NEW_TEXT, "kind": "fachfrage", **data}
    return post(client_of(app, account), topic_url(s, topic_id), **fields)


def withdraw(app, s, account, topic_id):
    return post(client_of(app, account), topic_url(s, topic_id, "/zurueckziehen"))


def stored(app, s) -> list[tuple]:
    return [(t.title, t.text, t.kind, t.for_regional_team) for t in topics(app, s)]


ORIGINAL = [(TITLE, TEXT, "thema", True)]


def test_a_topic_is_registered_with_its_kind(app, meeting_sample):
    s = meeting_sample
    add_topic(app, s, s.colleague, kind="information")
    assert [t.kind for t in topics(app, s)] == ["information"]
    html = client_of(app, s.colleague).get(f"/sitzungen/{s.meeting_id}").get_data(as_text=True)
    assert "Information" in html.split('data-testid="topics"')[1]


def test_who_registered_a_topic_edits_it(app, topic_sample):
    s, topic_id = topic_sample
    page = client_of(app, s.colleague).get(topic_url(s, topic_id))
    assert page.status_code == 200
    assert TITLE in page.get_data(as_text=True)
    response = edit(app, s, s.colleague, topic_id)  # "für das Regionalteam" unticked
    assert response.status_code == 302 and response.headers["Location"].endswith("#themen")
    assert stored(app, s) == [(NEW_TITLE, NEW_TEXT, "fachfrage", False)]
    [event] = audit_events(
        app, s.colleague.id, AuditAction.UPDATE, purpose="Fallunspezifisches Thema bearbeitet"
    )
    details = json.loads(event.details)
    # the audit names the fields, never their content
    assert details["changed"] == ["for_regional_team", "kind", "text", "title"]
    assert NEW_TITLE not in event.details and NEW_TEXT not in event.details
    html = client_of(app, s.colleague).get(f"/sitzungen/{s.meeting_id}").get_data(as_text=True)
    listed = html.split('data-testid="topics"')[1].split("</ul>")[0]
    assert NEW_TITLE in listed and "Fachfrage" in listed and "für das Regionalteam" not in listed


def test_saving_without_a_change_writes_no_audit_event(app, topic_sample):
    s, topic_id = topic_sample
    edit(app, s, s.colleague, topic_id, title=TITLE, text=TEXT, kind="thema", for_regional_team="y")
    assert stored(app, s) == ORIGINAL
    assert not audit_events(
        app, s.colleague.id, AuditAction.UPDATE, purpose="Fallunspezifisches Thema bearbeitet"
    )


def test_who_registered_a_topic_withdraws_it(app, topic_sample):
    s, topic_id = topic_sample
    assert withdraw(app, s, s.colleague, topic_id).status_code == 302
    assert topics(app, s) == []
    with app.app_context():
        [event] = db.session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == AuditAction.DELETE, AuditEvent.object_id == str(topic_id)
            )
        ).all()
        assert event.actor_id == s.colleague.id
        assert event.purpose == "Fallunspezifisches Thema zurückgezogen"


def test_the_moderator_edits_and_withdraws_a_members_topic(app, topic_sample):
    s, topic_id = topic_sample
    assert edit(app, s, s.moderator, topic_id).status_code == 302
    assert stored(app, s) == [(NEW_TITLE, NEW_TEXT, "fachfrage", False)]
    assert withdraw(app, s, s.moderator, topic_id).status_code == 302
    assert topics(app, s) == []


def test_the_agenda_offers_editing_only_to_who_may(app, topic_sample):
    s, topic_id = topic_sample
    edit_url = topic_url(s, topic_id)
    for account, offered in [(s.colleague, True), (s.moderator, True), (s.presenters[0], False)]:
        html = client_of(app, account).get(f"/sitzungen/{s.meeting_id}").get_data(as_text=True)
        listed = html.split('data-testid="topics"')[1]
        assert (edit_url in listed) is offered
        assert ('data-testid="topic-actions"' in listed) is offered


@pytest.mark.parametrize("who", ["member", "presenter_outside_team", "guest", "other_moderator"])
def test_nobody_else_edits_or_withdraws_a_topic(
    app, topic_sample, create_account, create_case, create_team, create_meeting, who
):
    s, topic_id = topic_sample
    if who == "other_moderator":
        other = build_meeting(app, create_account, create_case, create_team, create_meeting)
        account = other.moderator
    else:
        account = {
            "member": s.presenters[0],
            "presenter_outside_team": s.presenters[2],
            "guest": s.guest,
        }[who]
    client = client_of(app, account)
    assert client.get(topic_url(s, topic_id)).status_code == 403
    assert edit(app, s, account, topic_id).status_code == 403
    assert withdraw(app, s, account, topic_id).status_code == 403
    assert stored(app, s) == ORIGINAL


def test_a_topic_of_another_session_is_not_found_through_this_one(
    app, topic_sample, create_account, create_case, create_team, create_meeting
):
    s, topic_id = topic_sample
    other = build_meeting(app, create_account, create_case, create_team, create_meeting)
    client = client_of(app, s.colleague)
    assert client.get(topic_url(other, topic_id)).status_code == 404
    assert withdraw(app, other, s.colleague, topic_id).status_code == 404
    assert stored(app, s) == ORIGINAL


def test_once_the_session_has_begun_the_topic_stays_as_it_is(app, topic_sample):
    s, topic_id = topic_sample
    on_its_day(app, s.meeting_id)  # it began at 00:01 today
    for account in (s.colleague, s.moderator):
        client = client_of(app, account)
        response = edit(app, s, account, topic_id)
        assert response.status_code == 200
        assert "Die Sitzung hat begonnen" in response.get_data(as_text=True)
        response = post(client, topic_url(s, topic_id, "/zurueckziehen"))
        assert response.status_code == 302
        assert "Die Sitzung hat begonnen" in client.get(response.headers["Location"]).get_data(
            as_text=True
        )
        html = client.get(f"/sitzungen/{s.meeting_id}").get_data(as_text=True)
        assert 'data-testid="topic-actions"' not in html
    assert stored(app, s) == ORIGINAL


def test_a_topic_of_a_cancelled_session_stays_as_it_is(app, topic_sample):
    s, topic_id = topic_sample
    with app.app_context():
        db.session.get(Meeting, s.meeting_id).status = MeetingStatus.CANCELLED
        db.session.commit()
    response = edit(app, s, s.colleague, topic_id)
    assert "Die Sitzung ist abgesagt." in response.get_data(as_text=True)
    withdraw(app, s, s.colleague, topic_id)
    assert stored(app, s) == ORIGINAL


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"title": "  "}, "Bitte ausfüllen."),
        ({"title": "x" * 201}, "200 Zeichen"),
        ({"text": "x" * 601}, "600 Zeichen"),
        ({"kind": "geheim"}, "gültige Auswahl"),
        ({"title": "Thema\u200bmit unsichtbarem Zeichen"}, "unsichtbare Zeichen"),
    ],
)
def test_bad_input_gets_a_german_message_and_nothing_is_lost(app, topic_sample, data, message):
    s, topic_id = topic_sample
    response = edit(app, s, s.colleague, topic_id, **data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in html
    # what was typed is still in the form, and the stored topic is unchanged
    typed = {"title": NEW_TITLE, "text": NEW_TEXT, **data}
    if typed["title"].strip():
        assert f'value="{typed["title"]}"' in html
    assert typed["text"] in html
    assert stored(app, s) == ORIGINAL


def test_who_registered_it_still_edits_it_after_the_deadline_until_the_start(app, topic_sample):
    s, topic_id = topic_sample
    with app.app_context():
        meeting = db.session.get(Meeting, s.meeting_id)
        meeting.starts_dt -= timedelta(days=6, hours=12)
        meeting.ends_dt -= timedelta(days=6, hours=12)
        db.session.commit()
    assert edit(app, s, s.colleague, topic_id).status_code == 302
    assert stored(app, s)[0][0] == NEW_TITLE
