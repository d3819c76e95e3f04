"""Every route answers every role and method exactly as the route table says."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from flask import url_for

from fallteam import access
from fallteam.core.models import utcnow
from tests.access.route_table import EXPECTED, FORBIDDEN, OK, PRINCIPAL_ROLES, SIGN_IN
from tests.conftest import GESUNDHEITSAMT, sign_in
from tests.core.test_security_headers import assert_security_headers

CASES = [
    (endpoint, method, principal, outcome)
    for endpoint, methods in sorted(EXPECTED.items())
    for method, principals in sorted(methods.items())
    for principal, outcome in principals.items()
]

IGNORED_METHODS = {"HEAD", "OPTIONS"}


def test_every_route_and_method_is_in_the_table(app):
    served = {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        for method in rule.methods - IGNORED_METHODS
    }
    listed = {(endpoint, method) for endpoint, methods in EXPECTED.items() for method in methods}
    assert served - listed == set(), "routes missing from tests/access/route_table.py"
    assert listed - served == set(), "table lists routes the application does not serve"


def test_every_role_of_the_policy_is_a_principal_of_the_table(app):
    with app.app_context():
        assert set(access.role_names()) == {r for roles in PRINCIPAL_ROLES.values() for r in roles}


def _sample_values(
    target: uuid.UUID, case, team, session, feed_token: str, institution: uuid.UUID
) -> dict:
    team_id, team_members = team
    return {
        # agenda and session sample values
        "meeting_id": session.meeting_id,
        "item_id": session.item_id,
        "guest_id": session.guest_ids[0],
        "document_id": session.document_id,
        # mail and calendar feed sample values
        "token": feed_token,
        "team_id": team_id,
        "member_id": team_members[0],
        "user_id": target,
        "filename": "css/app.css",
        "case_id": case.id,
        "pseudonym": case.pseudonym,
        "relation_id": case.relation_id,
        "resource_id": case.resource_id,
        "participant_id": case.participant_ids[0],
        "consent_id": case.consent_id,
        "institution_id": institution,
    }


def _resubmission(app, case, team_id: uuid.UUID, owner_id: uuid.UUID) -> uuid.UUID:
    """An open Wiedervorlage of the sample case to the sample team."""
    from datetime import date

    from fallteam.extensions import db
    from fallteam.resubmissions.models import Resubmission

    with app.app_context():
        resubmission = Resubmission(
            case_id=case.id,
            team_id=team_id,
            due=date(2099, 1, 7),
            topic="Hilfeplan prüfen",
            responsible_id=owner_id,
            created_by_id=owner_id,
        )
        db.session.add(resubmission)
        db.session.commit()
        return resubmission.id


def _topic(app, meeting_id: uuid.UUID, registered_by_id: uuid.UUID) -> uuid.UUID:
    """A topic without a case on the sample session, registered by ``registered_by_id``."""
    from fallteam.extensions import db
    from fallteam.meetings.models import AgendaTopic

    with app.app_context():
        topic = AgendaTopic(
            meeting_id=meeting_id,
            registered_by_id=registered_by_id,
            title="Neue Kooperationsvereinbarung",
        )
        db.session.add(topic)
        db.session.commit()
        return topic.id


#: the state the sample protocol needs for the action to be possible at all
PROTOCOL_STATUS = {
    "protocols.finalise_protocol": "submitted",
    "protocols.add_addendum": "finalised",
    "protocols.excerpt": "finalised",
    # finalising the session needs every Fallprotokoll handed in
    "protocols.finalise_team_protocol": "submitted",
}


#: the actions that need the sample session to have begun (it is planned a week ahead)
SESSION_BEGUN = {"protocols.finalise_team_protocol"}


def _begin(app, meeting_id: uuid.UUID) -> None:
    """The sample session began an hour ago (same length)."""
    from fallteam.extensions import db
    from fallteam.meetings.models import Meeting

    with app.app_context():
        meeting = db.session.get(Meeting, meeting_id)
        length = meeting.ends_dt - meeting.starts_dt
        meeting.starts_dt = (utcnow() - timedelta(hours=1)).replace(microsecond=0)
        meeting.ends_dt = meeting.starts_dt + length
        db.session.commit()


def _protocol(app, item_id: uuid.UUID, writer_id: uuid.UUID, endpoint: str) -> uuid.UUID:
    """The sample item's Fallprotokoll, written by ``writer_id``, in the state the endpoint
    acts on (a draft unless ``PROTOCOL_STATUS`` says otherwise)."""
    from fallteam.extensions import db
    from fallteam.meetings.models import AgendaItem
    from fallteam.protocols.models import CaseProtocol

    with app.app_context():
        item = db.session.get(AgendaItem, item_id)
        item.writer_id = writer_id
        protocol = CaseProtocol(
            item_id=item.id,
            case_id=item.case_id,
            writer_id=writer_id,
            status=PROTOCOL_STATUS.get(endpoint, "draft"),
            version=1,
            sections={},
        )
        db.session.add(protocol)
        db.session.commit()
        return protocol.id


def _deletion_records(app, case) -> tuple[uuid.UUID, uuid.UUID]:
    """A deletion proposal of the sample case (open) and a certificate of another (a
    certificate names only pseudonym, class and dates)."""
    from datetime import date

    from fallteam.extensions import db
    from fallteam.retention.models import DeletionCertificate, DeletionProposal

    with app.app_context():
        proposal = DeletionProposal(
            case_id=case.id,
            case_pseudonym=case.pseudonym,
            retention_class="hilfen_9b",
            deletion_due_on=date(2020, 1, 1),
            proposed_by="flask retention run",
            status="proposed",
        )
        done = DeletionProposal(
            case_id=case.id,
            case_pseudonym=case.pseudonym,
            retention_class="hilfen_9b",
            deletion_due_on=date(2020, 1, 1),
            proposed_by="flask retention run",
            status="done",
        )
        db.session.add_all([proposal, done])
        db.session.flush()
        now = utcnow()
        certificate = DeletionCertificate(
            proposal_id=done.id,
            case_id=case.id,
            case_pseudonym=case.pseudonym,
            retention_class="hilfen_9b",
            class_label="Fallakte",
            legal_basis="§ 9b SGB VIII",
            deletion_due_on=date(2020, 1, 1),
            proposed_dt=now,
            proposed_by="flask retention run",
            confirmed_by_name="Test",
            confirmed_dt=now,
            executed_dt=now,
            keys_destroyed=1,
            rows_removed={},
            rows_kept={},
        )
        db.session.add(certificate)
        db.session.commit()
        return proposal.id, certificate.id


def _team_protocol_deletion_records(app, meeting_id) -> tuple[uuid.UUID, uuid.UUID]:
    """An open deletion proposal of the sample session's Teamprotokoll and a certificate."""
    from datetime import date

    from fallteam.extensions import db
    from fallteam.protocols.models import TeamProtocol
    from fallteam.retention.models import (
        TeamProtocolDeletionCertificate,
        TeamProtocolDeletionProposal,
    )

    with app.app_context():
        record = TeamProtocol(meeting_id=meeting_id, notes="", status="draft")
        db.session.add(record)
        db.session.flush()
        fields = {
            "team_protocol_id": record.id,
            "meeting_id": meeting_id,
            "session_day": date(2015, 1, 1),
            "retention_class": "teamprotokoll",
            "deletion_due_on": date(2020, 1, 1),
            "proposed_by": "flask retention run",
        }
        proposal = TeamProtocolDeletionProposal(status="proposed", **fields)
        done = TeamProtocolDeletionProposal(status="done", **fields)
        db.session.add_all([proposal, done])
        db.session.flush()
        now = utcnow()
        certificate = TeamProtocolDeletionCertificate(
            proposal_id=done.id,
            meeting_id=meeting_id,
            session_day=date(2015, 1, 1),
            team_name="Team",
            retention_class="teamprotokoll",
            class_label="Teamprotokoll",
            legal_basis="§ 84 Abs. 2 SGB X",
            deletion_due_on=date(2020, 1, 1),
            proposed_dt=now,
            proposed_by="flask retention run",
            confirmed_by_name="Test",
            confirmed_dt=now,
            executed_dt=now,
            rows_removed={},
            rows_kept={},
        )
        db.session.add(certificate)
        db.session.commit()
        return proposal.id, certificate.id


