"""Restriction (Sperrung, § 84 Abs. 3 SGB X): once the DPO approves it, nobody but the
approved owner reads the case — members, guests, the moderator and the writer all try and
are refused — and the owner names a reason before every read, recorded with the read. The
"disputed" mark shows with the data wherever the case is shown."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from fallteam.audit.models import AuditEvent
from fallteam.auth.models import User
from fallteam.cases.models import Case
from fallteam.extensions import db
from tests.conftest import QUESTION, csrf_token, sign_in


def _pages(scene) -> dict[str, str]:
    return {
        "case": f"/faelle/{scene.case.id}",
        "item": f"/tagesordnung/{scene.item_id}",
        "protocol": f"/protokolle/{scene.protocol_id}",
    }


def _restrict(app, scene, dpo) -> None:
    client = app.test_client()
    owner = app.test_client()
    sign_in(owner, app, scene.owner)
    asked = owner.post(
        f"/faelle/{scene.case.id}/sperrung",
        data={"sp-reason": "richtigkeit_bestritten", "csrf_token": csrf_token(owner)},
    )
    assert asked.status_code == 302
    sign_in(client, app, dpo)
    page = client.get("/datenschutz/loeschungen").get_data(as_text=True)
    assert scene.case.pseudonym in page
    approved = client.post(
        f"/datenschutz/sperrungen/{scene.case.id}/genehmigen",
        data={"csrf_token": csrf_token(client)},
    )
    assert approved.status_code == 302
    with app.app_context():
        case = db.session.get(Case, scene.case.id)
        assert case.restriction == "restricted" and case.restricted_for_id == scene.owner.id


@pytest.mark.parametrize("who", ["member", "moderator", "guest"])
def test_a_restricted_case_is_refused_to_everyone_but_its_owner(app, scene, dpo, who):
    client = app.test_client()
    sign_in(client, app, getattr(scene, who))
    pages = _pages(scene)
    # before: the pages this person may see open (so the refusal below is the restriction's)
    seen = {name: client.get(url).status_code for name, url in pages.items()}
    assert 200 in seen.values(), seen
    _restrict(app, scene, dpo)
    for name, url in pages.items():
        assert client.get(url).status_code == 403, (who, name)


def test_the_moderator_no_longer_finds_a_restricted_case_on_the_agenda(app, scene, dpo):
    moderator = app.test_client()
    sign_in(moderator, app, scene.moderator)
    agenda = f"/sitzungen/{scene.meeting_id}"
    assert QUESTION in moderator.get(agenda).get_data(as_text=True)
    _restrict(app, scene, dpo)
    assert QUESTION not in moderator.get(agenda).get_data(as_text=True)


def test_the_owner_names_a_reason_before_every_read_and_it_goes_with_the_read(app, scene, dpo):
    _restrict(app, scene, dpo)
    owner = app.test_client()
    sign_in(owner, app, scene.owner)
    for url in (
        f"/faelle/{scene.case.id}",
        f"/faelle/{scene.case.id}/bearbeiten",
        f"/protokolle/{scene.protocol_id}",
        f"/faelle/{scene.case.id}/einwilligungen/neu",
    ):
        asked = owner.get(url)
        assert asked.status_code == 302, url
        assert "/zugriffsgrund" in asked.headers["Location"], url
        form = owner.get(asked.headers["Location"]).get_data(as_text=True)
        assert 'data-testid="reason-form"' in form and "Krautwurst" not in form
        given = owner.post(
            asked.headers["Location"],
            data={"reason": "auskunft", "csrf_token": csrf_token(owner)},
        )
        assert given.status_code == 302 and given.headers["Location"].endswith(url)
        assert owner.get(url).status_code == 200, url
        # the next read asks again
        assert "/zugriffsgrund" in owner.get(url).headers["Location"]
    with app.app_context():
        reads = db.session.scalars(
            select(AuditEvent).where(
                AuditEvent.case_pseudonym == scene.case.pseudonym,
                AuditEvent.action == "read",
                AuditEvent.actor_id == scene.owner.id,
                AuditEvent.purpose == "Gesperrter Fall: auskunft",
            )
        ).all()
        assert len(reads) >= 4
        # the reason from the list, never free text (the log outlives the case's deletion)
        given = [json.loads(e.details)["restricted_read"] for e in reads]
        assert given == [{"reason": "auskunft"}] * len(reads)
        assert all("Krautwurst" not in e.details for e in reads)


def test_another_fachkraft_cannot_give_a_reason_for_someone_elses_restricted_case(
    app, scene, dpo, signed_in
):
    _restrict(app, scene, dpo)
    other, _ = signed_in(["fachkraft"])
    assert other.get(f"/faelle/{scene.case.id}/zugriffsgrund").status_code == 403
    assert other.get(f"/faelle/{scene.case.id}").status_code == 403


def test_only_the_dpo_approves_a_restriction(app, scene):
    owner = app.test_client()
    sign_in(owner, app, scene.owner)
    owner.post(
        f"/faelle/{scene.case.id}/sperrung",
        data={"sp-reason": "rechtsansprueche", "csrf_token": csrf_token(owner)},
    )
    refused = owner.post(
        f"/datenschutz/sperrungen/{scene.case.id}/genehmigen",
        data={"csrf_token": csrf_token(owner)},
    )
    assert refused.status_code == 403
    with app.app_context():
        assert db.session.get(Case, scene.case.id).restriction == "requested"


def test_the_disputed_mark_shows_with_the_data_wherever_the_case_is_shown(app, scene, today):
    owner = app.test_client()
    sign_in(owner, app, scene.owner)
    marked = owner.post(
        f"/faelle/{scene.case.id}/bestritten",
        data={"be-disputed_on": today.isoformat(), "csrf_token": csrf_token(owner)},
    )
    assert marked.status_code == 302
    shown = today.strftime("%d.%m.%Y")
    member, moderator = app.test_client(), app.test_client()
    sign_in(member, app, scene.member)
    sign_in(moderator, app, scene.moderator)
    for client, url in (
        (owner, f"/faelle/{scene.case.id}"),
        (member, f"/tagesordnung/{scene.item_id}"),
        (moderator, f"/protokolle/{scene.protocol_id}"),
    ):
        page = client.get(url, follow_redirects=True).get_data(as_text=True)
        assert 'data-testid="disputed"' in page and shown in page, url
    with app.app_context():
        from fallteam.cases.operations import set_disputed

        set_disputed(
            db.session.get(Case, scene.case.id), None, actor=db.session.get(User, scene.owner.id)
        )
        db.session.commit()
    page = owner.get(f"/faelle/{scene.case.id}").get_data(as_text=True)
    assert 'data-testid="disputed"' not in page


def test_a_restricted_case_cannot_be_transferred_or_registered(app, scene, dpo):
    from datetime import timedelta

    from fallteam.cases.operations import CaseError, transfer_case
    from fallteam.core.models import utcnow
    from fallteam.meetings.models import Meeting
    from fallteam.meetings.operations import agenda

    _restrict(app, scene, dpo)
    with app.app_context():
        case = db.session.get(Case, scene.case.id)
        owner = db.session.get(User, scene.owner.id)
        with pytest.raises(CaseError):
            transfer_case(case, db.session.get(User, scene.member.id), actor=owner)
        start = (utcnow() + timedelta(days=14)).replace(microsecond=0)
        meeting = Meeting(
            team_id=db.session.get(Meeting, scene.meeting_id).team_id,
            starts_dt=start,
            ends_dt=start + timedelta(hours=3),
        )
        db.session.add(meeting)
        db.session.flush()
        with pytest.raises(agenda.MeetingError):
            agenda.register_case_for_meeting(
                case,
                meeting,
                agenda.Registration("kollegiale_beratung", "Frage?", "Darstellung.", 30),
                actor=owner,
            )


def test_the_owners_case_list_does_not_name_the_family_of_a_restricted_case(app, scene, dpo):
    owner = app.test_client()
    sign_in(owner, app, scene.owner)
    assert "Krautwurst" in owner.get("/faelle").get_data(as_text=True)
    _restrict(app, scene, dpo)
    listing = owner.get("/faelle").get_data(as_text=True)
    assert scene.case.pseudonym in listing and "Krautwurst" not in listing
