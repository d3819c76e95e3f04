"""Who reads what in the Teamprotokoll: the pledge comes first, a Wiedervorlage's topic is
shown only to whom may read the Fallprotokoll it was agreed in (and the read is recorded),
and a refused change that shows the page leaves its reads in the audit log."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from fallteam.audit.models import AuditAction, AuditEvent
from fallteam.auth.models import User
from fallteam.extensions import db
from fallteam.meetings.models import AgendaItem, ItemAttendance, Presence
from fallteam.protocols.models import CaseProtocol
from fallteam.resubmissions.operations import agree_in_protocol
from fallteam.teams.models import TeamMember
from tests.protocols.test_team_protocol import submit_all, url

pytestmark = pytest.mark.settings(WTF_CSRF_ENABLED=False)

TOPIC = "Hat die Schulbegleitung für Kind 1 begonnen?"


def agree_on_first_item(app, s) -> None:
    with app.app_context():
        owner = db.session.get(User, s.owner.id)
        agree_in_protocol(
            db.session.get(CaseProtocol, s.protocol_ids[0]),
            date.today() + timedelta(days=14),
            TOPIC,
            owner,
            owner,
        )
        db.session.commit()


def team_reads(app, account) -> list[AuditEvent]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(AuditEvent).where(
                    AuditEvent.actor_id == account.id, AuditEvent.action == AuditAction.READ
                )
            )
        )


def test_a_temporary_member_who_has_not_confirmed_the_pledge_is_sent_to_it_first(
    app, team_session, client_of, create_account
):
    s = team_session(2)
    agree_on_first_item(app, s)
    newcomer = create_account(["member"], pledged=False)
    with app.app_context():
        item = db.session.get(AgendaItem, s.item_ids[0])
        db.session.add(
            TeamMember(team_id=item.meeting.team_id, user_id=newcomer.id, kind="temporary")
        )
        item.attendance.append(
            ItemAttendance(item_id=item.id, user_id=newcomer.id, presence=Presence.PRESENT)
        )
        db.session.commit()

    answer = client_of(newcomer).get(url(s))

    assert answer.status_code == 302
    assert answer.headers["Location"].startswith("/verschwiegenheit")
    assert TOPIC not in answer.get_data(as_text=True)


def test_a_member_absent_for_the_item_sees_the_wiedervorlage_but_not_its_topic(
    app, team_session, client_of
):
    s = team_session(2)
    agree_on_first_item(app, s)
    with app.app_context():  # the absent member came for the second item only
        item = db.session.get(AgendaItem, s.item_ids[1])
        next(a for a in item.attendance if a.user_id == s.absent.id).presence = Presence.PRESENT
        db.session.commit()
    assert client_of(s.absent).get(f"/protokolle/{s.protocol_ids[0]}").status_code == 403

    page = client_of(s.absent).get(url(s))

    assert page.status_code == 200
    listed = page.get_data(as_text=True).split('data-testid="agreed-resubmissions"')[1]
    assert s.pseudonyms[0] in listed
    assert TOPIC not in page.get_data(as_text=True)
    assert not any(
        "topic" in json.loads(e.details).get("fields", []) for e in team_reads(app, s.absent)
    )


def test_who_may_read_the_fallprotokoll_sees_the_topic_and_its_read_is_recorded(
    app, team_session, client_of
):
    s = team_session(2)
    agree_on_first_item(app, s)
    for account in (s.member, s.moderator):
        before = len(team_reads(app, account))
        page = client_of(account).get(url(s))
        assert TOPIC in page.get_data(as_text=True)
        reads = team_reads(app, account)[before:]
        assert any("topic" in json.loads(e.details).get("fields", []) for e in reads)


def test_a_refused_finalise_still_leaves_the_reads_of_the_page_it_shows(
    app, team_session, client_of
):
    s = team_session(2)
    submit_all(app, s, skip={1})
    before = len(team_reads(app, s.moderator))

    refused = client_of(s.moderator).post(url(s, "/abschliessen"))

    assert refused.status_code == 409
    assert s.pseudonyms[0] in refused.get_data(as_text=True)
    assert len(team_reads(app, s.moderator)) > before


def test_the_page_sends_as_many_statements_with_six_wiedervorlagen_as_with_two(
    app, team_session, client_of, count_statements
):
    counts = []
    for n in (2, 6):
        s = team_session(n)
        with app.app_context():
            owner = db.session.get(User, s.owner.id)
            for protocol_id in s.protocol_ids:
                agree_in_protocol(
                    db.session.get(CaseProtocol, protocol_id),
                    date.today() + timedelta(days=14),
                    TOPIC,
                    owner,
                    owner,
                )
            db.session.commit()
        client = client_of(s.member)
        client.get(url(s))
        with count_statements() as sent:
            page = client.get(url(s))
        assert page.get_data(as_text=True).count(TOPIC) == n
        counts.append(len(sent.sent))
    assert counts[0] == counts[1]
