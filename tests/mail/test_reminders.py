"""The day before a session, presenters with unfinished registrations are reminded — once,
only they, and in general words: how many registrations and what kind of thing is missing,
never which case."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from fallteam.auth.models import User
from fallteam.cases.models import Case
from fallteam.core.models import utcnow
from fallteam.extensions import db
from fallteam.mail.models import OutgoingMail
from fallteam.mail.operations import send_pending
from fallteam.meetings.models import AgendaItem, Meeting
from fallteam.meetings.operations import agenda
from fallteam.meetings.operations.invitations import queue_due_reminders
from tests.conftest import PRESENTATION
from tests.mail.conftest import address_of, assert_no_case_data, decoded_text

BERLIN = ZoneInfo("Europe/Berlin")


def _scene(app, create_account, create_case, create_team, create_meeting):
    complete, unfinished = create_account(["fachkraft"]), create_account(["fachkraft"])
    team_id, _ = create_team([(complete, "permanent"), (unfinished, "permanent")])
    session = create_meeting(team_id, create_case(complete))
    other_case = create_case(unfinished)
    with app.app_context():
        meeting = db.session.get(Meeting, session.meeting_id)
        case = db.session.get(Case, other_case.id)
        agenda.register_case_for_meeting(
            case,
            meeting,
            agenda.Registration("kollegiale_beratung", "", PRESENTATION, 30),
            actor=db.session.get(User, unfinished.id),
            now=utcnow(),
        )
        db.session.commit()
        starts = meeting.starts_dt
    return complete, unfinished, other_case.pseudonym, session.meeting_id, starts


def _evening_before(starts: datetime) -> datetime:
    day_before = starts.astimezone(BERLIN).date() - timedelta(days=1)
    return datetime.combine(day_before, time(18, 0), tzinfo=BERLIN)


@pytest.mark.settings(FALLTEAM_BASE_URL="https://fallteam.example.org/")
def test_only_presenters_with_unfinished_registrations_are_reminded_once(
    app, create_account, create_case, create_team, create_meeting, smtp_server
):
    complete, unfinished, pseudonym, meeting_id, starts = _scene(
        app, create_account, create_case, create_team, create_meeting
    )
    now = _evening_before(starts)
    with app.app_context():
        assert queue_due_reminders(now=now - timedelta(days=1)) == 0  # two days before: not yet
        assert queue_due_reminders(now=now) == 1
        assert queue_due_reminders(now=now + timedelta(hours=1)) == 0  # once
        db.session.commit()
        reminded = db.session.scalars(
            select(AgendaItem.presenter_id).where(
                AgendaItem.meeting_id == meeting_id, AgendaItem.reminded_dt.is_not(None)
            )
        ).all()
        send_pending(now=now)
    assert reminded == [unfinished.id]
    assert smtp_server.to(address_of(complete)) == []
    (message,) = smtp_server.to(address_of(unfinished))
    body = message.get_body(("plain",)).get_content()
    assert message["Subject"].startswith("Erinnerung:")
    assert "ist Ihre Anmeldung noch unvollständig" in body
    assert "Die Fragestellung fehlt." in body
    assert "Die Falldarstellung fehlt." not in body
    assert f"https://fallteam.example.org/sitzungen/{meeting_id}" in body
    assert_no_case_data(decoded_text(message), pseudonym)


def test_the_cli_queues_due_reminders_before_sending(
    app, create_account, create_case, create_team, create_meeting, smtp_server
):
    # The session starts tomorrow (Berlin): the command's own clock makes the reminder due.
    _, unfinished, _, meeting_id, _ = _scene(
        app, create_account, create_case, create_team, create_meeting
    )
    tomorrow = utcnow().astimezone(BERLIN).date() + timedelta(days=1)
    with app.app_context():
        meeting = db.session.get(Meeting, meeting_id)
        length = meeting.ends_dt - meeting.starts_dt
        meeting.starts_dt = datetime.combine(tomorrow, time(9, 0), tzinfo=BERLIN)
        meeting.ends_dt = meeting.starts_dt + length
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["mail", "send-pending"])
    assert result.exit_code == 0, result.output
    assert "1 Erinnerungen vorgemerkt. 1 E-Mails versendet" in result.output
    assert len(smtp_server.to(address_of(unfinished))) == 1
    with app.app_context():
        assert db.session.scalars(select(OutgoingMail.kind)).all() == ["reminder"]
