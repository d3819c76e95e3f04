"""Once the item's Fallprotokoll is submitted or finalised, its writer is part of the record:
the moderator can no longer hand the item to somebody else (who would then write, read and
amend a protocol they did not write)."""

from __future__ import annotations

import pytest

from fallteam.auth.models import User
from fallteam.extensions import db
from fallteam.meetings.models import AgendaItem, Meeting
from fallteam.meetings.operations import MeetingError, run
from tests.protocols.conftest import act


def hand_over(app, s) -> None:
    with app.app_context():
        meeting = db.session.get(Meeting, s.meeting_id)
        item = db.session.get(AgendaItem, s.item_ids[0])
        run.assign_writer(meeting, item, db.session.get(User, s.member.id))
        db.session.commit()


def writer_of(app, s):
    with app.app_context():
        return db.session.get(AgendaItem, s.item_ids[0]).writer_id


@pytest.mark.parametrize("finalised", [False, True])
def test_the_writer_of_a_submitted_or_finalised_protocol_is_not_changed(
    app, team_session, finalised
):
    s = team_session(1)
    act(app, s.protocol_ids[0], s.writer, "submit")
    if finalised:
        act(app, s.protocol_ids[0], s.moderator, "finalise")

    with pytest.raises(MeetingError, match="eingereicht"):
        hand_over(app, s)

    assert writer_of(app, s) == s.writer.id


def test_the_writer_of_a_draft_is_still_handed_over(app, team_session):
    s = team_session(1)
    hand_over(app, s)
    assert writer_of(app, s) == s.member.id
