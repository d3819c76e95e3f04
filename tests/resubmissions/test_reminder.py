"""``flask resubmissions remind`` (daily): the responsible person of a due Wiedervorlage (due
day on or before today in Berlin, still open) gets one e-mail saying how many are due and
linking to the dashboard — no topic, pseudonym, family name, team or case manager; once per
Wiedervorlage and due day (a second run sends nothing)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import select

from fallteam.auth.models import User
from fallteam.extensions import db
from fallteam.resubmissions.models import Resubmission, ResubmissionStatus
from fallteam.resubmissions.operations import queue_due_reminders
from fallteam.teams.models import Team
from tests.mail.conftest import (
    address_of,
    assert_no_case_data,
    decoded_text,
)
from tests.resubmissions.conftest import BERLIN, today

TOPIC = "Hat die Schulbegleitung für Kind 1 begonnen?"
BASE = "https://fallteam.example.org"


def add(app, setting, due, *, status=ResubmissionStatus.OPEN, responsible=None, case_id=None):
    with app.app_context():
        row = Resubmission(
            case_id=case_id or setting.case_id,
            team_id=setting.team_id,
            due=due,
            topic=TOPIC,
            status=status,
            responsible_id=(responsible or setting.colleague).id,
            created_by_id=setting.owner.id,
        )
        db.session.add(row)
        db.session.commit()
        return row.id


def remind(app):
    result = app.test_cli_runner().invoke(args=["resubmissions", "remind"])
    assert result.exit_code == 0, result.output
    return result.output


def reminded_on(app, resubmission_id) -> date | None:
    with app.app_context():
        return db.session.scalar(
            select(Resubmission.reminded_on).where(Resubmission.id == resubmission_id)
        )


@pytest.mark.settings(FALLTEAM_BASE_URL=BASE + "/")
def test_the_responsible_person_is_reminded_once_without_case_content(
    app, setting, create_case, smtp_server
):
    second_case = create_case(setting.owner)
    due_today = add(app, setting, today())
    overdue = add(app, setting, today() - timedelta(days=3), case_id=second_case.id)
    not_yet = add(app, setting, today() + timedelta(days=1))
    add(app, setting, today() - timedelta(days=1), status=ResubmissionStatus.CLOSED)
    output = remind(app)
    assert "1 Erinnerungen an fällige Wiedervorlagen vorgemerkt. 1 E-Mails versendet" in output
    assert smtp_server.to(address_of(setting.owner)) == []
    (message,) = smtp_server.to(address_of(setting.colleague))
    (envelope,) = smtp_server.envelopes
    body = message.get_body(("plain",)).get_content()
    assert "Sie haben 2 fällige Wiedervorlagen." in body
    assert f"{BASE}/wiedervorlagen" in body
    everything = decoded_text(message, envelope.original_content)
    for pseudonym in (setting.pseudonym, second_case.pseudonym):
        assert_no_case_data(everything, pseudonym)
    with app.app_context():
        team = db.session.get(Team, setting.team_id).name
        owner = db.session.get(User, setting.owner.id).display_name
    for word in (TOPIC, "Schulbegleitung", team, owner):
        assert word not in everything
    assert reminded_on(app, due_today) == today() and reminded_on(app, overdue) == today()
    assert reminded_on(app, not_yet) is None
    # the second run (the same day, or the next) sends nothing
    assert "0 Erinnerungen" in remind(app)
    assert len(smtp_server.envelopes) == 1


def test_each_responsible_person_gets_their_own_count(app, setting, create_account, smtp_server):
    add(app, setting, today())
    add(app, setting, today(), responsible=setting.owner)
    assert "2 Erinnerungen" in remind(app)
    for account in (setting.owner, setting.colleague):
        (message,) = smtp_server.to(address_of(account))
        assert "Sie haben 1 fällige Wiedervorlage." in message.get_body(("plain",)).get_content()


def test_the_due_day_is_the_day_in_berlin(app, setting):
    due = date(2027, 1, 13)
    resubmission_id = add(app, setting, due)
    # 23:30 in Berlin on the 12th (22:30 UTC): not yet due
    before = datetime.combine(date(2027, 1, 12), time(23, 30), tzinfo=BERLIN)
    # 00:30 in Berlin on the 13th, still the 12th in UTC: due
    after = datetime.combine(date(2027, 1, 13), time(0, 30), tzinfo=BERLIN)
    with app.app_context():
        assert queue_due_reminders(now=before) == 0
        assert queue_due_reminders(now=after) == 1
        assert queue_due_reminders(now=after + timedelta(hours=6)) == 0
        db.session.commit()
    assert reminded_on(app, resubmission_id) == due


def test_a_renewed_wiedervorlage_is_reminded_again_on_its_new_day(app, setting):
    first = add(app, setting, date(2027, 1, 13))
    with app.app_context():
        assert queue_due_reminders(now=datetime(2027, 1, 13, 8, tzinfo=BERLIN)) == 1
        db.session.commit()
    with app.app_context():
        old = db.session.get(Resubmission, first)
        old.status = ResubmissionStatus.RENEWED
        db.session.add(
            Resubmission(
                case_id=setting.case_id,
                team_id=setting.team_id,
                due=date(2027, 2, 3),
                topic=TOPIC,
                responsible_id=setting.colleague.id,
                created_by_id=setting.owner.id,
                renewed_from_id=first,
            )
        )
        db.session.commit()
        assert queue_due_reminders(now=datetime(2027, 1, 20, 8, tzinfo=BERLIN)) == 0
        assert queue_due_reminders(now=datetime(2027, 2, 3, 8, tzinfo=BERLIN)) == 1


def test_nobody_unreachable_is_mailed_and_their_reminder_waits(app, setting, smtp_server):
    resubmission_id = add(app, setting, today())
    with app.app_context():
        db.session.get(User, setting.colleague.id).active = False
        db.session.commit()
    assert "0 Erinnerungen" in remind(app)
    assert smtp_server.envelopes == []
    assert reminded_on(app, resubmission_id) is None
