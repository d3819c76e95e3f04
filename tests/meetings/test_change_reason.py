"""Why a session is cancelled or moved is chosen from a fixed list of organisational reasons:
free text (which could name a family) is neither stored nor shown, and guests never see the
reason at all."""

from __future__ import annotations

from datetime import timedelta

from fallteam.core.models import utcnow
from fallteam.extensions import db
from fallteam.meetings.models import Meeting, MeetingStatus
from tests.agenda.helpers import add_meeting
from tests.conftest import csrf_token
from tests.meetings.test_agenda_page import build_meeting, client_of

FREE_TEXT = "Familie Hollerbach ist umgezogen"


def test_a_free_text_reason_is_refused_and_the_listed_reason_never_reaches_guests(
    app, create_account, create_case, create_team, create_meeting
):
    s = build_meeting(app, create_account, create_case, create_team, create_meeting)
    add_meeting(app, s.team_id, starts=utcnow() + timedelta(days=14))  # the cases move there
    client = client_of(app, s.moderator)
    url = f"/sitzungen/{s.meeting_id}/absagen"
    refused = client.post(url, data={"reason": FREE_TEXT, "csrf_token": csrf_token(client)})
    assert refused.status_code == 200
    with app.app_context():
        meeting = db.session.get(Meeting, s.meeting_id)
        assert meeting.status == MeetingStatus.PLANNED and meeting.change_reason is None
        # cancelled for a listed reason
        meeting.status = MeetingStatus.CANCELLED
        meeting.change_reason = "room"
        db.session.commit()
    team_page = client.get(f"/sitzungen/{s.meeting_id}").get_data(as_text=True)
    assert "Raum nicht verfügbar" in team_page
    guest = client_of(app, s.guest)
    for page in (f"/sitzungen/{s.meeting_id}", "/sitzungen"):
        html = guest.get(page).get_data(as_text=True)
        assert "Raum nicht verfügbar" not in html and FREE_TEXT not in html


def test_the_operation_refuses_a_reason_outside_the_list(
    app, create_account, create_case, create_team, create_meeting
):
    import pytest

    from fallteam.meetings.operations import MeetingError, schedule

    s = build_meeting(app, create_account, create_case, create_team, create_meeting)
    with app.app_context():
        meeting = db.session.get(Meeting, s.meeting_id)
        with pytest.raises(MeetingError):
            schedule.move_meeting(meeting, starts=meeting.starts_dt, reason=FREE_TEXT)
        assert meeting.change_reason is None
