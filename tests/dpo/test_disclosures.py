"""Disclosure decisions are their own list: each kind, made through its domain's operation,
appears with who, when and for which case; nothing else does."""

from __future__ import annotations

import re

from fallteam.audit.models import AuditAction
from fallteam.audit.operations import record
from fallteam.auth.models import User
from fallteam.extensions import db

KINDS = {
    "pseudonymised_presentation_confirmed",
    "guard_release",
    "real_name_excerpt",
    "consent_recorded",
    "consent_revoked",
}


def _rows(html: str) -> list[tuple[str, str]]:
    """(kind, row html) of every listed decision."""
    return re.findall(r'data-testid="disclosure" data-kind="([^"]+)">(.*?)</tr>', html, re.S)


def test_every_kind_of_decision_appears_with_who_and_which_case(disclosed):
    s = disclosed.scenario
    html = s.clients[s.dpo.id].get("/datenschutz/offenlegungen").get_data(as_text=True)
    rows = _rows(html)
    assert {kind for kind, _ in rows} == KINDS
    by_owner = [row for kind, row in rows if kind != "consent_recorded"]
    assert all(f"Test {s.owner.username}" in row for row in by_owner)
    assert all(s.case.pseudonym in row for _, row in rows)


def test_the_list_filters_by_kind_and_pseudonym(disclosed, create_case):
    s = disclosed.scenario
    other = create_case(
        s.owner, consent={"recipients": [{"type": "participant_kind", "value": "member"}]}
    )
    client = s.clients[s.dpo.id]
    html = client.get("/datenschutz/offenlegungen?art=real_name_excerpt").get_data(as_text=True)
    assert [kind for kind, _ in _rows(html)] == ["real_name_excerpt"]
    html = client.get(f"/datenschutz/offenlegungen?pseudonym={other.pseudonym}").get_data(
        as_text=True
    )
    assert [kind for kind, _ in _rows(html)] == ["consent_recorded"]


def test_ordinary_changes_are_not_disclosure_decisions(app, dpo_scenario):
    s = dpo_scenario
    client = s.clients[s.dpo.id]
    before = len(_rows(client.get("/datenschutz/offenlegungen").get_data(as_text=True)))
    with app.test_request_context():
        # a background the guard does not flag, an excerpt with role labels, a plain read
        from fallteam.cases import operations as cases
        from fallteam.cases.models import Case

        cases.set_background(db.session.get(Case, s.case.id), "Die Familie ist umgezogen.")
        record(
            AuditAction.READ,
            object_type="case",
            case_pseudonym=s.case.pseudonym,
            actor=db.session.get(User, s.owner.id),
            details={"fields": ["disclosure"]},
        )
        db.session.commit()
    after = len(_rows(client.get("/datenschutz/offenlegungen").get_data(as_text=True)))
    assert after == before


def test_a_corrected_consent_counts_as_a_consent_recorded(app, dpo_scenario):
    from fallteam.cases.models import Case, FamilyMember
    from fallteam.consent import operations as consents
    from fallteam.consent.models import Consent

    s = dpo_scenario
    with app.test_request_context():
        old = db.session.get(Consent, s.case.consent_id)
        data = consents.ConsentData(
            grantor=db.session.get(FamilyMember, s.case.member_ids[0]),
            grantor_capacity=old.grantor_capacity,
            custody_for=[db.session.get(FamilyMember, i) for i in s.case.member_ids[2:]],
            recipients=old.recipients,
            purposes=old.purposes,
            data_categories=[*old.data_categories, "address"],
            valid_from=old.valid_from,
            valid_until=None,
            form=old.form,
        )
        consents.correct_consent(
            db.session.get(Case, s.case.id), old, data, actor=db.session.get(User, s.owner.id)
        )
        db.session.commit()
    client = s.clients[s.dpo.id]
    url = f"/datenschutz/offenlegungen?art=consent_recorded&pseudonym={s.case.pseudonym}"
    assert len(_rows(client.get(url).get_data(as_text=True))) == 2
