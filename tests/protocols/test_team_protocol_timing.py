"""A session is sealed with its Teamprotokoll only once it has taken place and no item's
clock runs; and a cancelled session's cases never move into a sealed session."""

from __future__ import annotations

from datetime import timedelta

import pytest

from fallteam.auth.models import User
from fallteam.core.models import utcnow
from fallteam.extensions import db
from fallteam.meetings.models import AgendaItem, Meeting
from fallteam.meetings.operations import schedule
from fallteam.protocols import operations
from fallteam.protocols.models import ProtocolStatus, TeamProtocol
from tests.meetings.test_run_view import on_its_day
from tests.protocols.conftest import act, stored
from tests.protocols.test_team_protocol import TEXTS, team_record, url

pytestmark = pytest.mark.settings(WTF_CSRF_ENABLED=False)


def submitted(app, s) -> None:
    for protocol_id in s.protocol_ids:
        act(app, protocol_id, s.writer, "save_draft", TEXTS, 1)
        act(app, protocol_id, s.writer, "submit")


def test_a_session_that_has_not_begun_is_not_sealed(app, team_session, client_of):
    s = team_session(2)  # a week ahead
    submitted(app, s)

    answer = client_of(s.moderator).post(url(s, "/abschliessen"))

    assert answer.status_code == 409
    assert "noch nicht begonnen" in answer.get_data(as_text=True)
    assert [stored(app, p).status for p in s.protocol_ids] == ["submitted", "submitted"]
    assert team_record(app, s) is None or team_record(app, s).status == "draft"


def test_a_session_whose_clock_runs_is_not_sealed(app, team_session, client_of):
    s = team_session(2)
    on_its_day(app, s.meeting_id)
    submitted(app, s)
    with app.app_context():
        db.session.get(AgendaItem, s.item_ids[1]).clock_started_dt = utcnow()
        db.session.commit()

    answer = client_of(s.moderator).post(url(s, "/abschliessen"))

    assert answer.status_code == 409
    message = answer.get_data(as_text=True).split('data-testid="refused"')[1].split("</p>")[0]
    assert "Uhr" in message and f"TOP 2 ({s.pseudonyms[1]})" in message
    assert [stored(app, p).status for p in s.protocol_ids] == ["submitted", "submitted"]


def test_a_cancelled_sessions_cases_skip_a_sealed_session(
    app, create_account, create_case, create_team, create_meeting
):
    owner = create_account(["fachkraft"])
    moderator = create_account(["member"])
    team_id, _ = create_team([(moderator, "permanent")])
    cancelled = create_meeting(team_id, create_case(owner), moderator=moderator)
    now = utcnow().replace(microsecond=0)
    sealed = create_meeting(
        team_id, create_case(owner), moderator=moderator, starts=now + timedelta(days=14)
    )
    open_one = create_meeting(
        team_id, create_case(owner), moderator=moderator, starts=now + timedelta(days=21)
    )
    with app.app_context():
        # a session sealed out of turn (before this rule): nothing may move into it
        db.session.add(
            TeamProtocol(
                meeting_id=sealed.meeting_id,
                status=ProtocolStatus.FINALISED,
                content_hash="0" * 64,
                finalised_by_id=moderator.id,
                finalised_dt=now,
            )
        )
        db.session.commit()
        target = schedule.cancel_meeting(
            db.session.get(Meeting, cancelled.meeting_id), reason="staff"
        )
        db.session.commit()
        assert target.id == open_one.meeting_id
        assert db.session.get(AgendaItem, cancelled.item_id).meeting_id == open_one.meeting_id


def test_the_operation_refuses_too(app, team_session):
    s = team_session(1)
    submitted(app, s)
    with app.app_context():
        with pytest.raises(operations.ProtocolError, match="noch nicht begonnen"):
            operations.finalise_session(
                db.session.get(Meeting, s.meeting_id), db.session.get(User, s.moderator.id)
            )


def test_a_single_minute_reads_as_one_minute(app, team_session, client_of):
    s = team_session(1)
    with app.app_context():
        db.session.get(AgendaItem, s.item_ids[0]).elapsed_seconds = 45
        db.session.commit()

    html = client_of(s.moderator).get(url(s)).get_data(as_text=True)

    actual = html.split('data-testid="actual">')[1].split("</dd>")[0]
    assert actual == "1 Minute"
    assert "1 Minuten" not in html
