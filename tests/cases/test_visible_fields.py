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

IDENTITY = frozenset({"member_names", "member_birth_dates", "resource_labels"})
NOTHING = frozenset()
PSEUDO = PSEUDONYMISED_FIELDS
RELEASED = PSEUDO | IDENTITY
HEALTH_ONLY = PSEUDO | {"health"}

STATES = [
    "none",
    "in force",
    "expired",
    "revoked",
    "future",
    "wrong purpose",
    "category not released",
]

#: viewer -> state -> exactly the fields they see
EXPECTED = {
    "owner": dict.fromkeys(STATES, ALL_FIELDS),
    "member (named as group)": {
        "none": PSEUDO,
        "in force": RELEASED,
        "expired": PSEUDO,
        "revoked": PSEUDO,
        "future": PSEUDO,
        "wrong purpose": PSEUDO,
        "category not released": HEALTH_ONLY,
    },
    "guest named in the consent": {
        "none": PSEUDO,
        "in force": RELEASED,
        "expired": PSEUDO,
        "revoked": PSEUDO,
        "future": PSEUDO,
        "wrong purpose": PSEUDO,
        "category not released": HEALTH_ONLY,
    },
    "guest of another institution": dict.fromkeys(STATES, PSEUDO),
    "dpo": dict.fromkeys(STATES, NOTHING),
    "admin": dict.fromkeys(STATES, NOTHING),
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


@pytest.mark.parametrize(
    ("viewer", "state", "expected"), CASES, ids=[f"{v}-{s}" for v, s, _ in CASES]
)
def test_visible_fields(app, create_account, create_case, viewer, state, expected):
    owner = create_account(["fachkraft"])
    member = create_account(["member"])
    named_guest = create_account(["guest"])
    other_guest = create_account(["guest"])
    accounts = {
        "owner": owner,
        "member (named as group)": member,
        "guest named in the consent": named_guest,
        "guest of another institution": other_guest,
        "dpo": create_account(["dpo"]),
        "admin": create_account(["admin"]),
    }
    with app.app_context():
        db.session.get(User, named_guest.id).institution = "jobcenter"
        db.session.get(User, other_guest.id).institution = "gesundheitsamt"
        db.session.commit()
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
        seen = visible_fields(
            db.session.get(User, accounts[viewer].id), db.session.get(Case, case.id)
        )
    assert seen == expected


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
    assert "member_addresses" in fields and "member_names" not in fields


def test_a_participation_outside_its_window_shows_nothing(app, create_account, create_case):
    owner, guest = create_account(["fachkraft"]), create_account(["guest"])
    case = create_case(owner, participants=[(guest, "guest")])
    with app.app_context():
        the_case = db.session.get(Case, case.id)
        viewer = db.session.get(User, guest.id)
        assert visible_fields(viewer, the_case) == PSEUDO
        assert visible_fields(viewer, the_case, at=utcnow() + timedelta(days=2)) == NOTHING
        assert visible_fields(viewer, the_case, at=utcnow() - timedelta(days=2)) == NOTHING
