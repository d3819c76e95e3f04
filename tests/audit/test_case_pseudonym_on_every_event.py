"""Every audit event that concerns a case names its pseudonym, refusals included: the DPO
finds "who touched case X" — and who tried — with one look at the log.

A broad scenario (case pages, agenda, item, protocol, consent, excerpt, attacks) runs through
the application; afterwards no event about a case-related object lacks the pseudonym. The
attacks: another Fachkraft, a guest of another session and a member who left the team each
try the case page, the item, the protocol and the consent document, and each refusal is
found under the case's pseudonym."""

# ruff: noqa: F811  (pytest fixtures imported from tests.protocols.conftest are parameters)
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from fallteam.audit.models import AuditAction, AuditEvent, Outcome
from fallteam.auth.models import User
from fallteam.consent.models import Consent
from fallteam.extensions import db
from fallteam.meetings.models import AgendaItem
from fallteam.meetings.operations import run
from fallteam.protocols import operations as protocols
from fallteam.protocols.models import CaseProtocol
from fallteam.teams import operations as teams
from fallteam.teams.models import Team, TeamMember
from tests.protocols.conftest import (  # noqa: F401  (fixtures)
    act,
    client_of,
    move_to_the_past,
    team_session,
)

pytestmark = pytest.mark.settings(WTF_CSRF_ENABLED=False)

#: the object types whose rows belong to one case
CASE_OBJECT_TYPES = {
    "case",
    "family_member",
    "family_relation",
    "resource_entry",
    "case_participant",
    "consent",
    "agenda_item",
    "agenda_guest",
    "agenda_document",
    "item_attendance",
    "case_protocol",
    "protocol_revision",
    "protocol_addendum",
    "protocol_excerpt",
    "resubmission",
}


@pytest.fixture
def s(app, team_session):
    s = team_session(2)
    act(app, s.protocol_ids[0], s.writer, "save_draft", {"hypothesen": "Entwurf"}, 1)
    act(app, s.protocol_ids[0], s.writer, "submit")
    return s


@pytest.fixture
def consent_id(app, s):
    with app.app_context():
        item = db.session.get(AgendaItem, s.item_ids[0])
        return db.session.scalar(select(Consent.id).where(Consent.case_id == item.case_id))


def _refusals(app, actor_id) -> list[AuditEvent]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(AuditEvent).where(
                    AuditEvent.actor_id == actor_id, AuditEvent.action == AuditAction.REFUSE
                )
            )
        )


def _outsider_urls(s, consent_id, case_id) -> list[str]:
    return [
        f"/faelle/{case_id}",
        f"/tagesordnung/{s.item_ids[0]}",
        f"/protokolle/{s.protocol_ids[0]}",
        f"/einwilligungen/{consent_id}/dokument",
    ]


def _case_id(app, s):
    with app.app_context():
        return db.session.get(AgendaItem, s.item_ids[0]).case_id


def _each_refused_under_the_pseudonym(app, s, client, account, urls) -> None:
    before = len(_refusals(app, account.id))
    for url in urls:
        assert client.get(url).status_code == 403, url
    refusals = _refusals(app, account.id)[before:]
    assert len(refusals) == len(urls)
    assert {r.case_pseudonym for r in refusals} == {s.pseudonyms[0]}
    assert {r.outcome for r in refusals} == {Outcome.DENIED}


def test_another_fachkraft_is_refused_and_each_refusal_names_the_case(
    app, s, consent_id, client_of, create_account
):
    other = create_account(["fachkraft"])
    urls = _outsider_urls(s, consent_id, _case_id(app, s))
    _each_refused_under_the_pseudonym(app, s, client_of(other), other, urls)


def test_a_guest_of_another_session_is_refused_and_each_refusal_names_the_case(
    app, s, consent_id, client_of, team_session
):
    elsewhere = team_session(1)  # another Fachkraft's case, another session, its own guest
    urls = _outsider_urls(s, consent_id, _case_id(app, s))
    _each_refused_under_the_pseudonym(app, s, client_of(elsewhere.guest), elsewhere.guest, urls)


def test_a_member_who_left_is_refused_and_each_refusal_names_the_case(
    app, s, consent_id, client_of
):
    with app.app_context():
        membership = db.session.scalar(select(TeamMember).where(TeamMember.user_id == s.member.id))
        teams.remove_member(db.session.get(Team, membership.team_id), membership)
        db.session.commit()
    move_to_the_past(app, s.meeting_id, days=10)
    urls = _outsider_urls(s, consent_id, _case_id(app, s))
    _each_refused_under_the_pseudonym(app, s, client_of(s.member), s.member, urls)


def test_no_event_about_a_case_lacks_its_pseudonym(
    app, s, consent_id, client_of, create_account, team_session
):
    case_id = _case_id(app, s)
    owner, moderator, member, guest = (
        client_of(s.owner),
        client_of(s.moderator),
        client_of(s.member),
        client_of(s.guest),
    )
    with app.app_context():
        start = db.session.scalar(select(AuditEvent.seq).order_by(AuditEvent.seq.desc())) or 0
    # the people of the case at work
    for url in (
        f"/faelle/{case_id}",
        f"/faelle/{case_id}/bearbeiten",
        f"/faelle/{case_id}/einwilligungen/neu",
        f"/faelle/{case_id}/verlauf",
        f"/einwilligungen/{consent_id}/dokument",
        f"/tagesordnung/{s.item_ids[0]}",
        f"/tagesordnung/{s.item_ids[0]}/bearbeiten",
        f"/sitzungen/{s.meeting_id}",
    ):
        assert owner.get(url).status_code in (200, 302), url
    for client in (moderator, member, guest):
        for url in (f"/tagesordnung/{s.item_ids[0]}", f"/protokolle/{s.protocol_ids[0]}"):
            assert client.get(url).status_code == 200, url
    # changes the run of the session makes (operations that pass no pseudonym themselves)
    with app.app_context():
        item = db.session.get(AgendaItem, s.item_ids[0])
        meeting = item.meeting
        during = meeting.starts_dt + timedelta(minutes=5)
        run.mark_guest_attendance(meeting, item, db.session.get(User, s.guest.id), present=True)
        run.start_clock(meeting, item, now=during)
        run.stop_clock(meeting, item, now=during + timedelta(minutes=20))
        db.session.commit()
    act(app, s.protocol_ids[0], s.moderator, "finalise")
    with app.app_context():
        protocol = db.session.get(CaseProtocol, s.protocol_ids[0])
        protocols.add_addendum(
            protocol, "Korrektur", "Tippfehler", db.session.get(User, s.owner.id)
        )
        db.session.commit()
    assert owner.post(f"/protokolle/{s.protocol_ids[0]}/auszug", data={}).status_code in (
        200,
        302,
    )
    # and the attacks
    other = create_account(["fachkraft"])
    elsewhere = team_session(1)
    for client in (client_of(other), client_of(elsewhere.guest)):
        for url in _outsider_urls(s, consent_id, case_id):
            assert client.get(url).status_code == 403, url

    with app.app_context():
        events = list(db.session.scalars(select(AuditEvent).where(AuditEvent.seq > start)))
    about_cases = [e for e in events if e.object_type in CASE_OBJECT_TYPES]
    assert {e.object_type for e in about_cases} >= {
        "case",
        "case_protocol",
        "consent",
        "agenda_item",
        "protocol_addendum",
    }
    assert any(e.action == AuditAction.REFUSE for e in about_cases)
    missing = [(e.seq, e.action, e.object_type) for e in about_cases if not e.case_pseudonym]
    assert missing == []
