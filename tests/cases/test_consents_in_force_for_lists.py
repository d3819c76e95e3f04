"""Lists ask for the consents in force of all their cases at once: the batch answer is the
same as asking case by case (expired, future, revoked and corrected consents release
nothing), it costs one query, and ``visible_fields`` decides the same with it."""

from __future__ import annotations

from datetime import timedelta

from fallteam.auth.models import User
from fallteam.cases.models import Case
from fallteam.consent import operations as consents
from fallteam.consent.models import Consent
from fallteam.consent.queries import consents_in_force, consents_in_force_for, visible_fields
from fallteam.core.models import utcnow
from fallteam.extensions import db

MEMBERS = {"recipients": [{"type": "participant_kind", "value": "member"}]}


def test_the_batch_answer_equals_the_answer_per_case(
    app, create_account, create_case, count_statements
):
    owner, member = create_account(["fachkraft"]), create_account(["member"])
    today = utcnow().date()
    made = {
        "in force": create_case(owner, participants=[(member, "member")], consent=MEMBERS),
        "expired": create_case(
            owner,
            consent={
                **MEMBERS,
                "valid_from": today - timedelta(days=60),
                "valid_until": today - timedelta(days=1),
            },
        ),
        "future": create_case(owner, consent={**MEMBERS, "valid_from": today + timedelta(days=3)}),
        "revoked": create_case(owner, consent=MEMBERS),
        "corrected": create_case(owner, consent=MEMBERS),
        "none": create_case(owner),
    }
    with app.app_context():
        actor = db.session.get(User, owner.id)
        revoked = db.session.get(Case, made["revoked"].id)
        consents.revoke_consent(
            revoked,
            db.session.get(Consent, made["revoked"].consent_id),
            revoked_on=today,
            received_by=actor,
            note=None,
            actor=actor,
        )
        corrected = db.session.get(Case, made["corrected"].id)
        old = db.session.get(Consent, made["corrected"].consent_id)
        new = consents.correct_consent(
            corrected,
            old,
            consents.ConsentData(
                grantor=corrected.members[0],
                grantor_capacity="sorgeberechtigt",
                recipients=old.recipients,
                purposes=["fallberatung"],
                data_categories=["address"],
                valid_from=old.valid_from,
                valid_until=None,
                form="schriftlich",
            ),
            actor=actor,
        )
        db.session.commit()
        new_id = new.id

    with app.app_context():
        cases = [db.session.get(Case, sample.id) for sample in made.values()]
        with count_statements() as sent:
            batch = consents_in_force_for(cases)
        assert len(sent) == 1
        for name, case in zip(made, cases, strict=True):
            assert [c.id for c in batch[case.id]] == [c.id for c in consents_in_force(case)], name
        expected = {
            "in force": [made["in force"].consent_id],
            "expired": [],
            "future": [],
            "revoked": [],
            "corrected": [new_id],
            "none": [],
        }
        assert {n: [c.id for c in batch[c_.id]] for n, c_ in zip(made, cases, strict=True)} == (
            expected
        )
        viewer = db.session.get(User, member.id)
        shared = cases[0]
        assert visible_fields(viewer, shared, consents=batch[shared.id]) == visible_fields(
            viewer, shared
        )
        assert visible_fields(viewer, shared, consents=batch[shared.id]).shown_anywhere(
            "member_names"
        )
        # what the caller passes is what counts: no consent passed, nothing released
        assert not visible_fields(viewer, shared, consents=[]).shown_anywhere("member_names")


def test_a_list_decides_by_its_consents_without_opening_their_encrypted_notes(
    app, create_account, create_case
):
    # A list of 25 cases asks for their consents only to decide and count: the witness, the
    # document's name and the revocation note stay sealed (and unloaded) until asked for.
    owner = create_account(["fachkraft"])
    made = create_case(owner, consent=MEMBERS)
    with app.app_context():
        consent = db.session.get(Consent, made.consent_id)
        consent.witness = "Frau Zeugin"
        consent.document_name = "erklaerung.pdf"
        db.session.commit()

    with app.app_context():
        case = db.session.get(Case, made.id)
        (listed,) = consents_in_force_for([case])[case.id]
        unloaded = db.inspect(listed).unloaded
        assert {"witness", "document_name", "revocation_note"} <= unloaded
        # still there for a page that shows them
        assert (listed.witness, listed.document_name) == ("Frau Zeugin", "erklaerung.pdf")