def _feed_token(app, user_id: uuid.UUID) -> str:
    """A valid calendar feed token of ``user_id`` (the feed URL is a capability)."""
    from fallteam.auth.models import User
    from fallteam.extensions import db
    from fallteam.mail.feeds import create_feed

    with app.app_context():
        token = create_feed(db.session.get(User, user_id))
        db.session.commit()
    return token


def _classify(response) -> str:
    if response.status_code == 403:
        return FORBIDDEN
    if response.status_code in (301, 302, 303, 307, 308):
        location = response.headers["Location"]
        return SIGN_IN if location.split("?")[0].endswith("/anmelden") else OK
    if 200 <= response.status_code < 300:
        return OK
    return f"unexpected status {response.status_code}"


@pytest.mark.settings(WTF_CSRF_ENABLED=False)
@pytest.mark.parametrize(
    ("endpoint", "method", "principal", "expected"),
    CASES,
    ids=[f"{e}-{m}-{p}" for e, m, p, _ in CASES],
)
def test_route_answers_as_the_table_says(
    app,
    create_account,
    create_case,
    create_team,
    create_meeting,
    institution_id,
    endpoint,
    method,
    principal,
    expected,
):
    target = create_account(["member"])
    client = app.test_client()
    account = create_account(PRINCIPAL_ROLES[principal]) if principal != "anonymous" else None
    owner = account if principal == "fachkraft" else create_account(["fachkraft"])
    participants = [(account, principal)] if principal in ("member", "guest") else []
    guest_of_record = create_account(["guest"])
    case = create_case(
        owner,
        participants=participants + [(guest_of_record, "guest")],
        consent={"recipients": [{"type": "participant_kind", "value": "guest"}]},
    )
    team_member = account if principal == "member" else create_account(["member"])
    team = create_team([(team_member, "permanent")])
    item_guest = account if principal == "guest" else create_account(["guest"])
    session = create_meeting(team[0], case, moderator=team_member, guests=[item_guest])
    if endpoint in SESSION_BEGUN:
        _begin(app, session.meeting_id)
    if account is not None:
        sign_in(client, app, account)
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    values = _sample_values(
        target.id, case, team, session, _feed_token(app, target.id), institution_id(GESUNDHEITSAMT)
    )
    values["resubmission_id"] = _resubmission(app, case, team[0], owner.id)
    values["protocol_id"] = _protocol(app, session.item_id, team_member.id, endpoint)
    values["topic_id"] = _topic(app, session.meeting_id, team_member.id)
    values["proposal_id"], values["certificate_id"] = _deletion_records(app, case)
    if "team_proposal_id" in rule.arguments or "team_certificate_id" in rule.arguments:
        values["team_proposal_id"], values["team_certificate_id"] = _team_protocol_deletion_records(
            app, session.meeting_id
        )
    if endpoint.startswith("cases."):
        values["member_id"] = case.member_ids[0]  # a family member, not a team member
    values = {k: v for k, v in values.items() if k in rule.arguments}
    with app.test_request_context():
        url = url_for(endpoint, **values)
    if endpoint == "protocols.autosave":
        body = {"json": {"version": 1, "sections": {}}}
    else:
        body = {"data": {}}
    response = client.open(url, method=method, **body)
    response.close()
    assert _classify(response) == expected
    assert_security_headers(response, personal=endpoint != "static")
