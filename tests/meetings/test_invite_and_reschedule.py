"""From the session page the moderator sends the invitation and sees the state of its mails;
the moderator (or whoever manages the teams) moves or cancels the session with a reason."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from fallteam.core.models import utcnow
from fallteam.extensions import db
from fallteam.mail.models import MailStatus, OutgoingMail
from fallteam.meetings.models import AgendaItem, Meeting
from tests.agenda.helpers import add_meeting
from tests.conftest import csrf_token
from tests.meetings.test_agenda_page import build_meeting, client_of

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture
def meeting_sample(app, create_account, create_case, create_team, create_meeting):
    return build_meeting(app, create_account, create_case, create_team, create_meeting)


def meeting(app, meeting_id) -> Meeting:
    with app.app_context():
        row = db.session.get(Meeting, meeting_id)
        db.session.expunge(row)
        return row


def post(client, url, **data):
    return client.post(url, data={**data, "csrf_token": csrf_token(client)})


# --- invitation ------------------------------------------------------------------------------


def test_the_moderator_sends_the_invitation_and_sees_its_mails(app, meeting_sample):
    s = meeting_sample
    client = client_of(app, s.moderator)
    response = post(client, f"/sitzungen/{s.meeting_id}/einladung")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/sitzungen/{s.meeting_id}#einladung")
    assert meeting(app, s.meeting_id).invitation_sent_dt is not None
    with app.app_context():
        mails = db.session.scalars(
            select(OutgoingMail).where(OutgoingMail.meeting_id == s.meeting_id)
        ).all()
        assert mails and {m.status for m in mails} == {MailStatus.PENDING}
        failed = mails[0]
        failed.status, failed.attempts = MailStatus.FAILED, 5
        failed.last_error = "550 5.1.1 Recipient address rejected"
        db.session.commit()
    html = client.get(f"/sitzungen/{s.meeting_id}").get_data(as_text=True)
    assert "E-Mails in der Warteschlange" in html and "Einladung versandt am" in html
    status = html.split('data-testid="mail-status"')[1].split("</section>")[0]
    assert status.count("wartet") == len(mails) - 1
    assert "fehlgeschlagen" in status and "550 5.1.1 Recipient address rejected" in status
    assert "Einladung aktualisieren" in html


def test_a_cancelled_session_is_not_invited(app, meeting_sample):
    s = meeting_sample
    with app.app_context():
        db.session.get(Meeting, s.meeting_id).status = "cancelled"
        db.session.commit()
    client = client_of(app, s.moderator)
    post(client, f"/sitzungen/{s.meeting_id}/einladung")
    assert meeting(app, s.meeting_id).invitation_sent_dt is None
    html = client.get(f"/sitzungen/{s.meeting_id}").get_data(as_text=True)
    assert "Zu einer abgesagten Sitzung kann nicht eingeladen werden." in html


@pytest.mark.parametrize("who", ["colleague", "presenter", "guest"])
def test_only_the_moderator_invites(app, meeting_sample, who):
    s = meeting_sample
    account = {"colleague": s.colleague, "presenter": s.presenters[0], "guest": s.guest}[who]
    response = post(client_of(app, account), f"/sitzungen/{s.meeting_id}/einladung")
    assert response.status_code == 403
    assert meeting(app, s.meeting_id).invitation_sent_dt is None


# --- cancelling ------------------------------------------------------------------------------


def add_next_session(app, s) -> uuid.UUID:
    with app.app_context():
        starts = db.session.get(Meeting, s.meeting_id).starts_dt + timedelta(days=7)
    return add_meeting(app, s.team_id, starts)


def test_the_moderator_cancels_with_a_reason_and_the_cases_move_on(app, meeting_sample):
    s = meeting_sample
    later_id = add_next_session(app, s)
    client = client_of(app, s.moderator)
    url = f"/sitzungen/{s.meeting_id}/absagen"
    form = client.get(url).get_data(as_text=True)
    assert "Die 3 angemeldeten Fälle werden in die nächste Sitzung" in form

    empty = post(client, url, reason="  ")
    assert empty.status_code == 200 and "Bitte ausfüllen." in empty.get_data(as_text=True)
    assert meeting(app, s.meeting_id).status == "planned"

    response = post(client, url, reason="illness")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/sitzungen/{s.meeting_id}")
    cancelled = meeting(app, s.meeting_id)
    assert (cancelled.status, cancelled.change_reason) == ("cancelled", "illness")
    with app.app_context():
        moved = db.session.scalars(
            select(AgendaItem.id).where(AgendaItem.meeting_id == later_id)
        ).all()
        assert sorted(moved, key=str) == sorted(s.item_ids, key=str)
    page = client.get(f"/sitzungen/{s.meeting_id}").get_data(as_text=True)
    assert "Erkrankung oder Verhinderung" in page and "Sitzung durchführen" not in page
    assert "Die angemeldeten Fälle stehen jetzt auf der Tagesordnung" in page


def test_without_a_next_session_the_cancellation_is_refused_with_a_reason(app, meeting_sample):
    s = meeting_sample
    client = client_of(app, s.moderator)
    response = post(client, f"/sitzungen/{s.meeting_id}/absagen", reason="staff")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "keine folgende Sitzung" in html and '<option selected value="staff">' in html
    assert meeting(app, s.meeting_id).status == "planned"


def test_whoever_manages_the_teams_may_cancel_and_returns_to_the_team(
    app, meeting_sample, signed_in
):
    s = meeting_sample
    add_next_session(app, s)
    admin, _ = signed_in(["admin"])
    response = post(admin, f"/sitzungen/{s.meeting_id}/absagen", reason="room")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/fallteams/{s.team_id}")
    assert meeting(app, s.meeting_id).status == "cancelled"


@pytest.mark.parametrize("who", ["colleague", "presenter", "guest"])
def test_others_can_neither_cancel_nor_move(app, meeting_sample, who):
    s = meeting_sample
    account = {"colleague": s.colleague, "presenter": s.presenters[0], "guest": s.guest}[who]
    client = client_of(app, account)
    for tail in ("absagen", "verlegen"):
        assert client.get(f"/sitzungen/{s.meeting_id}/{tail}").status_code == 403
    response = post(client, f"/sitzungen/{s.meeting_id}/absagen", reason="other")
    assert response.status_code == 403
    assert meeting(app, s.meeting_id).status == "planned"


# --- moving ----------------------------------------------------------------------------------


def test_the_moderator_moves_the_session_to_a_berlin_time(app, meeting_sample):
    s = meeting_sample
    client = client_of(app, s.moderator)
    url = f"/sitzungen/{s.meeting_id}/verlegen"
    before = meeting(app, s.meeting_id)
    local = before.starts_dt.astimezone(BERLIN)
    form = client.get(url).get_data(as_text=True)
    assert f'value="{local.date().isoformat()}"' in form and f'value="{local:%H:%M}"' in form
    day = (utcnow() + timedelta(days=20)).astimezone(BERLIN).date()
    response = post(client, url, day=day.isoformat(), start_time="13:30", reason="room")
    assert response.status_code == 302
    moved = meeting(app, s.meeting_id)
    expected = datetime(day.year, day.month, day.day, 13, 30, tzinfo=BERLIN).astimezone(UTC)
    assert moved.starts_dt == expected
    assert moved.ends_dt - moved.starts_dt == before.ends_dt - before.starts_dt
    assert moved.change_reason == "room"


def test_a_move_into_the_past_is_refused_and_the_input_kept(app, meeting_sample):
    s = meeting_sample
    client = client_of(app, s.moderator)
    url = f"/sitzungen/{s.meeting_id}/verlegen"
    before = meeting(app, s.meeting_id).starts_dt
    response = post(client, url, day="2020-03-04", start_time="10:15", reason="conflict")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Der neue Termin liegt in der Vergangenheit." in html
    assert (
        'value="2020-03-04"' in html
        and 'value="10:15"' in html
        and '<option selected value="conflict">' in html
    )
    missing = post(client, url, day="", start_time="10:15", reason="")
    assert missing.get_data(as_text=True).count("Bitte ausfüllen.") == 2
    assert meeting(app, s.meeting_id).starts_dt == before
