"""Fixtures of the report tests: a family known by name and birth date, its owner's case
with a consent (witnessed, later revoked with a note), reads by a team member and a guest."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

import pytest

from fallteam.auth.models import User
from fallteam.cases.models import Case
from fallteam.consent import operations as consents
from fallteam.consent.models import Consent
from fallteam.core.models import utcnow
from fallteam.extensions import db
from tests.conftest import GESUNDHEITSAMT, Account, institution_id_of, sign_in

#: the mother of ``family_of_four`` (tests/conftest.py) as a form would name her
MOTHER = {"last_name": "Krautwurst", "first_name": "Sabine", "birth_date": "1988-05-14"}
#: everything of the family that must never reach the DPO: names, birth dates, addresses,
#: the resource map's label, the consent's witness and revocation note, the document name
PLAINTEXT = [
    "Krautwurst",
    "Sabine",
    "Marco",
    "Leonie",
    "Jonas",
    "1988-05-14",
    "14.05.1988",
    "1985",
    "Lindenallee",
    "Gartenstraße",
    "Teltow",
    "Gisela",
    "Zeugin Erna Beispiel",
    "Widerruf telefonisch erklärt",
    "entbindung.pdf",
]


@dataclass
class Family:
    """The owner's case of the family, and who else is around."""

    owner: Account
    other: Account
    member: Account
    guest: Account
    dpo: Account
    case_id: object
    pseudonym: str


@pytest.fixture
def family(app, create_account, create_case) -> Family:
    """The owner's case: the mother released identity to the Gesundheitsamt (witnessed), then
    revoked it with a note; a team member and a guest take part; the member read the case."""
    owner = create_account(["fachkraft"])
    other = create_account(["fachkraft"])
    member = create_account(["member"])
    guest = create_account(["guest"], institution=GESUNDHEITSAMT)
    dpo = create_account(["dpo"])
    with app.app_context():
        health = str(institution_id_of(GESUNDHEITSAMT))
    case = create_case(
        owner,
        participants=[(member, "member"), (guest, "guest")],
        consent={"recipients": [{"type": "institution", "value": health}]},
    )
    with app.app_context():
        row = db.session.get(Case, case.id)
        consent = db.session.get(Consent, case.consent_id)
        consent.witness = "Zeugin Erna Beispiel"
        actor = db.session.get(User, owner.id)
        consents.revoke_consent(
            row,
            consent,
            revoked_on=utcnow().date() - timedelta(days=1),
            received_by=actor,
            note="Widerruf telefonisch erklärt",
            actor=actor,
        )
        db.session.commit()
    reader = app.test_client()
    sign_in(reader, app, member)
    assert reader.get(f"/faelle/{case.id}").status_code == 200
    return Family(owner, other, member, guest, dpo, case.id, case.pseudonym)


def client_of(app, account: Account):
    """A signed-in client of ``account``, with CSRF off (the forms are the point here)."""
    client = app.test_client()
    sign_in(client, app, account)
    return client


def index_in(html: str) -> str:
    """The blind index the download form of a result page carries."""
    found = re.search(r'name="index"[^>]*value="([0-9a-f]{64})"', html) or re.search(
        r'value="([0-9a-f]{64})"[^>]*name="index"', html
    )
    assert found, "no download form on the page"
    return found.group(1)
