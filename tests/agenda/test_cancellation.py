"""A cancelled session's registered cases move to the team's next session; the presenters
are told, the people who were to see them still see them there, and a moved session keeps
its guests' windows on the new day."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from fallteam.auth.models import Institution, User
from fallteam.cases.models import Case, CaseParticipant
from fallteam.core.models import utcnow
from fallteam.extensions import db
from fallteam.mail.models import OutgoingMail
from fallteam.meetings.models import AgendaItem, Meeting
from fallteam.meetings.operations import MeetingError, schedule
from fallteam.meetings.operations import agenda as operations
from fallteam.meetings.queries.agenda import items_of
from fallteam.meetings.rules import meeting_day_end
from tests.agenda.helpers import add_meeting
from tests.conftest import KITA_FACHBERATUNG, institution_id_of, sign_in


def test_cancelling_moves_the_items_after_the_next_sessions_own_and_tells_the_presenters(
    app, create_account, create_case, create_team, create_meeting
):
    owner = create_account(["fachkraft"])
    member = create_account(["member"])
    guest = create_account(["guest"])
    team_id, _ = create_team([(member, "permanent")])
    cancelled = create_meeting(team_id, create_case(owner), guests=[guest])
    later = utcnow() + timedelta(days=14)
    already_there = create_meeting(
        team_id, create_case(create_account(["fachkraft"])), starts=later.replace(microsecond=0)
    )
    with app.app_context():
        meeting = db.session.get(Meeting, cancelled.meeting_id)
        target = schedule.cancel_meeting(meeting, reason="staff")
        db.session.commit()
        assert target.id == already_there.meeting_id
        assert (meeting.status, meeting.change_reason) == ("cancelled", "staff")
        moved = db.session.get(AgendaItem, cancelled.item_id)
        assert moved.meeting_id == target.id and moved.moved_from_id == meeting.id
        assert [i.id for i in items_of(target)] == [already_there.item_id, cancelled.item_id]
        assert items_of(meeting) == []
        # the member and the guest now see the case until the end of the new session day
        windows = db.session.scalars(
            select(CaseParticipant.valid_until_dt).where(
                CaseParticipant.case_id == moved.case_id,
                CaseParticipant.user_id.in_([member.id, guest.id]),
            )
        ).all()
        assert windows == [meeting_day_end(target)] * 2
        told = db.session.scalars(
            select(OutgoingMail).where(
                OutgoingMail.kind == "moved", OutgoingMail.recipient_id == owner.id
            )
        ).all()
        assert len(told) == 1
        pseudonym = db.session.get(Case, moved.case_id).pseudonym
        assert pseudonym not in told[0].body and pseudonym not in told[0].subject
    guest_client = app.test_client()
    sign_in(guest_client, app, guest)
    assert guest_client.get(f"/tagesordnung/{cancelled.item_id}").status_code == 200


def test_a_session_with_cases_cannot_be_cancelled_without_a_next_one(
    app, create_account, create_case, create_team, create_meeting
):
    owner = create_account(["fachkraft"])
    team_id, _ = create_team([(create_account(["member"]), "permanent")])
    session = create_meeting(team_id, create_case(owner))
    with app.app_context():
        meeting = db.session.get(Meeting, session.meeting_id)
        with pytest.raises(MeetingError, match="keine folgende Sitzung"):
            schedule.cancel_meeting(meeting, reason="illness")
        db.session.rollback()
        assert db.session.get(Meeting, session.meeting_id).status == "planned"


def test_cancelling_needs_a_reason(app, create_team, create_account):
    team_id, _ = create_team([(create_account(["member"]), "permanent")])
    meeting_id = add_meeting(app, team_id)
    with app.app_context():
        with pytest.raises(ValueError, match="Grund"):
            schedule.cancel_meeting(db.session.get(Meeting, meeting_id), reason="  ")
        db.session.rollback()


def test_moving_a_session_carries_the_windows_and_outside_accounts_to_the_new_day(
    app, create_account, create_case, create_team, create_meeting
):
    owner = create_account(["fachkraft"])
    member = create_account(["member"])
    team_id, _ = create_team([(member, "permanent")])
    session = create_meeting(team_id, create_case(owner))
    with app.app_context():
        item = db.session.get(AgendaItem, session.item_id)
        _, outside, _ = operations.add_outside_guest(
            item,
            name="Hr. Feld",
            institution=db.session.get(Institution, institution_id_of(KITA_FACHBERATUNG)),
            email="feld@example.org",
        )
        meeting = item.meeting
        new_start = meeting.starts_dt + timedelta(days=2)
        schedule.move_meeting(meeting, starts=new_start, reason="room")
        db.session.commit()
        assert meeting.starts_dt == new_start
        new_end = meeting_day_end(meeting)
        assert db.session.get(User, outside.id).expires_dt == new_end
        member_window = db.session.scalars(
            select(CaseParticipant.valid_until_dt).where(
                CaseParticipant.case_id == item.case_id, CaseParticipant.user_id == member.id
            )
        ).one()
        assert member_window == new_end


def test_a_session_cannot_be_moved_into_the_past(
    app, create_account, create_case, create_team, create_meeting
):
    team_id, _ = create_team([(create_account(["member"]), "permanent")])
    session = create_meeting(team_id, create_case(create_account(["fachkraft"])))
    with app.app_context():
        meeting = db.session.get(Meeting, session.meeting_id)
        with pytest.raises(MeetingError, match="Vergangenheit"):
            schedule.move_meeting(meeting, starts=utcnow() - timedelta(hours=1), reason="other")
        db.session.rollback()


def test_a_session_that_has_begun_can_be_neither_cancelled_nor_moved(
    app, create_account, create_case, create_team, create_meeting
):
    team_id, _ = create_team([(create_account(["member"]), "permanent")])
    past = (utcnow() - timedelta(days=10)).replace(microsecond=0)
    session = create_meeting(team_id, create_case(create_account(["fachkraft"])))
    with app.app_context():
        meeting = db.session.get(Meeting, session.meeting_id)
        meeting.starts_dt, meeting.ends_dt = past, past + timedelta(hours=3)
        db.session.commit()
        # reopening old windows and expired guest accounts is what this prevents
        with pytest.raises(MeetingError, match="schon begonnen"):
            schedule.cancel_meeting(meeting, reason="other")
        with pytest.raises(MeetingError, match="schon begonnen"):
            schedule.move_meeting(meeting, starts=utcnow() + timedelta(days=3), reason="other")
        db.session.rollback()


def test_cancelling_refuses_a_case_already_on_the_next_session(
    app, create_account, create_case, create_team, create_meeting
):
    owner = create_account(["fachkraft"])
    case = create_case(owner)
    team_id, _ = create_team([(create_account(["member"]), "permanent")])
    first = create_meeting(team_id, case)
    create_meeting(team_id, case, starts=(utcnow() + timedelta(days=14)).replace(microsecond=0))
    with app.app_context():
        meeting = db.session.get(Meeting, first.meeting_id)
        with pytest.raises(MeetingError, match="schon auf der folgenden Sitzung"):
            schedule.cancel_meeting(meeting, reason="illness")
        db.session.rollback()
        assert db.session.get(Meeting, first.meeting_id).status == "planned"


def test_a_new_case_manager_presents_the_coming_items(
    app, create_account, create_case, create_team, create_meeting
):
    from fallteam.cases import operations as cases

    owner, successor = create_account(["fachkraft"]), create_account(["fachkraft"])
    team_id, _ = create_team([(create_account(["member"]), "permanent")])
    session = create_meeting(team_id, create_case(owner))
    with app.app_context():
        item = db.session.get(AgendaItem, session.item_id)
        cases.transfer_case(
            item.case, db.session.get(User, successor.id), actor=db.session.get(User, owner.id)
        )
        db.session.commit()
        assert db.session.get(AgendaItem, session.item_id).presenter_id == successor.id
