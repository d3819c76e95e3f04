"""The queue: a mail server that is down delays mail and nothing else; retries back off;
after the last attempt a mail is failed, with the server's answer but no content; the queue
table holds no plaintext; nothing is sent inside a web request."""

from __future__ import annotations

import email
import email.policy
from datetime import timedelta

import pytest
from sqlalchemy import select, text

from fallteam.core.models import utcnow
from fallteam.extensions import db
from fallteam.mail import operations
from fallteam.mail.models import MailStatus, OutgoingMail
from fallteam.mail.operations import queue_mail, retry_delay, send_pending
from tests.conftest import csrf_token, sign_in

SUBJECT = "Geheimer Betreff Krautwurst"
ADDRESS = "empfaengerin.krautwurst@example.org"


def _queue(app, to=ADDRESS) -> object:
    with app.app_context():
        mail = queue_mail(kind="reminder", to=to, subject=SUBJECT, body="Text Sabine")
        db.session.commit()
        return mail.id


def _mail(app, mail_id) -> OutgoingMail:
    with app.app_context():
        mail = db.session.get(OutgoingMail, mail_id)
        db.session.expunge(mail)
        return mail


def test_a_down_mail_server_leaves_the_mail_pending_for_a_later_attempt(app, smtp_down):
    mail_id = _queue(app)
    now = utcnow()
    with app.app_context():
        report = send_pending(now=now)
    mail = _mail(app, mail_id)
    assert (report.sent, report.retried, report.failed) == (0, 1, 0)
    assert mail.status == MailStatus.PENDING and mail.attempts == 1
    assert mail.next_attempt_dt == now + timedelta(minutes=1)
    assert mail.last_error.startswith("ConnectionRefusedError")
    assert ADDRESS not in mail.last_error


def test_pages_work_while_the_mail_server_is_down(app, smtp_down, signed_in):
    _queue(app)
    client, _ = signed_in(["admin"])
    assert client.get("/konto").status_code == 200
    with app.app_context():
        send_pending()
    assert client.get("/konto").status_code == 200


def test_a_request_that_queues_mail_does_not_wait_for_the_server(
    app, smtp_down, create_account, create_team
):
    from datetime import date

    from fallteam.meetings.operations import schedule as meetings
    from fallteam.teams.models import Team

    admin, member = create_account(["admin"]), create_account(["member"])
    team_id, _ = create_team([(member, "permanent")])
    with app.app_context():
        team = db.session.get(Team, team_id)
        # four weeks of sessions (the sample team's rhythm starts on 6 January 2027)
        start = max(utcnow().date() + timedelta(days=1), date(2027, 1, 6))
        meetings.generate_meetings(team, start=start, until=start + timedelta(days=27))
        meetings.plan_moderation(team, now=utcnow())
        db.session.commit()
    client = app.test_client()
    sign_in(client, app, admin)
    response = client.post(
        f"/fallteams/{team_id}/moderationsplan/veroeffentlichen",
        data={"csrf_token": csrf_token(client)},
    )
    assert response.status_code == 302
    with app.app_context():
        plan = db.session.scalars(select(OutgoingMail).where(OutgoingMail.kind == "plan")).all()
        assert len(plan) == 1 and plan[0].status == MailStatus.PENDING and plan[0].attempts == 0
        assert plan[0].recipient_id == member.id
        dates = [line for line in plan[0].body.splitlines() if line.startswith("- ")]
        assert len(dates) == 4  # the four sessions the only member moderates


def test_retries_back_off_and_the_last_attempt_fails_the_mail(app, smtp_down):
    app.config["MAIL_MAX_ATTEMPTS"], saved = 5, app.config["MAIL_MAX_ATTEMPTS"]
    try:
        mail_id = _queue(app)
        now, pauses = utcnow(), []
        for _ in range(5):
            with app.app_context():
                report = send_pending(now=now)
            mail = _mail(app, mail_id)
            if mail.status == MailStatus.PENDING:
                pauses.append(mail.next_attempt_dt - now)
                now = mail.next_attempt_dt
        assert [p.total_seconds() / 60 for p in pauses] == [1, 2, 4, 8]
        assert mail.status == MailStatus.FAILED and mail.attempts == 5
        assert report.failed == 1 and report.failures[0].final
        with app.app_context():
            assert send_pending(now=now + timedelta(days=1)).sent == 0  # it stays failed
    finally:
        app.config["MAIL_MAX_ATTEMPTS"] = saved


def test_a_down_server_costs_one_attempt_per_run_not_one_per_mail(app, smtp_down):
    ids = [_queue(app, to=f"person{n}@example.org") for n in range(3)]
    with app.app_context():
        report = send_pending()
    assert (report.sent, report.retried) == (0, 1)
    assert sorted(_mail(app, i).attempts for i in ids) == [0, 0, 1]


def test_the_pause_grows_to_at_most_four_hours():
    assert [retry_delay(n) for n in (1, 2, 3)] == [timedelta(minutes=m) for m in (1, 2, 4)]
    assert retry_delay(9) == retry_delay(30) == timedelta(hours=4)


def test_a_refused_recipient_fails_at_once_without_the_address_in_the_error(app, smtp_server):
    smtp_server.refuse.add(ADDRESS)
    mail_id = _queue(app)
    ok_id = _queue(app, to="kollegin@example.org")
    with app.app_context():
        report = send_pending()
    mail = _mail(app, mail_id)
    assert mail.status == MailStatus.FAILED and mail.attempts == 1
    assert mail.last_error.startswith("SMTPRecipientsRefused: 550")
    assert "krautwurst" not in mail.last_error.lower()
    assert _mail(app, ok_id).status == MailStatus.SENT
    assert (report.sent, report.failed) == (1, 1)


def test_a_sent_mail_is_not_sent_again(app, smtp_server):
    mail_id = _queue(app)
    with app.app_context():
        assert send_pending().sent == 1
        assert send_pending().sent == 0
    mail = _mail(app, mail_id)
    assert mail.status == MailStatus.SENT and mail.sent_dt is not None
    assert len(smtp_server.envelopes) == 1
    message = email.message_from_bytes(
        smtp_server.envelopes[0].original_content, policy=email.policy.default
    )
    assert message["Subject"] == SUBJECT and message["Auto-Submitted"] == "auto-generated"


def test_the_queue_table_holds_no_plaintext_address_subject_or_text(app):
    _queue(app)
    with app.app_context():
        rows = db.session.execute(text("SELECT * FROM outgoing_mails")).all()
    dump = b"".join(
        bytes(v) if isinstance(v, bytes | memoryview) else str(v).encode() for r in rows for v in r
    )
    assert rows
    for secret in (ADDRESS, SUBJECT, "Krautwurst", "Sabine", "empfaengerin"):
        assert secret.encode() not in dump


def test_mail_is_never_sent_inside_a_web_request(app):
    with app.test_request_context("/"), pytest.raises(RuntimeError):
        send_pending()


def test_the_moderator_sees_the_sessions_waiting_and_failed_mails(app, scene, smtp_down):
    from fallteam.meetings.models import Meeting
    from fallteam.meetings.operations.invitations import send_invitation

    with app.app_context():
        meeting = db.session.get(Meeting, scene.meeting_id)
        send_invitation(meeting, now=utcnow())
        db.session.commit()
        send_pending()
        waiting = operations.mails_for_meeting(db.session.get(Meeting, scene.meeting_id))
    assert len(waiting) == 4 and all(m.status == MailStatus.PENDING for m in waiting)
    assert [m.last_error.split(":")[0] for m in waiting if m.last_error] == [
        "ConnectionRefusedError"
    ]
