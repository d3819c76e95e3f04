"""Institutions are data: accounts and consent recipients refer to one list by id, so a
consent covers exactly the institution it names — never by a default, never by spelling."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from fallteam.auth import operations as accounts
from fallteam.auth.models import Institution, User
from fallteam.cases.models import Case
from fallteam.consent.queries import visible_fields
from fallteam.extensions import db
from fallteam.meetings.models import AgendaItem
from fallteam.meetings.queries.agenda import guest_covered
from tests.conftest import ASD, GESUNDHEITSAMT, JOBCENTER, csrf_token


def _institution_recipient(institution_id) -> list[dict]:
    return [{"type": "institution", "value": str(institution_id)}]


def _create_through_admin(admin, username: str, roles: list[str], institution=None):
    data = {
        "username": username,
        "display_name": f"Fr. {username}",
        "email": f"{username}@example.org",
        "roles": roles,
        "csrf_token": csrf_token(admin),
    }
    if institution is not None:
        data["institution_id"] = str(institution)
    return admin.post("/admin/benutzer/neu", data=data)


def test_an_admin_created_jobcenter_guest_is_not_covered_by_a_consent_naming_the_asd(
    app, signed_in, create_account, create_case, create_team, create_meeting, institution_id
):
    """The attack of the issue: the account defaulted to "asd" and a consent for the ASD
    released the family to the Jobcenter guest."""
    admin, _ = signed_in(["admin"])
    response = _create_through_admin(admin, "okafor", ["guest"], institution_id(JOBCENTER))
    assert response.status_code == 200 and 'data-testid="one-time-password"' in (
        response.get_data(as_text=True)
    )
    owner = create_account(["fachkraft"])
    case = create_case(owner, consent={"recipients": _institution_recipient(institution_id(ASD))})
    team_id, _ = create_team([(create_account(["member"]), "permanent")])
    with app.app_context():
        guest = db.session.scalars(select(User).where(User.username == "okafor")).one()
        assert guest.institution.name == JOBCENTER
        guest_id = guest.id
    session = create_meeting(team_id, case, guests=[_as_account(guest_id)])
    with app.app_context():
        guest = db.session.get(User, guest_id)
        the_case = db.session.get(Case, case.id)
        seen = visible_fields(guest, the_case)
        assert all(seen.of(m.id) == frozenset() for m in the_case.members)
        assert not guest_covered(db.session.get(AgendaItem, session.item_id), guest)


def _as_account(user_id):
    from tests.conftest import Account

    return Account(user_id, "", "", None, ["guest"])


def test_a_guest_account_cannot_be_created_without_choosing_its_institution(app, signed_in):
    admin, _ = signed_in(["admin"])
    page = _create_through_admin(admin, "ohne", ["guest"]).get_data(as_text=True)
    assert "Bitte die Institution wählen" in page
    with app.app_context():
        assert db.session.scalars(select(User).where(User.username == "ohne")).first() is None


@pytest.mark.parametrize("roles", [["fachkraft"], ["member"], ["guest"], ["member", "dpo"]])
def test_the_operations_refuse_an_account_with_case_access_but_no_institution(app, roles):
    """The rule is the operation's, not only the form's: whoever may see case content is
    matched against consents by institution, so every such account names one."""
    with app.app_context():
        with pytest.raises(accounts.AccountError, match="Institution"):
            accounts.create_user(
                username="ohne-institution",
                display_name="Fr. Ohne",
                email="ohne@example.org",
                roles=roles,
            )
        user, _ = accounts.create_user(
            username="datenschutz",
            display_name="Hr. Datenschutz",
            email="d@example.org",
            roles=["dpo"],
        )
        with pytest.raises(accounts.AccountError, match="Institution"):
            accounts.update_user(
                user,
                display_name=user.display_name,
                email=user.email,
                roles=roles,
                institution=None,
            )
        assert user.role_names == ["dpo"]
        db.session.rollback()


def test_the_admin_form_asks_for_an_institution_exactly_where_the_operation_does(app):
    from fallteam.admin.forms import UserForm

    with app.test_request_context(method="POST"):
        for role in accounts.ROLES_NEEDING_INSTITUTION | {"admin", "dpo"}:
            form = UserForm(
                formdata=None,
                data={"display_name": "X", "email": "x@example.org", "roles": [role]},
            )
            form.institution_id.data = ""
            form.validate()
            refused = bool(form.institution_id.errors)
            assert refused is (role in accounts.ROLES_NEEDING_INSTITUTION), role
    assert {"fachkraft", "member", "guest"} <= accounts.ROLES_NEEDING_INSTITUTION


def test_the_admin_form_offers_the_institutions_and_shows_the_chosen_one(
    app, signed_in, create_account, institution_id
):
    admin, _ = signed_in(["admin"])
    page = admin.get("/admin/benutzer/neu").get_data(as_text=True)
    for name in (ASD, JOBCENTER, GESUNDHEITSAMT, "Kita-Fachberatung", "Vormundschaft"):
        assert name in page
    member = create_account(["member"], institution=GESUNDHEITSAMT)
    edit = admin.get(f"/admin/benutzer/{member.id}").get_data(as_text=True)
    assert re.search(
        rf'<option selected value="{institution_id(GESUNDHEITSAMT)}"'
        rf'|<option value="{institution_id(GESUNDHEITSAMT)}" selected',
        edit,
    )


def test_a_consent_naming_the_jobcenter_covers_a_jobcenter_colleague_with_a_normal_account(
    app, create_account, create_case, institution_id
):
    owner = create_account(["fachkraft"])
    colleague = create_account(["member"], institution=JOBCENTER)
    other = create_account(["member"], institution=ASD)
    case = create_case(
        owner,
        participants=[(colleague, "member"), (other, "member")],
        consent={"recipients": _institution_recipient(institution_id(JOBCENTER))},
    )
    with app.app_context():
        the_case = db.session.get(Case, case.id)
        mother = the_case.members[0].id
        assert "member_names" in visible_fields(db.session.get(User, colleague.id), the_case).of(
            mother
        )
        assert visible_fields(db.session.get(User, other.id), the_case).of(mother) == frozenset()


def test_renaming_an_institution_keeps_what_its_consents_cover(
    app, signed_in, create_account, create_case, institution_id
):
    owner = create_account(["fachkraft"])
    colleague = create_account(["member"], institution=JOBCENTER)
    case = create_case(
        owner,
        participants=[(colleague, "member")],
        consent={"recipients": _institution_recipient(institution_id(JOBCENTER))},
    )
    admin, _ = signed_in(["admin"])
    response = admin.post(
        f"/admin/institutionen/{institution_id(JOBCENTER)}",
        data={"name": "Jobcenter Potsdam-Mittelmark", "csrf_token": csrf_token(admin)},
    )
    assert response.status_code == 302
    with app.app_context():
        the_case = db.session.get(Case, case.id)
        seen = visible_fields(db.session.get(User, colleague.id), the_case)
        assert "member_names" in seen.of(the_case.members[0].id)


def test_the_admin_adds_a_freier_traeger_and_deactivates_it(
    app, signed_in, create_account, create_case
):
    admin, _ = signed_in(["admin"])
    response = admin.post(
        "/admin/institutionen",
        data={"neu-name": "  Stiftung  Lebensraum gGmbH ", "csrf_token": csrf_token(admin)},
    )
    assert response.status_code == 302
    page = admin.get("/admin/institutionen").get_data(as_text=True)
    assert "Stiftung Lebensraum gGmbH" in page
    twice = admin.post(
        "/admin/institutionen",
        data={"neu-name": "stiftung lebensraum ggmbh", "csrf_token": csrf_token(admin)},
    )
    assert "gibt es bereits" in twice.get_data(as_text=True)
    with app.app_context():
        added = db.session.scalars(
            select(Institution).where(Institution.name == "Stiftung Lebensraum gGmbH")
        ).one()
        added_id = added.id
    owner_client, owner = signed_in(["fachkraft"])
    case = create_case(owner)
    form = f"/faelle/{case.id}/einwilligungen/neu"
    assert "Stiftung Lebensraum gGmbH" in owner_client.get(form).get_data(as_text=True)
    admin.post(
        f"/admin/institutionen/{added_id}/deaktivieren", data={"csrf_token": csrf_token(admin)}
    )
    assert "Stiftung Lebensraum gGmbH" not in owner_client.get(form).get_data(as_text=True)
    refused = owner_client.post(
        form,
        data={
            "grantor": str(case.member_ids[0]),
            "grantor_capacity": "sorgeberechtigt",
            "recipient_institutions": [str(added_id)],
            "purposes": ["fallberatung"],
            "data_categories": ["identity"],
            "valid_from": "2026-01-01",
            "form": "schriftlich",
            "csrf_token": csrf_token(owner_client),
        },
    )
    assert refused.status_code == 200  # not offered, so not accepted


@pytest.mark.parametrize("name", ["", "   "])
def test_an_institution_needs_a_name(signed_in, name):
    admin, _ = signed_in(["admin"])
    page = admin.post(
        "/admin/institutionen", data={"neu-name": name, "csrf_token": csrf_token(admin)}
    ).get_data(as_text=True)
    assert "Bitte ausfüllen." in page or "Bitte den Namen" in page


def test_the_admin_changes_an_accounts_institution(app, signed_in, create_account, institution_id):
    member = create_account(["member"], institution=ASD)
    admin, _ = signed_in(["admin"])
    response = admin.post(
        f"/admin/benutzer/{member.id}",
        data={
            "display_name": "Fr. Wechsel",
            "email": "wechsel@example.org",
            "roles": ["member"],
            "institution_id": str(institution_id(JOBCENTER)),
            "csrf_token": csrf_token(admin),
        },
    )
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(User, member.id).institution_id == institution_id(JOBCENTER)
    refused = admin.post(
        f"/admin/benutzer/{member.id}",
        data={
            "display_name": "Fr. Wechsel",
            "email": "wechsel@example.org",
            "roles": ["member"],
            "institution_id": "",
            "csrf_token": csrf_token(admin),
        },
    )
    assert "Bitte die Institution wählen" in refused.get_data(as_text=True)
