"""A session is run on its day: before the session day the run view and the clock refuse,
with a German message, and nothing is recorded."""

from __future__ import annotations

from fallteam.extensions import db
from fallteam.meetings.models import AgendaItem
from tests.conftest import csrf_token
from tests.meetings.test_agenda_page import build_meeting, client_of


def test_the_run_view_and_the_clock_refuse_before_the_session_day(
    app, create_account, create_case, create_team, create_meeting
):
    s = build_meeting(app, create_account, create_case, create_team, create_meeting)
    client = client_of(app, s.moderator)  # the session is a week ahead
    page = client.get(f"/sitzungen/{s.meeting_id}/ablauf", follow_redirects=True)
    assert "erst am Sitzungstag" in page.get_data(as_text=True)
    assert page.request.path == f"/sitzungen/{s.meeting_id}"
    started = client.post(
        f"/sitzungen/{s.meeting_id}/tagesordnung/{s.item_ids[0]}/uhr",
        data={"action": "start", "csrf_token": csrf_token(client)},
        follow_redirects=True,
    )
    assert "erst am Sitzungstag" in started.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(AgendaItem, s.item_ids[0]).clock_started_dt is None
