"""Items without a case (fallunspezifische Themen, Fachfragen, Informationen): a team member
registers one before the deadline, the moderator also after it; a topic can be marked "für
das Regionalteam"; the agenda and the run view show it; nobody outside the team adds one."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from fallteam.audit.models import AuditAction
from fallteam.extensions import db
from fallteam.meetings.models import AgendaTopic, Meeting
from tests.meetings.test_agenda_page import audit_events, build_meeting, client_of
from tests.meetings.test_run_view import on_its_day, post, run_url

TITLE = "Neue Kooperationsvereinbarung mit den Kitas"
TEXT = "Information zum Stand der Vereinbarung; Rückmeldungen aus dem Team sammeln."


@pytest.fixture
def meeting_sample(app, create_account, create_case, create_team, create_meeting):
    return build_meeting(app, create_account, create_case, create_team, create_meeting)


def add_topic(app, s, account, **data):
    fields = {"title": TITLE, "text": TEXT, "for_regional_team": "y", **data}
    return post(client_of(app, account), run_url(s, "/themen"), **fields)


def topics(app, s) -> list[AgendaTopic]:
    with app.app_context():
        return db.session.scalars(
            select(AgendaTopic).where(AgendaTopic.meeting_id == s.meeting_id)
        ).all()


def test_a_member_registers_a_topic_for_the_regional_team(app, meeting_sample):
    s = meeting_sample
    assert add_topic(app, s, s.colleague).status_code == 302
    [topic] = topics(app, s)
    assert (topic.title, topic.text, topic.for_regional_team) == (TITLE, TEXT, True)
    assert topic.registered_by_id == s.colleague.id
    assert audit_events(
        app, s.colleague.id, AuditAction.CREATE, purpose="Fallunspezifisches Thema angemeldet"
    )
    html = client_of(app, s.colleague).get(f"/sitzungen/{s.meeting_id}").get_data(as_text=True)
    listed = html.split('data-testid="topics"')[1]
    assert TITLE in listed and TEXT in listed and "für das Regionalteam" in listed


def test_the_run_view_shows_the_topics(app, meeting_sample):
    s = meeting_sample
    add_topic(app, s, s.colleague, for_regional_team="")
    on_its_day(app, s.meeting_id)
    html = client_of(app, s.moderator).get(run_url(s, "/ablauf")).get_data(as_text=True)
    listed = html.split('data-testid="run-topics"')[1]
    assert TITLE in listed and "für das Regionalteam" not in listed


def test_after_the_deadline_only_the_moderator_adds_a_topic(app, meeting_sample):
    s = meeting_sample
    with app.app_context():
        meeting = db.session.get(Meeting, s.meeting_id)
        meeting.starts_dt = meeting.starts_dt - timedelta(days=6, hours=12)
        meeting.ends_dt = meeting.ends_dt - timedelta(days=6, hours=12)
        db.session.commit()
    add_topic(app, s, s.colleague)
    assert topics(app, s) == []
    add_topic(app, s, s.moderator)
    assert [t.registered_by_id for t in topics(app, s)] == [s.moderator.id]


def test_nobody_outside_the_team_adds_a_topic(app, meeting_sample):
    s = meeting_sample
    assert add_topic(app, s, s.guest).status_code == 403
    assert add_topic(app, s, s.presenters[2]).status_code == 403
    assert topics(app, s) == []


def test_a_topic_stays_short(app, meeting_sample):
    s = meeting_sample
    add_topic(app, s, s.colleague, text="x" * 601)
    add_topic(app, s, s.colleague, title="")
    assert topics(app, s) == []


def test_guests_do_not_see_the_teams_topics(app, meeting_sample):
    s = meeting_sample
    add_topic(app, s, s.colleague)
    html = client_of(app, s.guest).get(f"/sitzungen/{s.meeting_id}").get_data(as_text=True)
    assert TITLE not in html
