"""What each viewer sees of a case, for every state a consent can be in (42 combinations)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from fallteam.auth.models import User
from fallteam.cases.models import Case
from fallteam.consent import operations as consents
from fallteam.consent.models import Consent
from fallteam.consent.queries import (
    ALL_FIELDS,
    PSEUDONYMISED_FIELDS,
    consents_in_force,
    visible_fields,
)
from fallteam.core.models import utcnow
from fallteam.extensions import db
from tests.conftest import GESUNDHEITSAMT, JOBCENTER

IDENTITY = frozenset({"member_names", "member_birth_dates", "resource_labels"})
#: what identity releases of one family member
PERSON_IDENTITY = frozenset({"member_names", "member_birth_dates"})
NOTHING = frozenset()
PSEUDO = PSEUDONYMISED_FIELDS
RELEASED = PSEUDO | IDENTITY
HEALTH_ONLY = PSEUDO | {"health"}
EVERY_MEMBER_FIELD = PERSON_IDENTITY | {"member_addresses", "health", "school", "finances"}

STATES = [
    "none",
    "in force",
    "expired",
    "revoked",
    "future",
    "wrong purpose",
    "category not released",
]

#: The consent of the table: the mother, custodial parent, releases herself and both children.
#: The father released nothing: for everyone but the case manager he stays "Vater", so the
#: family as a whole is never released (case-level fields stay pseudonymised).
RELEASED_PERSONS = {
    "Mutter": PERSON_IDENTITY,
    "Vater": NOTHING,
    "Kind 1": PERSON_IDENTITY,
    "Kind 2": PERSON_IDENTITY,
}
HEALTH_PERSONS = {
    "Mutter": {"health"},
    "Vater": NOTHING,
    "Kind 1": {"health"},
    "Kind 2": {"health"},
}
NO_PERSON = dict.fromkeys(RELEASED_PERSONS, NOTHING)
PSEUDO_ONLY = (PSEUDO, NO_PERSON)

#: viewer -> state -> exactly the fields they see: (the case as a whole, each family member)
EXPECTED = {
    "owner": dict.fromkeys(
        STATES, (ALL_FIELDS, dict.fromkeys(RELEASED_PERSONS, EVERY_MEMBER_FIELD))
    ),
    "member (named as group)": {
        "none": PSEUDO_ONLY,
        "in force": (PSEUDO, RELEASED_PERSONS),
        "expired": PSEUDO_ONLY,
        "revoked": PSEUDO_ONLY,
        "future": PSEUDO_ONLY,
        "wrong purpose": PSEUDO_ONLY,
        "category not released": (PSEUDO, HEALTH_PERSONS),
    },
    "guest named in the consent": {
        "none": PSEUDO_ONLY,
        "in force": (PSEUDO, RELEASED_PERSONS),
        "expired": PSEUDO_ONLY,
        "revoked": PSEUDO_ONLY,
        "future": PSEUDO_ONLY,
        "wrong purpose": PSEUDO_ONLY,
        "category not released": (PSEUDO, HEALTH_PERSONS),
    },
    "guest of another institution": dict.fromkeys(STATES, PSEUDO_ONLY),
    "dpo": dict.fromkeys(STATES, (NOTHING, NO_PERSON)),
    "admin": dict.fromkeys(STATES, (NOTHING, NO_PERSON)),
}
CASES = [
    (viewer, state, fields) for viewer, row in EXPECTED.items() for state, fields in row.items()
]


def _consent_for(state: str, recipients: list[dict]) -> dict | None:
    today = utcnow().date()
    base = {
        "recipients": recipients,
        "purposes": ["fallberatung"],
        "categories": ["identity"],
        "valid_from": today - timedelta(days=10),
        "valid_until": today + timedelta(days=60),
        "custody_for": (2, 3),
    }
    return {
        "none": None,
        "in force": base,
        "revoked": base,
        "expired": {**base, "valid_until": today - timedelta(days=1)},
        "future": {**base, "valid_from": today + timedelta(days=1)},
        "wrong purpose": {**base, "purposes": ["hilfeplanung"]},
        "category not released": {**base, "categories": ["health"]},
    }[state]


def test_the_table_has_at_least_forty_combinations():
    assert len(CASES) >= 40


def per_person(seen, case: Case) -> dict[str, frozenset[str]]:
    """The member-level fields by role label (Kind 1 is the elder child)."""
    labels = {"Mutter": 0, "Vater": 1, "Kind 1": 3, "Kind 2": 2}
    return {label: seen.of(case.members[i].id) for label, i in labels.items()}


@pytest.mark.parametrize(
    ("viewer", "state", "expected"), CASES, ids=[f"{v}-{s}" for v, s, _ in CASES]
)
def test_visible_fields(app, create_account, create_case, institution_id, viewer, state, expected):
    owner = create_account(["fachkraft"])
    member = create_account(["member"])
    named_guest = create_account(["guest"], institution=JOBCENTER)
    other_guest = create_account(["guest"], institution=GESUNDHEITSAMT)
    accounts = {
        "owner": owner,
        "member (named as group)": member,
        "guest named in the consent": named_guest,
        "guest of another institution": other_guest,
        "dpo": create_account(["dpo"]),
        "admin": create_account(["admin"]),
    }
    recipients = [
        {"type": "user", "value": str(named_guest.id)},
        {"type": "participant_kind", "value": "member"},
    ]
    case = create_case(
        owner,
        participants=[(member, "member"), (named_guest, "guest"), (other_guest, "guest")],
        consent=_consent_for(state, recipients),
    )
    with app.app_context():
        if state == "revoked":
            consent = db.session.get(Consent, case.consent_id)
            consents.revoke_consent(
                db.session.get(Case, case.id),
                consent,
                revoked_on=utcnow().date(),
                received_by=db.session.get(User, owner.id),
                note=None,
                actor=db.session.get(User, owner.id),
            )
            db.session.commit()
        the_case = db.session.get(Case, case.id)
        seen = visible_fields(db.session.get(User, accounts[viewer].id), the_case)
        persons = per_person(seen, the_case)
    case_fields, member_fields = expected
    assert seen == case_fields
    assert persons == {label: frozenset(f) for label, f in member_fields.items()}


def test_a_correction_replaces_the_old_version_from_the_moment_it_is_made(
    app, create_account, create_case
):
    owner, member = create_account(["fachkraft"]), create_account(["member"])
    case = create_case(
        owner,
        participants=[(member, "member")],
        consent={"recipients": [{"type": "participant_kind", "value": "member"}]},
    )
    with app.app_context():
        the_case = db.session.get(Case, case.id)
        old = db.session.get(Consent, case.consent_id)
        before = utcnow()
        data = consents.ConsentData(
            grantor=the_case.members[0],
            grantor_capacity="sorgeberechtigt",
            recipients=old.recipients,
            purposes=["fallberatung"],
            data_categories=["address"],
            custody_for=[],
            valid_from=old.valid_from,
            valid_until=None,
            form="schriftlich",
        )
        new = consents.correct_consent(the_case, old, data, actor=db.session.get(User, owner.id))
        db.session.commit()
        assert [c.id for c in consents_in_force(the_case)] == [new.id]
        assert [c.id for c in consents_in_force(the_case, at=before)] == [old.id]
        assert new.document == old.document  # the signed document is carried over
        fields = visible_fields(db.session.get(User, member.id), the_case)
        mother = fields.of(the_case.members[0].id)
    assert "member_addresses" in mother and "member_names" not in mother


def test_a_participation_outside_its_window_shows_nothing(app, create_account, create_case):
    owner, guest = create_account(["fachkraft"]), create_account(["guest"])
    case = create_case(owner, participants=[(guest, "guest")])
    with app.app_context():
        the_case = db.session.get(Case, case.id)
        viewer = db.session.get(User, guest.id)
        assert visible_fields(viewer, the_case) == PSEUDO
        assert visible_fields(viewer, the_case, at=utcnow() + timedelta(days=2)) == NOTHING
        assert visible_fields(viewer, the_case, at=utcnow() - timedelta(days=2)) == NOTHING
