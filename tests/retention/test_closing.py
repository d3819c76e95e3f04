"""Closing a case: by its owner, with day and reason; it starts the retention clock and ends
every participation window; a closed case is not registered again; reopening only until
its deletion is proposed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from fallteam.audit.models import AuditEvent
from fallteam.auth.models import User
from fallteam.cases import operations as cases
from fallteam.cases.models import Case
from fallteam.extensions import db
from fallteam.meetings.models import Meeting
from fallteam.meetings.operations import agenda
from tests.conftest import csrf_token, sign_in
from tests.retention.conftest import backdate, close, register, run_retention


def _close_by_page(client, case_id, day, reason="hilfe_beendet"):
    return client.post(
        f"/faelle/{case_id}/abschliessen",
        data={
            "closed_on": day.isoformat(),
            "reason": reason,
            "note": "",
            "csrf_token": csrf_token(client),
        },
    )


def test_the_owner_closes_on_the_case_page_and_the_clock_starts(app, signed_in, today):
    client, owner = signed_in(["fachkraft"])
    case_id = register(app, owner.id, category="sonstige")
    page = client.get(f"/faelle/{case_id}").get_data(as_text=True)
    assert 'data-testid="close-form"' in page
    assert "wird beim Abschluss berechnet" in page
    day = today - timedelta(days=3)
    backdate(app, case_id, day)
    assert _close_by_page(client, case_id, day).status_code == 302
    with app.app_context():
        case = db.session.get(Case, case_id)
        assert case.closed_on == day and case.closing_reason == "hilfe_beendet"
        assert case.deletion_due_on == day.replace(year=day.year + 5)
        event = db.session.scalars(
            select(AuditEvent).where(
                AuditEvent.object_id == str(case_id), AuditEvent.purpose == "Fallabschluss"
            )
        ).one()
        assert event.actor_id == owner.id
    page = client.get(f"/faelle/{case_id}").get_data(as_text=True)
    assert day.replace(year=day.year + 5).strftime("%d.%m.%Y") in page
    assert 'data-testid="reopen-form"' in page


def test_closing_in_the_future_is_refused(app, signed_in, today):
    client, owner = signed_in(["fachkraft"])
    case_id = register(app, owner.id)
    _close_by_page(client, case_id, today + timedelta(days=1))
    with app.app_context():
        assert db.session.get(Case, case_id).closed_on is None


def test_closing_ends_the_windows_a_guest_and_a_member_no_longer_see_it(app, scene, today):
    guest, member = app.test_client(), app.test_client()
    sign_in(guest, app, scene.guest)
    sign_in(member, app, scene.member)
    assert guest.get(f"/tagesordnung/{scene.item_id}").status_code == 200
    assert member.get(f"/faelle/{scene.case.id}").status_code in (200, 302)
    close(app, scene.case.id, today)
    assert guest.get(f"/tagesordnung/{scene.item_id}").status_code == 403
    assert member.get(f"/faelle/{scene.case.id}").status_code == 403
    assert member.get(f"/tagesordnung/{scene.item_id}").status_code == 403


def test_a_case_registered_for_a_coming_session_cannot_be_closed(
    app, create_account, create_case, create_team, create_meeting, today
):
    owner = create_account(["fachkraft"])
    case = create_case(owner)
    team_id, _ = create_team([(create_account(["member"]), "permanent")])
    create_meeting(team_id, case)
    with app.app_context(), pytest.raises(cases.CaseError):
        row = db.session.get(Case, case.id)
        cases.close_case(
            row,
            closed_on=today,
            reason="sonstiges",
            note=None,
            actor=db.session.get(User, owner.id),
        )


def test_a_closed_case_cannot_be_registered_for_a_session(
    app, signed_in, create_account, create_team, today
):
    client, owner = signed_in(["fachkraft"])
    case_id = register(app, owner.id)
    close(app, case_id, today)
    assert client.get(f"/faelle/{case_id}/anmelden").status_code == 403
    team_id, _ = create_team([(create_account(["member"]), "permanent")])
    with app.app_context():
        from fallteam.core.models import utcnow

        start = (utcnow() + timedelta(days=14)).replace(microsecond=0)
        meeting = Meeting(team_id=team_id, starts_dt=start, ends_dt=start + timedelta(hours=3))
        db.session.add(meeting)
        db.session.flush()
        with pytest.raises(agenda.MeetingError):
            agenda.register_case_for_meeting(
                db.session.get(Case, case_id),
                meeting,
                agenda.Registration("kollegiale_beratung", "Frage?", "Darstellung.", 30),
                actor=db.session.get(User, owner.id),
            )


def test_reopening_is_possible_until_the_deletion_is_proposed(app, signed_in, today):
    client, owner = signed_in(["fachkraft"])
    case_id = register(app, owner.id, category="sonstige")
    close(app, case_id, today)
    reopened = client.post(
        f"/faelle/{case_id}/wieder-oeffnen",
        data={"wo-reason": "neuer_bedarf", "csrf_token": csrf_token(client)},
    )
    assert reopened.status_code == 302
    with app.app_context():
        case = db.session.get(Case, case_id)
        assert case.closed_on is None and case.deletion_due_on is None
    close(app, case_id, today - timedelta(days=6 * 366))
    assert run_retention(app).exit_code == 0
    client.post(
        f"/faelle/{case_id}/wieder-oeffnen",
        data={"wo-reason": "neuer_bedarf", "csrf_token": csrf_token(client)},
    )
    with app.app_context():
        assert db.session.get(Case, case_id).closed_on is not None


def test_only_the_owner_closes_a_case(app, signed_in, create_account, today):
    owner = create_account(["fachkraft"])
    case_id = register(app, owner.id)
    other, _ = signed_in(["fachkraft"])
    assert _close_by_page(other, case_id, today).status_code == 403
