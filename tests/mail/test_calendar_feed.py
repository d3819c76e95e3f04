"""The private calendar feed: its secret address lists the owner's sessions with the same
minimal content as an invitation; the token is stored only as a hash; renewing or revoking
ends the old address; disabled accounts and strangers get 404 like a wrong token."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

from icalendar import Calendar
from sqlalchemy import select, text

from fallteam.audit.models import AuditEvent
from fallteam.auth.models import User
from fallteam.core.models import utcnow
from fallteam.extensions import db
from fallteam.mail.calendar import event_uid
from fallteam.meetings.models import Meeting
from tests.conftest import csrf_token, sign_in
from tests.core.test_security_headers import assert_security_headers
from tests.mail.conftest import assert_no_case_data

FEED_URL = re.compile(r"https?://[^\s<\"]+/kalender/([A-Za-z0-9_-]+)\.ics")


def _subscribe(app, account) -> tuple[object, str]:
    client = app.test_client()
    sign_in(client, app, account)
    page = client.post("/konto/kalender", data={"csrf_token": csrf_token(client)})
    assert page.status_code == 200
    match = FEED_URL.search(page.get_data(as_text=True))
    assert match, "the new address is shown once"
    return client, match.group(1)


def _feed(app, token: str):
    return app.test_client().get(f"/kalender/{token}.ics")


def _events(response) -> list:
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    return Calendar.from_ical(response.get_data()).events


def test_a_valid_token_lists_the_own_sessions_with_minimal_content(app, scene):
    _, token = _subscribe(app, scene.member)
    response = _feed(app, token)
    assert_security_headers(response)  # no-store, like every personal answer
    events = _events(response)
    with app.app_context():
        meeting = db.session.get(Meeting, scene.meeting_id)
        uid, starts = event_uid(meeting), meeting.starts_dt
    (event,) = events
    assert str(event["UID"]) == uid and event.start == starts
    assert str(event["LOCATION"]) == "Rathaus, Raum 2.14"
    assert str(event["DESCRIPTION"]) == "1 Tagesordnungspunkt"
    assert str(event["SUMMARY"]).startswith("Fallteam")
    assert "ATTENDEE" not in event and "ORGANIZER" not in event
    assert_no_case_data(response.get_data(as_text=True), scene.pseudonym)


def test_the_token_is_stored_only_as_its_hash(app, scene):
    _, token = _subscribe(app, scene.member)
    with app.app_context():
        rows = db.session.execute(text("SELECT * FROM calendar_feeds")).all()
    dump = " ".join(str(v) for row in rows for v in row)
    assert token not in dump
    assert hashlib.sha256(token.encode()).hexdigest() in dump


def test_a_revoked_or_replaced_token_answers_404(app, scene):
    client, old = _subscribe(app, scene.member)
    page = client.post("/konto/kalender", data={"csrf_token": csrf_token(client)})
    new = FEED_URL.search(page.get_data(as_text=True)).group(1)
    assert _feed(app, old).status_code == 404
    assert _feed(app, new).status_code == 200
    response = client.post("/konto/kalender/widerrufen", data={"csrf_token": csrf_token(client)})
    assert response.status_code == 302
    assert _feed(app, new).status_code == 404


def test_a_made_up_token_answers_404(app):
    assert _feed(app, "A" * 43).status_code == 404
    assert _feed(app, "kurz").status_code == 404


def test_another_users_token_shows_only_that_users_sessions(
    app, scene, create_account, create_case, create_team, create_meeting
):
    stranger = create_account(["fachkraft", "member"])
    team_id, _ = create_team([(stranger, "permanent")])
    own = create_meeting(team_id, create_case(stranger))
    _, token = _subscribe(app, stranger)
    events = _events(_feed(app, token))
    with app.app_context():
        uids = {event_uid(db.session.get(Meeting, own.meeting_id))}
        foreign = event_uid(db.session.get(Meeting, scene.meeting_id))
    assert {str(e["UID"]) for e in events} == uids
    assert foreign not in {str(e["UID"]) for e in events}


def test_a_guest_sees_the_session_only_within_the_invitation_window(app, scene):
    from fallteam.meetings.models import AgendaGuest

    _, token = _subscribe(app, scene.guest)
    assert _events(_feed(app, token)) == []  # not invited yet
    with app.app_context():
        db.session.get(AgendaGuest, scene.guest_id).invited_dt = utcnow() - timedelta(minutes=1)
        db.session.commit()
    assert len(_events(_feed(app, token))) == 1


def test_a_deactivated_or_expired_account_cannot_use_its_feed(app, scene):
    _, token = _subscribe(app, scene.member)
    with app.app_context():
        db.session.get(User, scene.member.id).active = False
        db.session.commit()
    assert _feed(app, token).status_code == 404
    with app.app_context():
        user = db.session.get(User, scene.member.id)
        user.active, user.expires_dt = True, utcnow() - timedelta(minutes=1)
        db.session.commit()
    assert _feed(app, token).status_code == 404


def test_making_and_revoking_a_feed_are_audited_and_shown_on_the_account_page(app, scene):
    client, _ = _subscribe(app, scene.member)
    assert "Eingerichtet am" in client.get("/konto").get_data(as_text=True)
    client.post("/konto/kalender/widerrufen", data={"csrf_token": csrf_token(client)})
    assert "Eingerichtet am" not in client.get("/konto").get_data(as_text=True)
    with app.app_context():
        actions = db.session.scalars(
            select(AuditEvent.action)
            .where(
                AuditEvent.object_type == "calendar_feed", AuditEvent.actor_id == scene.member.id
            )
            .order_by(AuditEvent.seq)
        ).all()
    assert actions == ["create", "delete"]


def test_the_feed_actions_need_the_csrf_token(app, scene):
    client = app.test_client()
    sign_in(client, app, scene.member)
    assert client.post("/konto/kalender").status_code == 400
