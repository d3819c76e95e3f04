"""The person pickers offer only people who may hold the relation, and the operation refuses
the rest (a forged form post included): team members are Fachkräfte or members, never the
administration, the DPO or guests; a guest-role account never becomes a "member" participant;
consents name only people who may see case content; agenda guests likewise."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from fallteam.auth.models import User
from fallteam.cases import operations as cases
from fallteam.cases.models import Case, CaseParticipant
from fallteam.consent import operations as consents
from fallteam.consent.models import Consent
from fallteam.core.models import utcnow
from fallteam.extensions import db
from fallteam.meetings.models import AgendaGuest, AgendaItem
from fallteam.meetings.operations import MeetingError, agenda
from fallteam.teams import operations as teams
from fallteam.teams.models import Team, TeamMember
from tests.conftest import csrf_token

NOT_MEMBERS = ["admin", "dpo", "guest"]


@pytest.mark.parametrize("role", NOT_MEMBERS)
def test_a_forged_post_cannot_make_them_a_team_member(
    app, signed_in, create_account, create_team, role
):
    outsider = create_account([role])
    team_id, _ = create_team([(create_account(["member"]), "permanent")])
    admin, _ = signed_in(["admin"])
    page = admin.get(f"/fallteams/{team_id}").get_data(as_text=True)
    assert f'value="{outsider.id}"' not in page
    admin.post(
        f"/fallteams/{team_id}/mitglieder",
        data={"m-user": str(outsider.id), "m-kind": "permanent", "csrf_token": csrf_token(admin)},
    )
    with app.app_context():
        assert (
            db.session.scalars(
                select(TeamMember).where(
                    TeamMember.team_id == team_id, TeamMember.user_id == outsider.id
                )
            ).first()
            is None
        )
        with pytest.raises(teams.TeamError):
            teams.add_member(
                db.session.get(Team, team_id), db.session.get(User, outsider.id), kind="permanent"
            )


@pytest.mark.parametrize(
    ("role", "kind"),
    [("guest", "member"), ("admin", "member"), ("dpo", "guest"), ("admin", "guest")],
)
def test_a_forged_post_cannot_make_them_a_case_participant(
    app, signed_in, create_case, create_account, role, kind
):
    client, owner = signed_in(["fachkraft"])
    case = create_case(owner)
    outsider = create_account([role])
    now = utcnow()
    client.post(
        f"/faelle/{case.id}/teilnehmende",
        data={
            "pt-user": str(outsider.id),
            "pt-kind": kind,
            "pt-valid_from": now.strftime("%Y-%m-%dT%H:%M"),
            "pt-valid_until": (now + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
            "csrf_token": csrf_token(client),
        },
    )
    with app.app_context():
        assert (
            db.session.scalars(
                select(CaseParticipant).where(CaseParticipant.user_id == outsider.id)
            ).first()
            is None
        )
        with pytest.raises(cases.CaseError):
            cases.grant_participation(
                db.session.get(Case, case.id),
                db.session.get(User, outsider.id),
                kind=kind,
                valid_from=now,
                valid_until=now + timedelta(days=1),
                actor=db.session.get(User, owner.id),
            )


def test_the_participant_picker_offers_no_administration_or_dpo(
    app, signed_in, create_case, create_account
):
    client, owner = signed_in(["fachkraft"])
    case = create_case(owner)
    admin, dpo = create_account(["admin"]), create_account(["dpo"])
    page = client.get(f"/faelle/{case.id}/bearbeiten").get_data(as_text=True)
    assert f'value="{admin.id}"' not in page and f'value="{dpo.id}"' not in page


@pytest.mark.parametrize("role", ["admin", "dpo"])
def test_a_forged_post_cannot_name_them_as_consent_recipient(
    app, signed_in, create_case, create_account, role
):
    client, owner = signed_in(["fachkraft"])
    case = create_case(owner)
    outsider = create_account([role])
    form = f"/faelle/{case.id}/einwilligungen/neu"
    assert f'value="{outsider.id}"' not in client.get(form).get_data(as_text=True)
    client.post(
        form,
        data={
            "grantor": str(case.member_ids[0]),
            "grantor_capacity": "sorgeberechtigt",
            "recipient_users": [str(outsider.id)],
            "purposes": ["fallberatung"],
            "data_categories": ["identity"],
            "valid_from": utcnow().date().isoformat(),
            "form": "schriftlich",
            "csrf_token": csrf_token(client),
        },
    )
    with app.app_context():
        assert db.session.scalars(select(Consent).where(Consent.case_id == case.id)).first() is None
        the_case = db.session.get(Case, case.id)
        with pytest.raises(consents.ConsentError):
            consents.record_consent(
                the_case,
                consents.ConsentData(
                    grantor=the_case.members[0],
                    grantor_capacity="sorgeberechtigt",
                    recipients=[{"type": "user", "value": str(outsider.id)}],
                    purposes=["fallberatung"],
                    data_categories=["identity"],
                    valid_from=utcnow().date(),
                    valid_until=None,
                    form="schriftlich",
                ),
                actor=db.session.get(User, owner.id),
            )


@pytest.mark.parametrize(
    "recipient",
    [
        {"type": "institution", "value": "jobcenter"},  # the old free text: no entry
        {"type": "institution", "value": str(uuid.uuid4())},
        {"type": "participant_kind", "value": "everyone"},
    ],
)
def test_a_consent_names_only_known_recipients(app, create_account, create_case, recipient):
    owner = create_account(["fachkraft"])
    with pytest.raises(consents.ConsentError):
        create_case(owner, consent={"recipients": [recipient]})


@pytest.mark.parametrize("role", ["admin", "dpo"])
def test_a_forged_post_cannot_invite_them_as_agenda_guest(
    app, signed_in, create_account, create_case, create_team, create_meeting, role
):
    client, owner = signed_in(["fachkraft"])
    team_id, _ = create_team([(create_account(["member"]), "permanent")])
    session = create_meeting(team_id, create_case(owner))
    outsider = create_account([role])
    client.post(
        f"/tagesordnung/{session.item_id}/gaeste",
        data={"g-user": str(outsider.id), "csrf_token": csrf_token(client)},
    )
    with app.app_context():
        assert (
            db.session.scalars(
                select(AgendaGuest).where(AgendaGuest.user_id == outsider.id)
            ).first()
            is None
        )
        with pytest.raises(MeetingError):
            agenda.add_guest(
                db.session.get(AgendaItem, session.item_id), db.session.get(User, outsider.id)
            )
