"""An invitation reaches every participant of the session by e-mail with a calendar entry —
and carries no case data: date, time, place, team and the number of agenda items only."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from sqlalchemy import select

from fallteam.core.models import utcnow
from fallteam.extensions import db
from fallteam.mail.calendar import event_uid
from fallteam.mail.models import MeetingInvitee, OutgoingMail
from fallteam.mail.operations import send_pending
from fallteam.meetings.models import AgendaGuest, Meeting
from fallteam.meetings.operations import invitations
from tests.mail.conftest import (
    address_of,
    assert_no_case_data,
    calendar_of,
    decoded_text,
    item_question,
)

BERLIN = ZoneInfo("Europe/Berlin")


def _invite(app, scene) -> int:
    with app.app_context():
        meeting = db.session.get(Meeting, scene.meeting_id)
        queued = invitations.send_invitation(meeting, now=utcnow())
        db.session.commit()
        return queued


def test_an_invitation_goes_to_members_presenter_and_guests_with_a_calendar_entry(
    app, scene, smtp_server
):
    assert _invite(app, scene) == 4
    with app.app_context():
        report = send_pending()
        meeting = db.session.get(Meeting, scene.meeting_id)
        starts, ends = meeting.starts_dt.astimezone(BERLIN), meeting.ends_dt.astimezone(BERLIN)
        uid = event_uid(meeting)
    assert (report.sent, report.retried, report.failed) == (4, 0, 0)
    recipients = {a for e in smtp_server.envelopes for a in e.rcpt_tos}
    assert recipients == {
        address_of(a) for a in (scene.moderator, scene.member, scene.presenter, scene.guest)
    }
    message = smtp_server.to(address_of(scene.member))[0]
    assert message["Subject"].startswith("Einladung: Fallteam")
    assert message["From"] == app.config["MAIL_DEFAULT_SENDER"]
    assert message["Message-ID"] and message["Date"]
    calendar, part = calendar_of(message)
    assert part.get_param("method") == "REQUEST"
    assert part.get_content_charset() == "utf-8"
    assert part.get_filename() == "einladung.ics"
    assert calendar["METHOD"] == "REQUEST"
    event = calendar.events[0]
    assert str(event["UID"]) == uid
    assert event["SEQUENCE"] == 0
    assert event.start == starts and event.end == ends
    assert str(event.start.tzinfo) == "Europe/Berlin" and calendar.timezones
    assert str(event["LOCATION"]) == "Rathaus, Raum 2.14"
    assert str(event["DESCRIPTION"]) == "1 Tagesordnungspunkt"
    assert str(event["STATUS"]) == "CONFIRMED"
    assert str(event["ATTENDEE"]) == f"mailto:{address_of(scene.member)}"
    body = message.get_body(("plain",)).get_content()
    assert starts.strftime("%H:%M") in body and "Rathaus, Raum 2.14" in body
    assert "1 Tagesordnungspunkt" in body


def test_no_mail_and_no_calendar_carries_a_pseudonym_a_name_or_a_question(app, scene, smtp_server):
    assert item_question(app, scene.item_id)  # the scene has case texts to leak
    _invite(app, scene)
    with app.app_context():
        send_pending()
    assert len(smtp_server.envelopes) == 4
    for envelope in smtp_server.envelopes:
        message = smtp_server.messages()[smtp_server.envelopes.index(envelope)]
        assert_no_case_data(decoded_text(message, envelope.original_content), scene.pseudonym)


def test_the_guest_window_opens_with_the_invitation(app, scene, smtp_server):
    with app.app_context():
        assert db.session.get(AgendaGuest, scene.guest_id).invited_dt is None
    _invite(app, scene)
    with app.app_context():
        assert db.session.get(AgendaGuest, scene.guest_id).invited_dt is not None
        assert db.session.get(Meeting, scene.meeting_id).invitation_sent_dt is not None
    guest_mail = None
    with app.app_context():
        send_pending()
    guest_mail = smtp_server.to(address_of(scene.guest))[0]
    assert "als Gast" in guest_mail.get_body(("plain",)).get_content()


def test_sending_again_updates_instead_of_inviting_twice(app, scene, smtp_server):
    _invite(app, scene)
    second = _invite(app, scene)
    with app.app_context():
        invitees = db.session.scalars(
            select(MeetingInvitee).where(MeetingInvitee.meeting_id == scene.meeting_id)
        ).all()
        kinds = sorted(m.kind for m in db.session.scalars(select(OutgoingMail)))
        send_pending()
    assert second == 4 and len(invitees) == 4
    assert kinds == ["invitation"] * 4 + ["update"] * 4
    sequences = sorted(
        calendar_of(m)[0].events[0]["SEQUENCE"] for m in smtp_server.to(address_of(scene.guest))
    )
    assert sequences == [0, 1]


def test_an_inactive_account_gets_no_invitation(app, scene, smtp_server):
    from fallteam.auth.models import User

    with app.app_context():
        db.session.get(User, scene.member.id).active = False
        db.session.commit()
    assert _invite(app, scene) == 3
    with app.app_context():
        send_pending()
    assert smtp_server.to(address_of(scene.member)) == []


def test_a_cancelled_or_past_session_cannot_be_invited(app, scene):
    import pytest

    from fallteam.meetings.models import MeetingStatus
    from fallteam.meetings.operations import MeetingError as InvitationError

    with app.app_context():
        meeting = db.session.get(Meeting, scene.meeting_id)
        with pytest.raises(InvitationError, match="begonnen"):
            invitations.send_invitation(meeting, now=meeting.starts_dt)
        meeting.status = MeetingStatus.CANCELLED
        with pytest.raises(InvitationError, match="abgesagt"):
            invitations.send_invitation(meeting, now=utcnow())
        db.session.rollback()


def test_the_moderator_invites_from_the_session_page_and_the_mail_links_to_it(
    app, scene, smtp_server
):
    from tests.conftest import csrf_token, sign_in

    client = app.test_client()
    sign_in(client, app, scene.moderator)
    response = client.post(
        f"/sitzungen/{scene.meeting_id}/einladung", data={"csrf_token": csrf_token(client)}
    )
    assert response.status_code == 302
    assert smtp_server.envelopes == []  # queued, not sent inside the request
    with app.app_context():
        assert send_pending().sent == 4
    body = smtp_server.to(address_of(scene.member))[0].get_body(("plain",)).get_content()
    assert f"http://localhost/sitzungen/{scene.meeting_id}" in body


def test_sending_again_withdraws_the_entry_of_a_guest_no_longer_invited(app, scene, smtp_server):
    from fallteam.meetings.models import AgendaItem
    from fallteam.meetings.operations import agenda

    _invite(app, scene)
    with app.app_context():
        item = db.session.get(AgendaItem, scene.item_id)
        agenda.remove_guest(item, db.session.get(AgendaGuest, scene.guest_id))
        db.session.commit()
    assert _invite(app, scene) == 4  # three updates, one cancellation
    with app.app_context():
        invitees = db.session.scalars(
            select(MeetingInvitee.user_id).where(MeetingInvitee.meeting_id == scene.meeting_id)
        ).all()
        send_pending()
    assert scene.guest.id not in invitees and len(invitees) == 3
    calendar, part = calendar_of(smtp_server.to(address_of(scene.guest))[-1])
    assert part.get_param("method") == "CANCEL" and calendar.events[0]["SEQUENCE"] == 1
