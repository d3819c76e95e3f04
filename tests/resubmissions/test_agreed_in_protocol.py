"""Agreed in the protocol: while the Fallprotokoll is written, its writer and the case manager
agree a Wiedervorlage of the item's case from the protocol page (due day, what to look at,
who is responsible); it is linked to the item, listed for the session's Teamprotokoll, and
cannot be added through the protocol once it is finalised. Nobody else can add one."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from fallteam.audit.models import AuditAction, AuditEvent
from fallteam.auth.models import User
from fallteam.cases.models import Case
from fallteam.extensions import db
from fallteam.protocols.models import CaseProtocol
from fallteam.resubmissions import operations, queries
from fallteam.teams.models import Team
from tests.resubmissions.conftest import (
    leaves_team,
    lock,
    mark_befangen,
    post_form,
    resubmissions_of,
    today,
)

TOPIC = "Hat die Schulbegleitung für Kind 1 begonnen?"


def agree(client, scene, *, topic=TOPIC, responsible=None, due=None):
    due = due or today() + timedelta(days=21)
    return post_form(
        client,
        f"/protokolle/{scene.protocol_id}/wiedervorlagen",
        **{
            "wv-due": due.isoformat(),
            "wv-topic": topic,
            "wv-responsible": str((responsible or scene.writer).id),
        },
    )


def test_the_writer_agrees_a_wiedervorlage_on_the_protocol_page(app, protocol_scene, client_of):
    s = protocol_scene
    writer = client_of(s.writer)
    page = writer.get(f"/protokolle/{s.protocol_id}").get_data(as_text=True)
    assert 'data-testid="agree-resubmission"' in page
    response = agree(writer, s)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/protokolle/{s.protocol_id}#wiedervorlagen")
    (stored,) = resubmissions_of(app, s.case_id)
    assert stored.agreed_in_item_id == s.item_id
    assert stored.team_id == s.team_id
    assert stored.responsible_id == s.writer.id
    assert stored.topic == TOPIC and stored.status == "open"
    page = writer.get(f"/protokolle/{s.protocol_id}").get_data(as_text=True)
    assert page.count('data-testid="agreed-resubmission"') == 1 and TOPIC in page


def test_the_case_manager_agrees_one_too_with_a_team_member_responsible(
    app, protocol_scene, client_of
):
    s = protocol_scene
    response = agree(client_of(s.owner), s, responsible=s.member)
    assert response.status_code == 302
    (stored,) = resubmissions_of(app, s.case_id)
    assert stored.responsible_id == s.member.id and stored.created_by_id == s.owner.id


def test_the_teams_members_read_what_was_agreed_but_cannot_add(app, protocol_scene, client_of):
    s = protocol_scene
    agree(client_of(s.writer), s)
    page = client_of(s.member).get(f"/protokolle/{s.protocol_id}").get_data(as_text=True)
    assert TOPIC in page
    assert 'data-testid="agree-resubmission"' not in page
    assert agree(client_of(s.member), s).status_code == 403
    assert len(resubmissions_of(app, s.case_id)) == 1


def test_only_the_case_manager_or_a_team_member_can_be_responsible(app, protocol_scene, client_of):
    s = protocol_scene
    response = agree(client_of(s.writer), s, responsible=s.outsider)
    assert response.status_code == 200
    assert resubmissions_of(app, s.case_id) == []


def test_a_bad_entry_is_refused_with_a_message_and_the_text_kept(app, protocol_scene, client_of):
    s = protocol_scene
    writer = client_of(s.writer)
    past = agree(writer, s, due=today() - timedelta(days=1))
    assert "in der Vergangenheit" in past.get_data(as_text=True)
    assert TOPIC in past.get_data(as_text=True)
    named = agree(writer, s, topic="Hat Frau Krautwurst den Antrag gestellt?")
    text = named.get_data(as_text=True)
    assert named.status_code == 200 and "erkennbar" in text
    assert "Hat Frau Krautwurst den Antrag gestellt?" in text  # nothing typed is lost
    assert resubmissions_of(app, s.case_id) == []


def test_after_finalising_nothing_is_added_through_the_protocol(app, protocol_scene, client_of):
    s = protocol_scene
    lock(app, s.protocol_id)
    for account in (s.writer, s.owner):
        client = client_of(account)
        page = client.get(f"/protokolle/{s.protocol_id}").get_data(as_text=True)
        assert 'data-testid="agree-resubmission"' not in page
        response = agree(client, s)
        assert response.status_code == 409
        assert "abgeschlossen" in response.get_data(as_text=True)
    assert resubmissions_of(app, s.case_id) == []


def test_the_operation_refuses_a_locked_protocol_too(app, protocol_scene):
    s = protocol_scene
    lock(app, s.protocol_id)
    with app.app_context():
        protocol = db.session.get(CaseProtocol, s.protocol_id)
        writer = db.session.get(User, s.writer.id)
        with pytest.raises(operations.ResubmissionError):
            operations.agree_in_protocol(
                protocol, today() + timedelta(days=7), TOPIC, writer, writer
            )


@pytest.mark.parametrize("who", ["guest", "moderator", "member", "outsider", "other_fachkraft"])
def test_nobody_else_adds_one(app, protocol_scene, client_of, who):
    s = protocol_scene
    assert agree(client_of(getattr(s, who)), s).status_code == 403
    assert resubmissions_of(app, s.case_id) == []


def test_a_writer_marked_befangen_adds_none(app, protocol_scene, client_of):
    s = protocol_scene
    mark_befangen(app, s.item_id, s.writer)
    assert agree(client_of(s.writer), s).status_code == 403
    assert resubmissions_of(app, s.case_id) == []


def test_a_writer_who_left_the_team_adds_none(app, protocol_scene, client_of):
    s = protocol_scene
    leaves_team(app, s.team_id, s.writer)
    assert agree(client_of(s.writer), s).status_code == 403
    assert resubmissions_of(app, s.case_id) == []


def test_a_befangen_member_sees_nothing_agreed(app, protocol_scene, client_of):
    s = protocol_scene
    agree(client_of(s.writer), s)
    mark_befangen(app, s.item_id, s.member)
    response = client_of(s.member).get(f"/protokolle/{s.protocol_id}")
    assert response.status_code == 403
    assert TOPIC not in response.get_data(as_text=True)


def test_agreed_in_meeting_lists_them_with_case_and_responsible_loaded(
    app, protocol_scene, client_of, count_statements
):
    s = protocol_scene
    agree(client_of(s.writer), s, responsible=s.member)
    agree(client_of(s.owner), s, topic="Schulbesuch prüfen", due=today() + timedelta(days=5))
    with app.app_context():
        rows = queries.agreed_in_meeting(s.meeting_id)
        with count_statements() as sent:
            seen = [(r.case.pseudonym, r.due, r.topic, r.responsible.display_name) for r in rows]
        assert len(sent) == 0
    assert [topic for _p, _d, topic, _r in seen] == ["Schulbesuch prüfen", TOPIC]
    assert {pseudonym for pseudonym, *_ in seen} == {s.pseudonym}


def test_agreed_in_meeting_leaves_out_other_sessions_and_those_set_on_the_case(
    app, protocol_scene, create_meeting, create_case
):
    s = protocol_scene
    with app.app_context():
        owner = db.session.get(User, s.owner.id)
        operations.set_resubmission(
            db.session.get(Case, s.case_id),
            db.session.get(Team, s.team_id),
            today() + timedelta(days=9),
            TOPIC,
            owner,
            owner,
        )
        db.session.commit()
        assert queries.agreed_in_meeting(s.meeting_id) == []


def test_the_refused_page_of_a_finalised_protocol_leaves_the_read_of_what_it_shows(
    app, protocol_scene, client_of
):
    s = protocol_scene
    agree(client_of(s.writer), s)
    lock(app, s.protocol_id)

    def topic_reads() -> int:
        with app.app_context():
            return sum(
                "topic" in json.loads(event.details).get("fields", [])
                for event in db.session.scalars(
                    select(AuditEvent).where(
                        AuditEvent.actor_id == s.writer.id, AuditEvent.action == AuditAction.READ
                    )
                )
            )

    before = topic_reads()
    response = agree(client_of(s.writer), s, topic="Noch eine")

    assert response.status_code == 409
    assert TOPIC in response.get_data(as_text=True)
    assert topic_reads() == before + 1
