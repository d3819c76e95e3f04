"""A session's Teamprotokoll past its deletion date (session day plus five years) goes the
four-eyes way of a case: the run proposes it, the DPO — never the session's moderator —
confirms, the next run empties the notes and removes the addenda; the session, its
attendance and agenda stay; a certificate without the notes is written."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from fallteam.auth.models import UserRole
from fallteam.core.models import utcnow
from fallteam.extensions import db
from fallteam.meetings.models import AgendaItem, Meeting
from fallteam.meetings.rules import meeting_day
from fallteam.protocols.models import TeamProtocol, TeamProtocolAddendum
from fallteam.retention import rules
from fallteam.retention.models import (
    TeamProtocolDeletionCertificate,
    TeamProtocolDeletionProposal,
)
from tests.conftest import csrf_token, sign_in
from tests.retention.conftest import run_retention

NOTES = "Frau Kowalski kam verspätet; nächste Sitzung im Rathaus."
ADDENDUM = "Korrektur: Herr Brandt war entschuldigt."


@pytest.fixture
def kept(app, create_account, create_case, create_team, create_meeting):
    """A sealed Teamprotokoll with notes and an addendum of a session held last week; its
    moderator also holds the DPO role. Returns (meeting id, moderator, deletion date)."""
    owner = create_account(["fachkraft"])
    moderator = create_account(["member"])
    case = create_case(owner)
    team_id, _ = create_team([(moderator, "permanent")])
    with app.app_context():
        # later the moderator became the DPO (a team admits no DPO as a member)
        db.session.add(UserRole(user_id=moderator.id, role="dpo"))
        db.session.commit()
    session = create_meeting(team_id, case, moderator=moderator)
    with app.app_context():
        meeting = db.session.get(Meeting, session.meeting_id)
        meeting.starts_dt = (utcnow() - timedelta(days=7)).replace(microsecond=0)
        meeting.ends_dt = meeting.starts_dt + timedelta(hours=3)
        record = TeamProtocol(
            meeting_id=session.meeting_id,
            notes=NOTES,
            status="finalised",
            content_hash="0" * 64,
            finalised_by_id=moderator.id,
            finalised_dt=utcnow(),
        )
        db.session.add(record)
        db.session.flush()
        db.session.add(
            TeamProtocolAddendum(
                team_protocol_id=record.id, text=ADDENDUM, reason="Versehen", author_id=moderator.id
            )
        )
        db.session.commit()
        due = rules.team_protocol_deletion_date(
            meeting_day(db.session.get(Meeting, session.meeting_id))
        )
    return session.meeting_id, moderator, due


def _proposals(app, meeting_id: uuid.UUID) -> list[str]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(TeamProtocolDeletionProposal.status).where(
                    TeamProtocolDeletionProposal.meeting_id == meeting_id
                )
            )
        )


def _proposal_id(app, meeting_id: uuid.UUID) -> uuid.UUID:
    with app.app_context():
        return db.session.scalar(
            select(TeamProtocolDeletionProposal.id).where(
                TeamProtocolDeletionProposal.meeting_id == meeting_id
            )
        )


def _confirm(client, proposal_id):
    return client.post(
        f"/datenschutz/loeschungen/teamprotokolle/{proposal_id}/bestaetigen",
        data={"csrf_token": csrf_token(client)},
    )


def test_the_run_proposes_a_teamprotokoll_on_its_deletion_date_not_the_day_before(
    app, kept, monkeypatch
):
    meeting_id, _moderator, due = kept
    monkeypatch.setattr(rules, "today", lambda: due - timedelta(days=1))
    before = run_retention(app)
    assert before.exit_code == 0, before.output
    assert _proposals(app, meeting_id) == []

    monkeypatch.setattr(rules, "today", lambda: due)
    on_the_day = run_retention(app)
    assert on_the_day.exit_code == 0, on_the_day.output
    assert "zur Löschung vorgeschlagen: Teamprotokoll" in on_the_day.output
    assert run_retention(app).exit_code == 0
    assert _proposals(app, meeting_id) == ["proposed"]


def test_a_dry_run_names_the_teamprotokoll_and_writes_nothing(app, kept, monkeypatch):
    meeting_id, _moderator, due = kept
    monkeypatch.setattr(rules, "today", lambda: due)
    with app.app_context():
        tables = (TeamProtocolDeletionProposal, TeamProtocolDeletionCertificate)
        counts = [db.session.scalar(select(func.count()).select_from(t)) for t in tables]
    dry = run_retention(app, "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "würde zur Löschung vorschlagen: Teamprotokoll" in dry.output
    with app.app_context():
        assert [db.session.scalar(select(func.count()).select_from(t)) for t in tables] == counts
        assert (
            db.session.scalar(
                select(TeamProtocol.notes).where(TeamProtocol.meeting_id == meeting_id)
            )
            == NOTES
        )
    assert _proposals(app, meeting_id) == []


def test_the_moderator_of_the_session_cannot_confirm_its_deletion_even_as_dpo(
    app, kept, monkeypatch
):
    meeting_id, moderator, due = kept
    monkeypatch.setattr(rules, "today", lambda: due)
    assert run_retention(app).exit_code == 0
    proposal_id = _proposal_id(app, meeting_id)
    client = app.test_client()
    sign_in(client, app, moderator)
    assert _confirm(client, proposal_id).status_code == 403
    rejected = client.post(
        f"/datenschutz/loeschungen/teamprotokolle/{proposal_id}/ablehnen",
        data={"csrf_token": csrf_token(client), "reason": "länger aufbewahren"},
    )
    assert rejected.status_code == 403
    assert _proposals(app, meeting_id) == ["proposed"]


def test_confirmed_by_the_dpo_the_next_run_deletes_the_notes_and_certifies_it(
    app, kept, monkeypatch, signed_in
):
    meeting_id, _moderator, due = kept
    monkeypatch.setattr(rules, "today", lambda: due + timedelta(days=3))
    assert run_retention(app).exit_code == 0
    proposal_id = _proposal_id(app, meeting_id)
    client, dpo = signed_in(["dpo"])
    page = client.get("/datenschutz/loeschungen")
    assert page.status_code == 200 and str(proposal_id) in page.get_data(as_text=True)
    assert _confirm(client, proposal_id).status_code == 302
    assert _proposals(app, meeting_id) == ["confirmed"]

    deleted = run_retention(app)
    assert deleted.exit_code == 0, deleted.output
    assert "gelöscht: Teamprotokoll" in deleted.output
    assert _proposals(app, meeting_id) == ["done"]
    with app.app_context():
        record = db.session.scalar(
            select(TeamProtocol).where(TeamProtocol.meeting_id == meeting_id)
        )
        assert record.notes == "" and record.deleted_dt is not None
        assert (
            db.session.scalar(
                select(func.count())
                .select_from(TeamProtocolAddendum)
                .where(TeamProtocolAddendum.team_protocol_id == record.id)
            )
            == 0
        )
        # the session and its agenda stay: they belong to the cases
        assert db.session.get(Meeting, meeting_id) is not None
        assert db.session.scalar(
            select(func.count()).select_from(AgendaItem).where(AgendaItem.meeting_id == meeting_id)
        )
        certificate = db.session.scalar(
            select(TeamProtocolDeletionCertificate).where(
                TeamProtocolDeletionCertificate.meeting_id == meeting_id
            )
        )
        assert certificate.confirmed_by_id == dpo.id
        assert certificate.deletion_due_on == due
        assert certificate.rows_removed == {"team_protocol_addenda": 1}
        certificate_id = certificate.id
        certificate_text = " ".join(str(v) for v in vars(certificate).values())
        from fallteam.audit.models import AuditEvent

        events = list(
            db.session.scalars(select(AuditEvent).where(AuditEvent.object_id == str(record.id)))
        )
        log = " ".join(f"{e.purpose} {e.details}" for e in events)
    assert {e.case_pseudonym for e in events} == {None}
    assert "Löschung nach Ablauf der Löschfrist" in log
    shown = client.get(f"/datenschutz/loeschungen/teamprotokolle/nachweise/{certificate_id}")
    assert shown.status_code == 200
    for text in (certificate_text, shown.get_data(as_text=True), log):
        assert NOTES not in text and ADDENDUM not in text

    verified = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert verified.exit_code == 0, verified.output
    # nothing is proposed again
    assert run_retention(app).exit_code == 0
    assert _proposals(app, meeting_id) == ["done"]
