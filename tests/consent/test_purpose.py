"""Purpose: which consent purposes count for which purpose of an agenda item. A § 8a
assessment item counts a consent for the Fallberatung or for § 8a; a Fallberatung item only
one for the Fallberatung. (Before, only Fallberatung consents ever counted.)"""

from __future__ import annotations

import pytest

from fallteam.auth.models import User
from fallteam.cases.models import Case
from fallteam.consent import rules
from fallteam.consent.queries import visible_fields
from fallteam.extensions import db
from fallteam.meetings.models import AgendaItem
from fallteam.meetings.queries.agenda import guest_covered
from tests.conftest import JOBCENTER, QUESTION, csrf_token, sign_in

FB, GEF, HP = "fallberatung", "gefaehrdungseinschaetzung", "hilfeplanung"

#: (item purpose, consent purpose) -> counts
TABLE = {
    (FB, FB): True,
    (FB, GEF): False,
    (FB, HP): False,
    (GEF, FB): True,
    (GEF, GEF): True,
    (GEF, HP): False,
    (HP, FB): True,
    (HP, GEF): False,
    (HP, HP): True,
}
COMBINATIONS = [(item, consent, counts) for (item, consent), counts in sorted(TABLE.items())]


@pytest.mark.parametrize(
    ("item_purpose", "consent_purpose", "counts"),
    COMBINATIONS,
    ids=[f"item {i} - consent {c}" for i, c, _ in COMBINATIONS],
)
def test_which_consent_purposes_count_for_an_item(
    app, create_account, create_case, item_purpose, consent_purpose, counts
):
    owner, member = create_account(["fachkraft"]), create_account(["member"])
    case = create_case(
        owner,
        participants=[(member, "member")],
        consent={
            "recipients": [{"type": "participant_kind", "value": "member"}],
            "purposes": [consent_purpose],
        },
    )
    with app.app_context():
        the_case = db.session.get(Case, case.id)
        seen = visible_fields(db.session.get(User, member.id), the_case, purpose=item_purpose)
        released = "member_names" in seen.of(the_case.members[0].id)
    assert released is counts
    assert rules.purposes_counting_for(item_purpose) >= ({consent_purpose} if counts else set())


def test_an_unknown_item_purpose_counts_no_consent():
    assert rules.purposes_counting_for("werbung") == frozenset()


def _item_with_purpose(
    app,
    create_account,
    create_case,
    create_team,
    create_meeting,
    *,
    consent_purposes,
    item_purpose,
    guest=None,
    institution=None,
):
    owner, member = create_account(["fachkraft"]), create_account(["member"])
    recipients = [{"type": "participant_kind", "value": "member"}]
    if institution is not None:
        recipients.append({"type": "institution", "value": str(institution)})
    case = create_case(
        owner,
        consent={"recipients": recipients, "purposes": consent_purposes, "father_too": True},
    )
    team_id, _ = create_team([(member, "permanent")])
    session = create_meeting(team_id, case, guests=[guest] if guest else [])
    client = app.test_client()
    sign_in(client, app, owner)
    response = client.post(
        f"/tagesordnung/{session.item_id}/bearbeiten",
        data={
            "method": "kollegiale_beratung",
            "purpose": item_purpose,
            "expected_minutes": "45",
            "question": QUESTION,
            "presentation": "Die Mutter lebt mit beiden Kindern allein.",
            "include_genogram": "y",
            "pseudonymised_confirmed": "y",
            "csrf_token": csrf_token(client),
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    return member, session


def test_a_paragraph_8a_consent_shows_the_mother_on_a_paragraph_8a_item(
    app, create_account, create_case, create_team, create_meeting
):
    member, session = _item_with_purpose(
        app,
        create_account,
        create_case,
        create_team,
        create_meeting,
        consent_purposes=[GEF],
        item_purpose=GEF,
    )
    with app.app_context():
        assert db.session.get(AgendaItem, session.item_id).purpose == GEF
    client = app.test_client()
    sign_in(client, app, member)
    assert "Sabine" in client.get(f"/tagesordnung/{session.item_id}").get_data(as_text=True)


def test_a_paragraph_8a_consent_does_not_count_for_a_fallberatung_item(
    app, create_account, create_case, create_team, create_meeting
):
    member, session = _item_with_purpose(
        app,
        create_account,
        create_case,
        create_team,
        create_meeting,
        consent_purposes=[GEF],
        item_purpose=FB,
    )
    client = app.test_client()
    sign_in(client, app, member)
    assert "Sabine" not in client.get(f"/tagesordnung/{session.item_id}").get_data(as_text=True)


@pytest.mark.parametrize(("item_purpose", "covered"), [(GEF, True), (FB, False)])
def test_guest_coverage_follows_the_item_purpose(
    app,
    create_account,
    create_case,
    create_team,
    create_meeting,
    institution_id,
    item_purpose,
    covered,
):
    guest = create_account(["guest"], institution=JOBCENTER)
    _, session = _item_with_purpose(
        app,
        create_account,
        create_case,
        create_team,
        create_meeting,
        consent_purposes=[GEF],
        item_purpose=item_purpose,
        guest=guest,
        institution=institution_id(JOBCENTER),
    )
    with app.app_context():
        item = db.session.get(AgendaItem, session.item_id)
        assert guest_covered(item, db.session.get(User, guest.id)) is covered
