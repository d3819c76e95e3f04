"""Who reads a Fallprotokoll after the session: the fallführende Fachkraft, its writer, the
session's moderator, the team members recorded present for the item, and the item's guests
who came, only while their window is open. Each attack — a member absent for the item, a
member who has left the team, a guest after the window, a guest of another institution —
gets 403 on the protocol and its history and finds its text on no page it reaches. A 409
that shows the protocol's text leaves its read in the audit log."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from fallteam.audit.models import AuditAction, AuditEvent
from fallteam.auth.models import User
from fallteam.cases import operations as cases
from fallteam.core.models import utcnow
from fallteam.extensions import db
from fallteam.meetings.models import AgendaGuest, AgendaItem
from fallteam.protocols.models import CaseProtocol
from fallteam.teams.models import TeamMember
from tests.conftest import GESUNDHEITSAMT
from tests.protocols.conftest import act, move_to_the_past

pytestmark = pytest.mark.settings(WTF_CSRF_ENABLED=False)

SECRET = "Die Mutter schläft seit Wochen kaum."


@pytest.fixture
def s(app, team_session):
    s = team_session(2)
    act(app, s.protocol_ids[0], s.writer, "save_draft", {"hypothesen": SECRET}, 1)
    act(app, s.protocol_ids[0], s.writer, "submit")
    return s


def protocol_url(s, tail: str = "") -> str:
    return f"/protokolle/{s.protocol_ids[0]}{tail}"


def assert_sees_nothing_of_it(app, s, client) -> None:
    """403 on the protocol, its history and the Teamprotokoll; its text on no other page."""
    assert client.get(protocol_url(s)).status_code == 403
    assert client.get(protocol_url(s, "/verlauf")).status_code == 403
    assert client.get(f"/sitzungen/{s.meeting_id}/teamprotokoll").status_code == 403
    for url in (
        f"/tagesordnung/{s.item_ids[0]}",
        f"/sitzungen/{s.meeting_id}",
        f"/sitzungen/{s.meeting_id}/ablauf",
        "/",
    ):
        assert SECRET not in client.get(url).get_data(as_text=True), url


def test_the_case_manager_writer_moderator_and_present_members_read_it(app, s, client_of):
    move_to_the_past(app, s.meeting_id)
    for account in (s.owner, s.writer, s.moderator, s.member):  # member: "später gekommen"
        page = client_of(account).get(protocol_url(s))
        assert page.status_code == 200
        assert SECRET in page.get_data(as_text=True)


def test_a_member_absent_for_the_item_reads_nothing_of_it(app, s, client_of):
    assert_sees_nothing_of_it(app, s, client_of(s.absent))


def test_a_member_not_marked_for_the_item_reads_nothing_of_it(app, s, client_of, create_account):
    newcomer = create_account(["member"])
    with app.app_context():
        item = db.session.get(AgendaItem, s.item_ids[0])
        db.session.add(
            TeamMember(team_id=item.meeting.team_id, user_id=newcomer.id, kind="permanent")
        )
        db.session.commit()
    assert_sees_nothing_of_it(app, s, client_of(newcomer))


def test_a_member_who_has_left_the_team_reads_nothing_of_it(app, s, client_of):
    move_to_the_past(app, s.meeting_id, days=10)
    with app.app_context():
        membership = db.session.scalar(select(TeamMember).where(TeamMember.user_id == s.member.id))
        membership.until = date.today() - timedelta(days=3)
        db.session.commit()
    assert_sees_nothing_of_it(app, s, client_of(s.member))


def test_a_guest_who_came_reads_it_only_while_the_window_is_open(app, s, client_of):
    guest = client_of(s.guest)
    page = guest.get(protocol_url(s))
    assert page.status_code == 200 and SECRET in page.get_data(as_text=True)

    move_to_the_past(app, s.meeting_id, days=2)

    assert_sees_nothing_of_it(app, s, guest)


def test_an_invited_guest_who_did_not_come_reads_nothing_of_it(app, s, client_of):
    with app.app_context():
        db.session.scalar(
            select(AgendaGuest).where(AgendaGuest.user_id == s.guest.id)
        ).present = False
        db.session.commit()
    assert_sees_nothing_of_it(app, s, client_of(s.guest))


def test_a_guest_of_another_institution_on_another_item_reads_nothing_of_it(
    app, s, client_of, create_account
):
    other = create_account(["guest"], institution=GESUNDHEITSAMT)
    with app.app_context():
        item = db.session.get(AgendaItem, s.item_ids[1])
        now = utcnow()
        item.guests.append(
            AgendaGuest(
                item_id=item.id,
                user_id=other.id,
                invited_dt=now - timedelta(minutes=5),
                present=True,
            )
        )
        cases.grant_participation(
            item.case,
            db.session.get(User, other.id),
            kind="guest",
            valid_from=now - timedelta(minutes=5),
            valid_until=now + timedelta(days=1),
            actor=db.session.get(User, s.owner.id),
        )
        db.session.commit()
    assert_sees_nothing_of_it(app, s, client_of(other))


# --- a 409 that shows the protocol's text is a recorded read ---------------------------------


def reads_of(app, account) -> int:
    with app.app_context():
        return len(
            db.session.scalars(
                select(AuditEvent.seq).where(
                    AuditEvent.actor_id == account.id,
                    AuditEvent.action == AuditAction.READ,
                    AuditEvent.purpose == "Fallprotokoll",
                )
            ).all()
        )


def test_the_autosave_conflict_records_the_read_of_the_text_it_sends(app, s, client_of):
    client = client_of(s.writer)
    url = f"/protokolle/{s.protocol_ids[1]}/entwurf"
    assert client.post(url, json={"version": 1, "sections": {"hypothesen": "A"}}).status_code == 200
    before = reads_of(app, s.writer)

    refused = client.post(url, json={"version": 1, "sections": {"hypothesen": "B"}})

    assert refused.status_code == 409
    assert refused.get_json()["server"]["sections"]["hypothesen"] == "A"
    assert reads_of(app, s.writer) == before + 1


def test_the_form_conflict_records_the_read_of_the_page_it_shows(app, s, client_of):
    client = client_of(s.writer)
    url = f"/protokolle/{s.protocol_ids[1]}"
    client.post(f"{url}/entwurf", json={"version": 1, "sections": {"hypothesen": "A"}})
    before = reads_of(app, s.writer)

    refused = client.post(url, data={"version": 1, "hypothesen": "B"})

    assert refused.status_code == 409
    assert reads_of(app, s.writer) == before + 1
    # the refused save itself left nothing
    with app.app_context():
        updates = db.session.scalars(
            select(AuditEvent.seq).where(
                AuditEvent.object_id == str(s.protocol_ids[1]),
                AuditEvent.action == AuditAction.UPDATE,
            )
        ).all()
    assert len(updates) == 1


def test_a_refused_change_on_a_locked_protocol_records_the_read_it_shows(app, s, client_of):
    act(app, s.protocol_ids[0], s.moderator, "finalise")
    before = reads_of(app, s.writer)

    refused = client_of(s.writer).post(protocol_url(s, "/einreichen"))

    assert refused.status_code == 409
    assert SECRET in refused.get_data(as_text=True)
    assert reads_of(app, s.writer) == before + 1


def writer_leaves_the_team(app, s) -> None:
    move_to_the_past(app, s.meeting_id, days=10)
    with app.app_context():
        for membership in db.session.scalars(
            select(TeamMember).where(TeamMember.user_id == s.writer.id)
        ):
            membership.until = date.today() - timedelta(days=3)
        db.session.commit()


def test_the_writer_who_has_left_the_team_reads_writes_and_amends_nothing(app, s, client_of):
    writer_leaves_the_team(app, s)
    client = client_of(s.writer)

    assert_sees_nothing_of_it(app, s, client)
    draft = client.post(
        f"/protokolle/{s.protocol_ids[1]}/entwurf",
        json={"version": 1, "sections": {"hypothesen": "nach dem Austritt"}},
    )
    assert draft.status_code == 403
    assert client.get(f"/protokolle/{s.protocol_ids[1]}").status_code == 403


def test_the_writer_who_has_left_the_team_adds_no_addendum(app, s, client_of):
    act(app, s.protocol_ids[0], s.moderator, "finalise")
    writer_leaves_the_team(app, s)

    answer = client_of(s.writer).post(
        protocol_url(s, "/nachtrag"), data={"text": "Korrektur", "reason": "Tippfehler"}
    )

    assert answer.status_code == 403
    with app.app_context():
        assert db.session.get(CaseProtocol, s.protocol_ids[0]).addenda == []
