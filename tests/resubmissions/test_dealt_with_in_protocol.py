"""Dealt with in a later protocol: when the case comes back on an agenda, the protocol page of
that later item lists the case's open Wiedervorlagen, and its writer or the case manager
records the outcome there — closed with the outcome, or renewed with a new date — through
the same operations as the case page; the history (renewed_from) is kept, and the outcome
is linked to the item. Nobody else records one; a finalised protocol takes none."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest

from fallteam.auth.models import User
from fallteam.cases.models import Case
from fallteam.extensions import db
from fallteam.meetings.models import ItemAttendance, Presence
from fallteam.resubmissions import operations
from fallteam.resubmissions.models import Resubmission
from fallteam.teams.models import Team
from tests.resubmissions.conftest import (
    BERLIN,
    leaves_team,
    lock,
    mark_befangen,
    open_protocol_for,
    post_form,
    resubmissions_of,
    today,
)

TOPIC = "Hat die Schulbegleitung für Kind 1 begonnen?"


@pytest.fixture
def later(app, protocol_scene, create_meeting):
    """The first session's Wiedervorlage (set by the owner, due in two weeks), and a later
    session of the team with the case on its agenda and its Fallprotokoll opened by the
    writer. Returns (resubmission id, later item id, later protocol id)."""
    s = protocol_scene
    with app.app_context():
        owner = db.session.get(User, s.owner.id)
        resubmission = operations.set_resubmission(
            db.session.get(Case, s.case_id),
            db.session.get(Team, s.team_id),
            today() + timedelta(days=14),
            TOPIC,
            db.session.get(User, s.member.id),
            owner,
        )
        db.session.commit()
        resubmission_id = resubmission.id
    starts = datetime.combine(today() + timedelta(days=15), time(9, 0), tzinfo=BERLIN)

    class Sample:  # the case as create_meeting expects it
        id = s.case_id

    session = create_meeting(s.team_id, Sample, moderator=s.moderator, starts=starts)
    with app.app_context():  # the team was there for the later item too
        for account in (s.moderator, s.writer, s.member):
            db.session.add(
                ItemAttendance(
                    item_id=session.item_id, user_id=account.id, presence=Presence.PRESENT
                )
            )
        db.session.commit()
    protocol_id = open_protocol_for(app, session.item_id, s.writer)
    return resubmission_id, session.item_id, protocol_id


def outcome(client, protocol_id, resubmission_id, *, text="Hat begonnen.", renew_on=None):
    prefix = f"p-{resubmission_id.hex}"
    data = {f"{prefix}-outcome": text}
    if renew_on is not None:
        data[f"{prefix}-new_due"] = renew_on.isoformat()
        data[f"{prefix}-renew"] = "Erneuern"
    else:
        data[f"{prefix}-close"] = "Erledigt"
    return post_form(
        client, f"/protokolle/{protocol_id}/wiedervorlagen/{resubmission_id}/ergebnis", **data
    )


def test_the_later_protocol_lists_the_cases_open_wiedervorlagen(
    app, protocol_scene, later, client_of
):
    resubmission_id, _item_id, protocol_id = later
    page = client_of(protocol_scene.writer).get(f"/protokolle/{protocol_id}")
    text = page.get_data(as_text=True)
    assert text.count('data-testid="open-resubmission"') == 1
    assert TOPIC in text and f"p-{resubmission_id.hex}-outcome" in text


def test_the_writer_closes_it_with_the_outcome(app, protocol_scene, later, client_of):
    s = protocol_scene
    resubmission_id, item_id, protocol_id = later
    writer = client_of(s.writer)
    response = outcome(writer, protocol_id, resubmission_id)
    assert response.status_code == 302
    (stored,) = resubmissions_of(app, s.case_id)
    assert stored.status == "closed" and stored.outcome == "Hat begonnen."
    assert stored.dealt_in_item_id == item_id
    page = writer.get(f"/protokolle/{protocol_id}").get_data(as_text=True)
    assert 'data-testid="open-resubmission"' not in page
    assert page.count('data-testid="dealt-resubmission"') == 1 and "Hat begonnen." in page


def test_the_case_manager_renews_it_and_the_history_is_kept(app, protocol_scene, later, client_of):
    s = protocol_scene
    resubmission_id, item_id, protocol_id = later
    new_due = today() + timedelta(days=60)
    response = outcome(
        client_of(s.owner), protocol_id, resubmission_id, text="Noch offen.", renew_on=new_due
    )
    assert response.status_code == 302
    old, new = resubmissions_of(app, s.case_id)
    assert (old.status, old.outcome, old.dealt_in_item_id) == ("renewed", "Noch offen.", item_id)
    assert (new.status, new.due, new.renewed_from_id) == ("open", new_due, old.id)
    assert new.topic == TOPIC and new.responsible_id == s.member.id
    assert new.agreed_in_item_id == item_id  # agreed again in the later protocol
    # the case's page shows the whole chain
    history = client_of(s.owner).get(f"/faelle/{s.case_id}/wiedervorlagen").get_data(as_text=True)
    assert history.count('data-testid="resubmission"') == 2 and "Noch offen." in history


def test_renewing_without_a_date_is_refused_and_nothing_changes(
    app, protocol_scene, later, client_of
):
    s = protocol_scene
    resubmission_id, _item_id, protocol_id = later
    prefix = f"p-{resubmission_id.hex}"
    response = post_form(
        client_of(s.writer),
        f"/protokolle/{protocol_id}/wiedervorlagen/{resubmission_id}/ergebnis",
        **{f"{prefix}-outcome": "Noch offen, bitte nachfassen.", f"{prefix}-renew": "Erneuern"},
    )
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and "neues Datum" in text
    assert "Noch offen, bitte nachfassen." in text
    (stored,) = resubmissions_of(app, s.case_id)
    assert stored.status == "open" and stored.dealt_in_item_id is None


def test_a_finalised_protocol_takes_no_outcome(app, protocol_scene, later, client_of):
    s = protocol_scene
    resubmission_id, _item_id, protocol_id = later
    lock(app, protocol_id)
    page = client_of(s.writer).get(f"/protokolle/{protocol_id}").get_data(as_text=True)
    assert 'data-testid="open-resubmission"' not in page
    assert outcome(client_of(s.writer), protocol_id, resubmission_id).status_code == 409
    (stored,) = resubmissions_of(app, s.case_id)
    assert stored.status == "open"


def test_a_wiedervorlage_of_another_case_is_not_found(
    app, protocol_scene, later, client_of, create_case
):
    s = protocol_scene
    _resubmission_id, _item_id, protocol_id = later
    other = create_case(s.owner)
    with app.app_context():
        row = Resubmission(
            case_id=other.id,
            team_id=s.team_id,
            due=today() + timedelta(days=3),
            topic="Anderer Fall",
            responsible_id=s.owner.id,
            created_by_id=s.owner.id,
        )
        db.session.add(row)
        db.session.commit()
        foreign = row.id
    assert outcome(client_of(s.writer), protocol_id, foreign).status_code == 404
    assert resubmissions_of(app, other.id)[0].status == "open"


@pytest.mark.parametrize("who", ["guest", "moderator", "member", "outsider", "other_fachkraft"])
def test_nobody_else_records_an_outcome(app, protocol_scene, later, client_of, who):
    s = protocol_scene
    resubmission_id, _item_id, protocol_id = later
    assert outcome(client_of(getattr(s, who)), protocol_id, resubmission_id).status_code == 403
    assert resubmissions_of(app, s.case_id)[0].status == "open"


def test_the_teams_members_see_no_open_ones_on_the_protocol(app, protocol_scene, later, client_of):
    s = protocol_scene
    _resubmission_id, _item_id, protocol_id = later
    page = client_of(s.member).get(f"/protokolle/{protocol_id}")
    assert page.status_code == 200
    assert TOPIC not in page.get_data(as_text=True)


def test_a_befangen_writer_or_one_who_left_records_none(app, protocol_scene, later, client_of):
    s = protocol_scene
    resubmission_id, item_id, protocol_id = later
    mark_befangen(app, item_id, s.writer)
    assert outcome(client_of(s.writer), protocol_id, resubmission_id).status_code == 403
    leaves_team(app, s.team_id, s.writer)
    assert outcome(client_of(s.writer), protocol_id, resubmission_id).status_code == 403
    assert resubmissions_of(app, s.case_id)[0].status == "open"


def test_the_case_page_still_closes_through_the_same_operation(
    app, protocol_scene, later, client_of
):
    s = protocol_scene
    resubmission_id, _item_id, _protocol_id = later
    prefix = f"r-{resubmission_id.hex}"
    response = post_form(
        client_of(s.owner),
        f"/wiedervorlagen/{resubmission_id}/ergebnis",
        **{f"{prefix}-outcome": "Erledigt am Telefon.", f"{prefix}-close": "Erledigt"},
    )
    assert response.status_code == 302
    (stored,) = resubmissions_of(app, s.case_id)
    assert stored.status == "closed" and stored.dealt_in_item_id is None
