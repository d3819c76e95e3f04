"""After the invitation, a moved session reaches every calendar as an update of the same
entry (same UID, higher SEQUENCE, new time); a cancelled one as METHOD:CANCEL — and the reason
given for either, free text that could name the family, is never mailed."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from fallteam.core.models import utcnow
from fallteam.extensions import db
from fallteam.mail.calendar import event_uid
from fallteam.mail.operations import send_pending
from fallteam.meetings.models import Meeting
from fallteam.meetings.operations import agenda, invitations, schedule, windows
from tests.agenda.helpers import add_meeting
from tests.mail.conftest import address_of, assert_no_case_data, calendar_of, decoded_text

BERLIN = ZoneInfo("Europe/Berlin")
REASON = "illness"
REASON_LABEL = "Erkrankung oder Verhinderung"


def _invite_and_send(app, scene) -> None:
    with app.app_context():
        invitations.send_invitation(db.session.get(Meeting, scene.meeting_id), now=utcnow())
        db.session.commit()
        send_pending()


def test_a_moved_session_updates_the_same_calendar_entry(app, scene, smtp_server):
    _invite_and_send(app, scene)
    with app.app_context():
        meeting = db.session.get(Meeting, scene.meeting_id)
        new_start = meeting.starts_dt + timedelta(days=1, hours=2)
        schedule.move_meeting(meeting, starts=new_start, reason=REASON)
        db.session.commit()
        uid = event_uid(meeting)
        send_pending()
    first, update = smtp_server.to(address_of(scene.member))
    invitation_event = calendar_of(first)[0].events[0]
    calendar, part = calendar_of(update)
    event = calendar.events[0]
    assert part.get_param("method") == "REQUEST" and calendar["METHOD"] == "REQUEST"
    assert str(event["UID"]) == str(invitation_event["UID"]) == uid
    assert event["SEQUENCE"] > invitation_event["SEQUENCE"]
    assert event.start == new_start.astimezone(BERLIN)
    assert update["Subject"].startswith("Geändert:")
    assert_no_case_data(decoded_text(update), scene.pseudonym)
    assert REASON_LABEL not in decoded_text(update)


def test_a_cancelled_session_sends_a_calendar_cancellation(app, scene, smtp_server):
    _invite_and_send(app, scene)
    with app.app_context():
        meeting = db.session.get(Meeting, scene.meeting_id)
        later = add_meeting(app, meeting.team_id, meeting.starts_dt + timedelta(days=7))
        schedule.cancel_meeting(meeting, reason=REASON)
        db.session.commit()
        uid = event_uid(meeting)
        send_pending()
    cancellation = smtp_server.to(address_of(scene.member))[-1]
    calendar, part = calendar_of(cancellation)
    event = calendar.events[0]
    assert part.get_param("method") == "CANCEL" and calendar["METHOD"] == "CANCEL"
    assert str(event["STATUS"]) == "CANCELLED"
    assert str(event["UID"]) == uid and event["SEQUENCE"] == 1
    assert cancellation["Subject"].startswith("Abgesagt:")
    for message in smtp_server.messages():
        assert_no_case_data(decoded_text(message), scene.pseudonym)
        assert REASON_LABEL not in decoded_text(message)
    # The presenter learns that the registration moved, with dates only.
    moved = [m for m in smtp_server.to(address_of(scene.presenter)) if "verschoben" in m["Subject"]]
    assert len(moved) == 1
    body = moved[0].get_body(("plain",)).get_content()
    assert "Ihre Anmeldung wurde" in body and "verschoben" in body
    with app.app_context():
        assert db.session.get(Meeting, later).invitation_sent_dt is None


def test_nothing_is_sent_for_changes_before_the_invitation(app, scene, smtp_server):
    with app.app_context():
        meeting = db.session.get(Meeting, scene.meeting_id)
        schedule.move_meeting(
            meeting, starts=meeting.starts_dt + timedelta(hours=1), reason="other"
        )
        assert invitations.announce_cancellation(meeting) == 0
        db.session.commit()
        report = send_pending()
    assert report.sent == 0 and smtp_server.envelopes == []


def test_a_guest_added_after_the_invitation_is_invited_at_once(
    app, scene, smtp_server, create_account
):
    from fallteam.auth.models import User
    from fallteam.meetings.models import AgendaItem

    _invite_and_send(app, scene)
    late = create_account(["guest"])
    with app.app_context():
        item = db.session.get(AgendaItem, scene.item_id)
        guest = agenda.add_guest(item, db.session.get(User, late.id))
        # no consent covers the guest: the case opens to them once the presenter confirms
        assert guest.invited_dt is None
        item.pseudonymised_confirmed = True
        windows.open_pending_windows(item, now=utcnow())
        assert guest.invited_dt is not None
        db.session.commit()
        send_pending()
    messages = smtp_server.to(address_of(late))
    assert len(messages) == 1
    assert messages[0]["Subject"].startswith("Einladung:")
    assert_no_case_data(decoded_text(messages[0]), scene.pseudonym)
