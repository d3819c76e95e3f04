"""Deleting a case does not break the seal of a finalised Teamprotokoll in which a
Wiedervorlage of the case was agreed: the seal covers the SHA-256 of the topic, which the
emptied Wiedervorlage keeps; the session's pages still open."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from fallteam.auth.models import User
from fallteam.cases.models import Case
from fallteam.extensions import db
from fallteam.meetings.models import Meeting
from fallteam.protocols import operations as protocols
from fallteam.protocols import queries as protocol_queries
from fallteam.protocols.models import CaseProtocol
from fallteam.resubmissions.models import Resubmission
from fallteam.retention import operations
from tests.conftest import sign_in
from tests.retention.conftest import close
from tests.retention.test_restricted_lists import TOPIC, agree


def _seal_matches(app, scene) -> bool:
    with app.test_request_context():
        moderator = db.session.get(User, scene.moderator.id)
        meeting = db.session.get(Meeting, scene.meeting_id)
        matches = protocol_queries.team_protocol_for_reading(meeting, moderator).hash_matches
        db.session.rollback()
        return matches


def test_the_teamprotokoll_seal_still_matches_after_the_case_is_deleted(app, scene, dpo, today):
    agree(app, scene, scene.member.id)
    with app.test_request_context():
        moderator = db.session.get(User, scene.moderator.id)
        protocols.submit(db.session.get(CaseProtocol, scene.protocol_id), moderator)
        protocols.finalise_session(db.session.get(Meeting, scene.meeting_id), moderator)
        db.session.commit()
    assert _seal_matches(app, scene)
    with app.app_context():
        db.session.get(Case, scene.case.id).category = "sonstige"  # five years after closing
        db.session.commit()
    close(app, scene.case.id, today - timedelta(days=6 * 366))
    with app.app_context():
        [proposal] = operations.propose_deletions(today)
        operations.confirm_proposal(proposal, actor=db.session.get(User, dpo.id))
        operations.delete_case(proposal)
        db.session.commit()
        assert db.session.get(Case, scene.case.id).deleted_dt is not None
        [tombstone] = db.session.scalars(
            select(Resubmission).where(Resubmission.case_id == scene.case.id)
        ).all()
        assert tombstone.topic is None and tombstone.status == "closed"
    assert _seal_matches(app, scene)
    client = app.test_client()
    sign_in(client, app, scene.moderator)
    page = client.get(f"/sitzungen/{scene.meeting_id}/teamprotokoll")
    assert page.status_code == 200 and TOPIC not in page.get_data(as_text=True)
    assert client.get(f"/sitzungen/{scene.meeting_id}").status_code == 200
