"""Case-related guests: the consent check at registration (SGB VIII § 64 Abs. 2a, § 65),
accounts for outside persons, and what a guest sees, when."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from fallteam.auth import operations as accounts
from fallteam.auth.models import User
from fallteam.cases.models import Case
from fallteam.core.models import utcnow
from fallteam.extensions import db
from fallteam.meetings.models import AgendaGuest, AgendaItem, Meeting
from fallteam.meetings.operations import agenda as operations
from fallteam.meetings.queries.agenda import unfinished_reasons
from fallteam.meetings.rules import meeting_day_end
from tests.conftest import (
    EINGLIEDERUNGSHILFE,
    GESUNDHEITSAMT,
    JOBCENTER,
    KITA_FACHBERATUNG,
    QUESTION,
    csrf_token,
    sign_in,
    submit_password,
)


def _guest(create_account, app, institution: str):
    return create_account(["guest"], institution=institution)


def test_a_guest_no_consent_covers_is_flagged_and_the_presenter_must_confirm(
    app, signed_in, create_account, create_case, create_team, create_meeting, institution_id
):
    client, owner = signed_in(["fachkraft"])
    jobcenter = [{"type": "institution", "value": str(institution_id(JOBCENTER))}]
    case = create_case(owner, consent={"recipients": jobcenter, "father_too": True})
    team_id, _ = create_team([(create_account(["member"]), "permanent")])
    session = create_meeting(team_id, case)
    covered = _guest(create_account, app, JOBCENTER)
    uncovered = _guest(create_account, app, EINGLIEDERUNGSHILFE)
    edit = f"/tagesordnung/{session.item_id}/bearbeiten"
    for guest in (covered, uncovered):
        response = client.post(
            f"/tagesordnung/{session.item_id}/gaeste",
            data={"g-user": str(guest.id), "csrf_token": csrf_token(client)},
        )
        assert response.status_code == 302
    page = client.get(edit).get_data(as_text=True)
    assert page.count("keine – pseudonymisierte Vorstellung") == 1
    assert "liegt vor" in page
    assert "Bestätigung der pseudonymisierten Vorstellung" in page
    with app.app_context():
        assert any(
            "Bestätigung" in r
            for r in unfinished_reasons(db.session.get(AgendaItem, session.item_id))
        )

    response = client.post(
        edit,
        data={
            "method": "kollegiale_beratung",
            "expected_minutes": "45",
            "question": QUESTION,
            "presentation": "Die Mutter lebt mit beiden Kindern allein.",
            "include_genogram": "y",
            "pseudonymised_confirmed": "y",
            "csrf_token": csrf_token(client),
        },
    )
    assert response.status_code == 302
    with app.app_context():
        item = db.session.get(AgendaItem, session.item_id)
        assert item.pseudonymised_confirmed and unfinished_reasons(item) == []


def test_a_new_guest_asks_for_the_confirmation_again(
    app, create_account, create_case, create_team, create_meeting
):
    owner = create_account(["fachkraft"])
    team_id, _ = create_team([(create_account(["member"]), "permanent")])
    session = create_meeting(team_id, create_case(owner))
    with app.app_context():
        item = db.session.get(AgendaItem, session.item_id)
        item.pseudonymised_confirmed = True
        operations.add_guest(
            item, db.session.get(User, _guest(create_account, app, KITA_FACHBERATUNG).id)
        )
        assert not item.pseudonymised_confirmed
        db.session.rollback()


def _invite_outside(client, item_id, **fields):
    data = {
        "o-name": "Frau Dr. Weidenbach",
        "o-institution": str(fields.pop("institution_id")),
        "o-email": "weidenbach@example.org",
        "csrf_token": csrf_token(client),
    }
    data.update({f"o-{key}": value for key, value in fields.items()})
    return client.post(f"/tagesordnung/{item_id}/gaeste/extern", data=data)


def test_an_outside_person_gets_a_guest_account_that_ends_with_the_session_day(
    app, signed_in, create_account, create_case, create_team, create_meeting, institution_id
):
    client, owner = signed_in(["fachkraft"])
    team_id, _ = create_team([(create_account(["member"]), "permanent")])
    session = create_meeting(team_id, create_case(owner))
    response = _invite_outside(
        client, session.item_id, institution_id=institution_id(GESUNDHEITSAMT)
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and 'data-testid="one-time-password"' in page
    one_time = re.search(r'data-testid="one-time-password">([^<]+)<', page).group(1)
    with app.app_context():
        guest = db.session.scalars(
            select(AgendaGuest).where(AgendaGuest.item_id == session.item_id)
        ).one()
        user = db.session.get(User, guest.user_id)
        meeting = db.session.get(Meeting, session.meeting_id)
        assert guest.account_for_item and user.role_names == ["guest"]
        assert user.institution.name == GESUNDHEITSAMT
        assert user.expires_dt == meeting_day_end(meeting)
        assert not user.expired() and user.expired(meeting_day_end(meeting))
        # after the session day the account signs nobody in, even with the right password
        user.expires_dt = utcnow() - timedelta(seconds=1)
        token, username = user.login_token, user.username
        db.session.commit()
        assert accounts.find_user_by_login_token(token) is None
    refused = submit_password(app.test_client(), username, one_time)
    assert refused.status_code == 200 and "/anmelden/zweiter-faktor" not in refused.headers.get(
        "Location", ""
    )


def test_the_outside_guest_form_names_its_problems(
    app, signed_in, create_account, create_case, create_team, create_meeting, institution_id
):
    client, owner = signed_in(["fachkraft"])
    team_id, _ = create_team([(create_account(["member"]), "permanent")])
    session = create_meeting(team_id, create_case(owner))
    response = _invite_outside(
        client,
        session.item_id,
        name="",
        email="kein-at",
        institution_id=institution_id(GESUNDHEITSAMT),
    )
    page = response.get_data(as_text=True)
    assert "Bitte ausfüllen." in page and "gültige E-Mail-Adresse" in page


def test_a_guest_sees_only_their_own_item_and_only_in_their_window(
    app, create_account, create_case, create_team, create_meeting
):
    owner = create_account(["fachkraft"])
    guest = create_account(["guest"])
    team_id, _ = create_team([(create_account(["member"]), "permanent")])
    mine = create_meeting(team_id, create_case(owner), guests=[guest])
    other_case = create_case(create_account(["fachkraft"]))
    with app.app_context():
        other_case_row = db.session.get(Case, other_case.id)
        other_item_id = operations.register_case_for_meeting(
            other_case_row,
            db.session.get(Meeting, mine.meeting_id),
            operations.Registration("rollenspiel", "Was braucht Kind 2?", "", 30),
            actor=db.session.get(User, other_case_row.case_manager_id),
        ).id
        db.session.commit()
    client = app.test_client()
    sign_in(client, app, guest)
    assert client.get(f"/tagesordnung/{mine.item_id}").status_code == 200
    assert client.get(f"/tagesordnung/{other_item_id}").status_code == 403
    assert client.get(f"/faelle/{other_case.id}").status_code == 403

    # the day after the session the window is shut
    with app.app_context():
        meeting = db.session.get(Meeting, mine.meeting_id)
        meeting.starts_dt = utcnow() - timedelta(days=2)
        meeting.ends_dt = meeting.starts_dt + timedelta(hours=3)
        db.session.commit()
    assert client.get(f"/tagesordnung/{mine.item_id}").status_code == 403


def test_a_guest_sees_nothing_before_the_invitation_goes_out(
    app, create_account, create_case, create_team, create_meeting
):
    owner = create_account(["fachkraft"])
    guest = create_account(["guest"])
    team_id, _ = create_team([(create_account(["member"]), "permanent")])
    session = create_meeting(team_id, create_case(owner), guests=[guest], invited=False)
    client = app.test_client()
    sign_in(client, app, guest)
    assert client.get(f"/tagesordnung/{session.item_id}").status_code == 403
    assert (
        client.get(f"/tagesordnung/{session.item_id}/unterlagen/{session.document_id}").status_code
        == 403
    )


def test_withdrawing_an_invitation_shuts_the_guest_out_at_once(
    app, signed_in, create_account, create_case, create_team, create_meeting
):
    client, owner = signed_in(["fachkraft"])
    guest = create_account(["guest"])
    team_id, _ = create_team([(create_account(["member"]), "permanent")])
    session = create_meeting(team_id, create_case(owner), guests=[guest])
    guest_client = app.test_client()
    sign_in(guest_client, app, guest)
    assert guest_client.get(f"/tagesordnung/{session.item_id}").status_code == 200
    response = client.post(
        f"/tagesordnung/{session.item_id}/gaeste/{session.guest_ids[0]}/entfernen",
        data={"csrf_token": csrf_token(client)},
    )
    assert response.status_code == 302
    assert guest_client.get(f"/tagesordnung/{session.item_id}").status_code == 403
