"""A consent releases persons, not a family (SGB VIII § 65): the granter's own data, the
children's where the granter has custody, a young person's of 14 or more their own. Everyone
nobody released stays a role label, in every list, the genogram and the resource map."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from fallteam.auth.models import User
from fallteam.cases import operations as cases
from fallteam.cases.models import Case, CaseParticipant
from fallteam.consent import operations as consents
from fallteam.consent.models import Consent
from fallteam.consent.queries import PSEUDONYMISED_FIELDS, visible_fields
from fallteam.core.models import utcnow
from fallteam.extensions import db
from fallteam.meetings.models import AgendaItem
from fallteam.meetings.operations import windows
from fallteam.meetings.queries.agenda import guest_covered, uncovered_guests, unfinished_reasons
from tests.conftest import GESUNDHEITSAMT, JOBCENTER, PDF, sign_in

MEMBERS = [{"type": "participant_kind", "value": "member"}]


def _years_ago(years: int, days: int = 0) -> date:
    today = utcnow().date()
    return today.replace(year=today.year - years) - timedelta(days=days)


def test_the_mothers_consent_leaves_the_father_a_role_label_on_every_page(
    app, create_account, create_case, create_team, create_meeting, institution_id
):
    """The attack of the issue: a mother's release for the Gesundheitsamt showed its guest the
    father's name; and a member the father's name and birth date on the case page."""
    owner = create_account(["fachkraft"])
    member = create_account(["member"])
    guest = create_account(["guest"], institution=GESUNDHEITSAMT)
    case = create_case(
        owner,
        consent={
            "recipients": MEMBERS
            + [{"type": "institution", "value": str(institution_id(GESUNDHEITSAMT))}],
            "custody_for": (),
        },
    )
    team_id, _ = create_team([(member, "permanent")])
    session = create_meeting(team_id, case, guests=[guest])
    for account, pages in (
        (member, [f"/faelle/{case.id}", f"/tagesordnung/{session.item_id}"]),
        (guest, [f"/tagesordnung/{session.item_id}"]),
    ):
        client = app.test_client()
        sign_in(client, app, account)
        for url in pages:
            # a member opening the case page is taken to the agenda item that presents it
            page = client.get(url, follow_redirects=True).get_data(as_text=True)
            assert "Sabine" in page, url  # the mother released herself
            assert "Marco" not in page, url  # the father released nothing
            assert "Leonie" not in page and "Jonas" not in page, url  # no custody recorded
            assert "02.11.1985" not in page, url
            assert "Vater" in page, url
            assert "Oma Gisela" not in page, url  # the family as a whole is not released


def test_a_custodial_parent_releases_the_children_named_on_the_consent(
    app, create_account, create_case
):
    owner, member = create_account(["fachkraft"]), create_account(["member"])
    case = create_case(
        owner,
        participants=[(member, "member")],
        consent={"recipients": MEMBERS, "custody_for": (2,)},
    )
    with app.app_context():
        the_case = db.session.get(Case, case.id)
        mother, father, leonie, jonas = the_case.members
        seen = visible_fields(db.session.get(User, member.id), the_case)
        assert "member_names" in seen.of(mother.id) and "member_names" in seen.of(leonie.id)
        assert seen.of(jonas.id) == frozenset() and seen.of(father.id) == frozenset()
        assert seen == PSEUDONYMISED_FIELDS


def test_both_parents_consents_together_release_the_whole_family(app, create_account, create_case):
    owner, member = create_account(["fachkraft"]), create_account(["member"])
    case = create_case(owner, participants=[(member, "member")], consent={"recipients": MEMBERS})
    with app.app_context():
        the_case = db.session.get(Case, case.id)
        owner_user = db.session.get(User, owner.id)
        consents.record_consent(
            the_case,
            consents.ConsentData(
                grantor=the_case.members[1],
                grantor_capacity="sorgeberechtigt",
                custody_for=[],
                recipients=MEMBERS,
                purposes=["fallberatung"],
                data_categories=["identity"],
                valid_from=utcnow().date(),
                valid_until=None,
                form="schriftlich",
                document=PDF,
                document_name="vater.pdf",
            ),
            actor=owner_user,
        )
        seen = visible_fields(db.session.get(User, member.id), the_case)
    assert {"member_names", "member_birth_dates", "resource_labels"} <= seen


def _add_child(app, case_id, born: date, first_name: str):
    with app.app_context():
        the_case = db.session.get(Case, case_id)
        child = cases.add_member(
            the_case,
            cases.MemberData(
                role="Kind",
                sex="m",
                first_name=first_name,
                last_name="Krautwurst",
                birth_date=born,
            ),
        )
        db.session.commit()
        return child.id


def _own_consent(app, case_id, owner, grantor_id, *, capacity="jugendlich_14"):
    with app.app_context():
        the_case = db.session.get(Case, case_id)
        grantor = next(m for m in the_case.members if m.id == grantor_id)
        consent = consents.record_consent(
            the_case,
            consents.ConsentData(
                grantor=grantor,
                grantor_capacity=capacity,
                recipients=MEMBERS,
                purposes=["fallberatung"],
                data_categories=["identity"],
                valid_from=utcnow().date(),
                valid_until=None,
                form="schriftlich",
                document=PDF,
                document_name="jugendlicher.pdf",
            ),
            actor=db.session.get(User, owner.id),
        )
        db.session.commit()
        return consent.id


def test_a_young_person_of_fourteen_releases_their_own_data(app, create_account, create_case):
    owner, member = create_account(["fachkraft"]), create_account(["member"])
    case = create_case(owner, participants=[(member, "member")])
    young = _add_child(app, case.id, _years_ago(14), "Tim")
    _own_consent(app, case.id, owner, young)
    with app.app_context():
        the_case = db.session.get(Case, case.id)
        seen = visible_fields(db.session.get(User, member.id), the_case)
        assert "member_names" in seen.of(young)
        assert all(seen.of(m.id) == frozenset() for m in the_case.members if m.id != young)


def test_a_thirteen_year_olds_own_consent_is_refused(app, create_account, create_case):
    owner = create_account(["fachkraft"])
    case = create_case(owner)
    child = _add_child(app, case.id, _years_ago(14, days=-1), "Tim")  # 14 tomorrow
    with pytest.raises(consents.ConsentError, match="14"):
        _own_consent(app, case.id, owner, child)


def test_a_thirteen_year_olds_own_consent_on_record_releases_nothing(
    app, create_account, create_case
):
    """Defence in depth: a record that got in another way (older data) does not count."""
    owner, member = create_account(["fachkraft"]), create_account(["member"])
    case = create_case(owner, participants=[(member, "member")])
    child = _add_child(app, case.id, _years_ago(13), "Tim")
    with app.app_context():
        db.session.add(
            Consent(
                case_id=case.id,
                grantor_id=child,
                grantor_capacity="jugendlich_14",
                custody_for=[],
                recipients=MEMBERS,
                purposes=["fallberatung"],
                data_categories=["identity"],
                valid_from=utcnow().date() - timedelta(days=1),
                form="schriftlich",
                recorded_by_id=owner.id,
                created_dt=utcnow() - timedelta(days=1),
            )
        )
        db.session.commit()
        the_case = db.session.get(Case, case.id)
        seen = visible_fields(db.session.get(User, member.id), the_case)
        assert all(seen.of(m.id) == frozenset() for m in the_case.members)


@pytest.mark.parametrize(
    ("capacity", "custody_for", "message"),
    [
        ("jugendlich_14", (2,), "sorgeberechtigt"),  # a young person releases only themselves
        ("sorgeberechtigt", (1,), "Kind"),  # custody only for the case's children
    ],
)
def test_custody_is_recorded_only_where_it_can_exist(
    app, create_account, create_case, capacity, custody_for, message
):
    owner = create_account(["fachkraft"])
    case = create_case(owner)
    with app.app_context():
        the_case = db.session.get(Case, case.id)
        grantor = the_case.members[0]
        with pytest.raises(consents.ConsentError, match=message):
            consents.record_consent(
                the_case,
                consents.ConsentData(
                    grantor=grantor,
                    grantor_capacity=capacity,
                    custody_for=[the_case.members[i] for i in custody_for],
                    recipients=MEMBERS,
                    purposes=["fallberatung"],
                    data_categories=["identity"],
                    valid_from=utcnow().date(),
                    valid_until=None,
                    form="schriftlich",
                ),
                actor=db.session.get(User, owner.id),
            )


def test_the_consent_form_records_custody_for_chosen_children(app, signed_in, create_case):
    from tests.conftest import csrf_token

    client, owner = signed_in(["fachkraft"])
    case = create_case(owner)
    page = client.get(f"/faelle/{case.id}/einwilligungen/neu").get_data(as_text=True)
    assert "sorgeberechtigt für" in page
    response = client.post(
        f"/faelle/{case.id}/einwilligungen/neu",
        data={
            "grantor": str(case.member_ids[0]),
            "grantor_capacity": "sorgeberechtigt",
            "custody_for": [str(case.member_ids[2])],
            "recipient_kinds": ["member"],
            "purposes": ["fallberatung"],
            "data_categories": ["identity"],
            "valid_from": utcnow().date().isoformat(),
            "form": "schriftlich",
            "csrf_token": csrf_token(client),
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        from sqlalchemy import select

        stored = db.session.scalars(select(Consent).where(Consent.case_id == case.id)).one()
        assert stored.custody_for == [str(case.member_ids[2])]


def test_the_case_manager_sees_for_whom_the_grantor_has_custody(app, signed_in, create_case):
    client, owner = signed_in(["fachkraft"])
    case = create_case(owner, consent={"recipients": MEMBERS, "custody_for": (2, 3)})
    page = client.get(f"/faelle/{case.id}").get_data(as_text=True)
    assert re.search(r"sorgeberechtigt für Kind 2 \(\d+ J\.\), Kind 1 \(\d+ J\.\)", page)


def test_a_list_computes_it_with_consents_loaded_for_many_cases_at_once(
    app, create_account, create_case
):
    from fallteam.consent.queries import consents_in_force_for

    owner, member = create_account(["fachkraft"]), create_account(["member"])
    with_consent = create_case(
        owner, participants=[(member, "member")], consent={"recipients": MEMBERS}
    )
    without = create_case(owner, participants=[(member, "member")])
    with app.app_context():
        viewer = db.session.get(User, member.id)
        cases = [db.session.get(Case, c.id) for c in (with_consent, without)]
        loaded = consents_in_force_for(cases)
        assert [len(loaded[c.id]) for c in cases] == [1, 0]
        for case in cases:
            preloaded = visible_fields(viewer, case, consents=loaded[case.id])
            assert preloaded == visible_fields(viewer, case)
            assert preloaded.members == visible_fields(viewer, case).members


def participations_of(case_id) -> list[CaseParticipant]:
    return list(
        db.session.scalars(select(CaseParticipant).where(CaseParticipant.case_id == case_id))
    )


def _jobcenter_guest_of_a_mothers_consent(
    app, create_account, create_case, create_team, create_meeting, institution_id, custody_for
):
    owner = create_account(["fachkraft"])
    guest = create_account(["guest"], institution=JOBCENTER)
    jobcenter = [{"type": "institution", "value": str(institution_id(JOBCENTER))}]
    case = create_case(owner, consent={"recipients": jobcenter, "custody_for": custody_for})
    team_id, _ = create_team([(create_account(["member"]), "permanent")])
    session = create_meeting(team_id, case, guests=[guest], invited=False)
    with app.app_context():
        item = db.session.get(AgendaItem, session.item_id)
        item.pseudonymised_confirmed = False
        db.session.commit()
    return owner, guest, case, session, jobcenter


def test_a_consent_for_part_of_the_family_does_not_cover_a_guest(
    app, create_account, create_case, create_team, create_meeting, institution_id
):
    """The attack: the mother's consent for herself alone named the Jobcenter, and its guest
    counted as covered — no confirmation of the pseudonymised presentation was asked and the
    window opened at the invitation, while father and children stayed pseudonymised."""
    _owner, guest, _case, session, _ = _jobcenter_guest_of_a_mothers_consent(
        app, create_account, create_case, create_team, create_meeting, institution_id, ()
    )
    with app.app_context():
        item = db.session.get(AgendaItem, session.item_id)
        the_guest = db.session.get(User, guest.id)
        assert not guest_covered(item, the_guest)
        assert [g.user_id for g in uncovered_guests(item)] == [guest.id]
        assert any("Bestätigung" in reason for reason in unfinished_reasons(item))
        windows.open_guest_window(item.guests[0], now=utcnow())
        assert item.guests[0].invited_dt is None
        assert not any(p.user_id == guest.id for p in participations_of(item.case_id))


def test_consents_for_every_family_member_cover_a_guest(
    app, create_account, create_case, create_team, create_meeting, institution_id
):
    owner, guest, case, session, jobcenter = _jobcenter_guest_of_a_mothers_consent(
        app, create_account, create_case, create_team, create_meeting, institution_id, (2, 3)
    )
    with app.app_context():
        item = db.session.get(AgendaItem, session.item_id)
        assert not guest_covered(item, db.session.get(User, guest.id))  # the father is missing
        consents.record_consent(
            item.case,
            consents.ConsentData(
                grantor=item.case.members[1],
                grantor_capacity="sorgeberechtigt",
                custody_for=[],
                recipients=jobcenter,
                purposes=["fallberatung"],
                data_categories=["identity"],
                valid_from=utcnow().date() - timedelta(days=1),
                valid_until=None,
                form="schriftlich",
                document=PDF,
                document_name="vater.pdf",
            ),
            actor=db.session.get(User, owner.id),
        )
        db.session.flush()
        assert guest_covered(item, db.session.get(User, guest.id))
        assert unfinished_reasons(item) == []
