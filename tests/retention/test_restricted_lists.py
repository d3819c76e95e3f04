"""A restricted case on list-like pages (the session's agenda, the Wiedervorlagen due for a
session, a team's Wiedervorlagen, the Teamprotokoll): nobody sees its content there — not the
next session's moderator, not the responsible member, and not its approved owner either,
who sees its pseudonym and "gesperrt" and opens the case itself with a reason. The owner's
Art. 15 answer asks the reason too."""

from __future__ import annotations

from datetime import timedelta

from fallteam.auth.models import User
from fallteam.core.models import utcnow
from fallteam.extensions import db
from fallteam.meetings.models import Meeting, MeetingAttendance
from fallteam.protocols.models import CaseProtocol
from fallteam.resubmissions import operations as resubmissions
from fallteam.retention import rules
from tests.conftest import QUESTION, csrf_token, sign_in
from tests.retention.conftest import register
from tests.retention.test_restriction import _restrict

TOPIC = "Schulbegleitung beantragen klaeren"
#: the Art. 15 search for the mother of the suite's family of four
MOTHER = {"last_name": "Krautwurst", "first_name": "Sabine", "birth_date": "1988-05-14"}


def agree(app, scene, responsible_id, due_days: int = 30):
    """The item's writer agrees a Wiedervorlage in the Fallprotokoll; the session's team."""
    with app.app_context():
        resubmissions.agree_in_protocol(
            db.session.get(CaseProtocol, scene.protocol_id),
            rules.today() + timedelta(days=due_days),
            TOPIC,
            db.session.get(User, responsible_id),
            db.session.get(User, scene.moderator.id),
        )
        db.session.commit()
        return db.session.get(Meeting, scene.meeting_id).team_id


def _client(app, who):
    client = app.test_client()
    sign_in(client, app, who)
    return client


def test_the_next_sessions_moderator_does_not_see_a_restricted_cases_topic(app, scene, dpo):
    team_id = agree(app, scene, scene.member.id, due_days=10)
    with app.app_context():
        start = (utcnow() + timedelta(days=14)).replace(microsecond=0)
        meeting = Meeting(
            team_id=team_id,
            starts_dt=start,
            ends_dt=start + timedelta(hours=3),
            moderator_id=scene.moderator.id,
        )
        db.session.add(meeting)
        db.session.commit()
        meeting_id = meeting.id
    moderator = _client(app, scene.moderator)
    assert TOPIC in moderator.get(f"/sitzungen/{meeting_id}").get_data(as_text=True)
    _restrict(app, scene, dpo)
    page = moderator.get(f"/sitzungen/{meeting_id}")
    assert page.status_code == 200
    assert TOPIC not in page.get_data(as_text=True)


def test_the_responsible_member_does_not_see_a_restricted_topic_on_the_team_page(app, scene, dpo):
    team_id = agree(app, scene, scene.member.id)
    member = _client(app, scene.member)
    url = f"/fallteams/{team_id}/wiedervorlagen"
    assert TOPIC in member.get(url).get_data(as_text=True)
    _restrict(app, scene, dpo)
    page = member.get(url)
    assert page.status_code == 200
    assert TOPIC not in page.get_data(as_text=True)


def test_the_responsible_member_does_not_see_a_restricted_topic_in_the_teamprotokoll(
    app, scene, dpo
):
    agree(app, scene, scene.member.id)
    with app.app_context():
        db.session.add(
            MeetingAttendance(meeting_id=scene.meeting_id, user_id=scene.member.id, present=True)
        )
        db.session.commit()
    member = _client(app, scene.member)
    url = f"/sitzungen/{scene.meeting_id}/teamprotokoll"
    assert TOPIC in member.get(url).get_data(as_text=True)
    _restrict(app, scene, dpo)
    page = member.get(url)
    assert page.status_code == 200
    assert TOPIC not in page.get_data(as_text=True)


def test_the_owners_agenda_shows_a_restricted_item_as_gesperrt_without_its_question(
    app, scene, dpo
):
    owner = _client(app, scene.owner)
    url = f"/sitzungen/{scene.meeting_id}"
    assert QUESTION in owner.get(url).get_data(as_text=True)
    _restrict(app, scene, dpo)
    page = owner.get(url)
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert QUESTION not in body
    assert scene.case.pseudonym in body and 'data-testid="withheld"' in body
    # the item itself asks the reason first
    item = owner.get(f"/tagesordnung/{scene.item_id}")
    assert item.status_code == 302 and "/zugriffsgrund" in item.headers["Location"]


def test_the_owners_art15_answer_of_a_restricted_case_asks_the_reason(app, scene, dpo):
    _restrict(app, scene, dpo)
    owner = _client(app, scene.owner)
    asked = owner.post(
        f"/faelle/{scene.case.id}/auskunft", data={**MOTHER, "csrf_token": csrf_token(owner)}
    )
    assert asked.status_code == 302 and "/zugriffsgrund" in asked.headers["Location"]


def test_an_art15_answer_from_another_case_names_a_restricted_case_without_content(app, scene, dpo):
    other = register(app, scene.owner.id)
    owner = _client(app, scene.owner)
    before = owner.post(
        f"/faelle/{other}/auskunft", data={**MOTHER, "csrf_token": csrf_token(owner)}
    ).get_data(as_text=True)
    assert before.count('data-testid="appearance"') == 2
    _restrict(app, scene, dpo)
    after = owner.post(
        f"/faelle/{other}/auskunft", data={**MOTHER, "csrf_token": csrf_token(owner)}
    )
    assert after.status_code == 200
    body = after.get_data(as_text=True)
    assert body.count('data-testid="appearance"') == 1
    assert 'data-testid="withheld"' in body and scene.case.pseudonym in body
