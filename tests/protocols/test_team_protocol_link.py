"""The session page links to the Teamprotokoll for whoever may read it: the moderator (after
the session day too) and the members who were there; never for a member who was absent."""

from __future__ import annotations

from tests.protocols.conftest import move_to_the_past

LINK = 'data-testid="team-protocol-link"'


def page(client, s) -> str:
    return client.get(f"/sitzungen/{s.meeting_id}").get_data(as_text=True)


def test_the_link_is_shown_to_those_present_and_the_moderator_after_the_day(
    app, team_session, client_of
):
    s = team_session(1)
    move_to_the_past(app, s.meeting_id, days=3)

    for account in (s.member, s.writer, s.moderator):
        assert LINK in page(client_of(account), s)
        assert client_of(account).get(f"/sitzungen/{s.meeting_id}/teamprotokoll").status_code == 200


def test_no_link_for_a_member_who_was_absent(app, team_session, client_of):
    s = team_session(1)
    move_to_the_past(app, s.meeting_id, days=3)
    answer = client_of(s.absent).get(f"/sitzungen/{s.meeting_id}")
    assert answer.status_code == 200
    assert LINK not in answer.get_data(as_text=True)
