"""Closing a case ends everyone's part in it but its owner's: its open Wiedervorlagen close
with "Fall abgeschlossen" (recorded), the members present, the writer and the moderator no
longer read its Fallprotokoll, the team page and the Teamprotokoll show no topic of it. The
closing day lies between the case's registration and today."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from fallteam.audit.models import AuditEvent
from fallteam.auth.models import User
from fallteam.cases import operations as cases
from fallteam.cases.models import Case
from fallteam.extensions import db
from fallteam.meetings.models import ItemAttendance, MeetingAttendance
from fallteam.resubmissions.models import Resubmission
from tests.conftest import QUESTION, sign_in
from tests.retention.conftest import close, register
from tests.retention.test_restricted_lists import TOPIC, agree


def _client(app, who):
    client = app.test_client()
    sign_in(client, app, who)
    return client


def test_closing_closes_the_open_resubmissions_with_a_recorded_outcome(app, scene, today):
    team_id = agree(app, scene, scene.member.id)
    member = _client(app, scene.member)
    url = f"/fallteams/{team_id}/wiedervorlagen"
    assert TOPIC in member.get(url).get_data(as_text=True)
    close(app, scene.case.id, today)
    with app.app_context():
        resubmission = db.session.scalar(
            select(Resubmission).where(Resubmission.case_id == scene.case.id)
        )
        assert resubmission.status == "closed"
        assert resubmission.outcome == "Fall abgeschlossen"
        events = db.session.scalars(
            select(AuditEvent).where(AuditEvent.object_id == str(resubmission.id))
        ).all()
        assert any("closed_with_case" in str(e.details) for e in events)
    page = member.get(url).get_data(as_text=True)
    assert TOPIC not in page and scene.case.pseudonym not in page


@pytest.mark.parametrize("who", ["member", "moderator"])
def test_after_closing_only_the_owner_reads_the_fallprotokoll(app, scene, today, who):
    with app.app_context():
        db.session.add(
            ItemAttendance(item_id=scene.item_id, user_id=scene.member.id, presence="present")
        )
        db.session.commit()
    client, owner = _client(app, getattr(scene, who)), _client(app, scene.owner)
    url = f"/protokolle/{scene.protocol_id}"
    assert client.get(url).status_code == 200
    close(app, scene.case.id, today)
    assert client.get(url).status_code == 403
    assert owner.get(url).status_code == 200


def test_after_closing_the_teamprotokoll_shows_no_topic_of_the_case(app, scene, today):
    agree(app, scene, scene.member.id)
    with app.app_context():
        db.session.add(
            MeetingAttendance(meeting_id=scene.meeting_id, user_id=scene.member.id, present=True)
        )
        db.session.commit()
    member = _client(app, scene.member)
    url = f"/sitzungen/{scene.meeting_id}/teamprotokoll"
    assert TOPIC in member.get(url).get_data(as_text=True)
    close(app, scene.case.id, today)
    page = member.get(url)
    assert page.status_code == 200 and TOPIC not in page.get_data(as_text=True)


def test_a_case_cannot_be_closed_before_it_was_registered(app, owner, today):
    case_id = register(app, owner.id)
    with app.app_context():
        case = db.session.get(Case, case_id)
        with pytest.raises(cases.CaseError, match="vor der Anlage"):
            cases.close_case(
                case,
                closed_on=today - timedelta(days=1),
                reason="ziel_erreicht",
                note=None,
                actor=db.session.get(User, owner.id),
            )


def test_after_closing_the_moderators_agenda_shows_no_question_of_the_case(app, scene, today):
    moderator, owner = _client(app, scene.moderator), _client(app, scene.owner)
    url = f"/sitzungen/{scene.meeting_id}"
    assert QUESTION in moderator.get(url).get_data(as_text=True)
    close(app, scene.case.id, today)
    page = moderator.get(url)
    assert page.status_code == 200
    assert QUESTION not in page.get_data(as_text=True)
    assert QUESTION in owner.get(url).get_data(as_text=True)
