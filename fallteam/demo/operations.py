"""Loading the demo data on first start."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from fallteam.auth import operations as accounts
from fallteam.auth.models import User
from fallteam.cases import operations as cases
from fallteam.cases.models import Case
from fallteam.consent import operations as consents
from fallteam.core.models import utcnow
from fallteam.demo.data import DEMO_BACKGROUND, DEMO_FAMILY, DEMO_FILE_NUMBER, DEMO_USERS
from fallteam.extensions import db


def load_demo_users() -> list[User]:
    """Create the demo accounts that do not exist yet, ready to use (second factor set up)."""
    created = []
    for demo in DEMO_USERS:
        if accounts.find_user_by_username(demo.username) is not None:
            continue
        user, _ = accounts.create_user(
            username=demo.username,
            display_name=demo.display_name,
            email=demo.email,
            roles=list(demo.roles),
        )
        user.institution = demo.institution
        accounts.set_password(user, demo.password, chosen_by_user=True)
        accounts.start_second_factor_setup(user)
        user.totp_confirmed = True
        created.append(user)
    return created


def load_demo_case() -> Case | None:
    """A case of the demo Fachkraft with genogram, resource map and two consents (one in
    force for the team, one revoked for the Jobcenter); the demo member and the demo guest take
    part in its presentation. Made once."""
    fachkraft = accounts.find_user_by_username("fachkraft")
    if fachkraft is None or db.session.scalar(
        select(Case.id).where(Case.case_manager_id == fachkraft.id)
    ):
        return None
    members = [
        cases.MemberData(
            role=role,
            sex=sex,
            first_name=first,
            last_name=last,
            birth_date=date.fromisoformat(born),
            address=address,
            in_household=household,
            is_index=index,
        )
        for role, sex, first, last, born, address, household, index in DEMO_FAMILY
    ]
    case = cases.register_case(
        fachkraft,
        category="hze",
        child_protection=False,
        file_number=DEMO_FILE_NUMBER,
        members=members,
    )
    mother, father, mia, paul = case.members
    cases.add_relation(case, "separated", mother, father)
    for parent in (mother, father):
        for child in (mia, paul):
            cases.add_relation(case, "parent_of", parent, child)
    for label, kind, quality in (
        ("Großmutter Renate (mütterlicherseits)", "person", "strong"),
        ("Grundschule am Fliederweg", "institution", "strained"),
        ("Kita Pusteblume", "institution", "strong"),
        ("Erziehungsberatungsstelle", "service", "weak"),
        ("Vater", "person", "ambivalent"),
    ):
        cases.add_resource(case, kind=kind, quality=quality, label=label)
    cases.set_background(case, DEMO_BACKGROUND)
    now = utcnow()
    for username, kind in (("mitglied", "member"), ("gast", "guest")):
        participant = accounts.find_user_by_username(username)
        if participant is not None:
            cases.grant_participation(
                case,
                participant,
                kind=kind,
                valid_from=now,
                valid_until=now + timedelta(days=365),
                actor=fachkraft,
            )
    member = accounts.find_user_by_username("mitglied")
    in_force = consents.ConsentData(
        grantor=mother,
        grantor_capacity="sorgeberechtigt",
        recipients=[{"type": "participant_kind", "value": "member"}]
        + ([{"type": "user", "value": str(member.id)}] if member else []),
        purposes=["fallberatung"],
        data_categories=["identity"],
        valid_from=now.date() - timedelta(days=14),
        valid_until=now.date() + timedelta(days=20),
        form="schriftlich",
        document=DEMO_DOCUMENT,
        document_name="Entbindung-Mutter.pdf",
    )
    consents.record_consent(case, in_force, actor=fachkraft)
    jobcenter = consents.ConsentData(
        grantor=mother,
        grantor_capacity="sorgeberechtigt",
        recipients=[{"type": "institution", "value": "jobcenter"}],
        purposes=["fallberatung"],
        data_categories=["identity", "address", "finances"],
        valid_from=now.date() - timedelta(days=60),
        valid_until=None,
        form="muendlich_zeuge",
        witness="Hr. Albers (Jugendarbeit)",
    )
    revoked = consents.record_consent(case, jobcenter, actor=fachkraft)
    consents.revoke_consent(
        case,
        revoked,
        revoked_on=now.date() - timedelta(days=3),
        received_by=fachkraft,
        note="telefonisch",
        actor=fachkraft,
    )
    return case


#: A minimal valid PDF standing in for the scanned, signed form.
DEMO_DOCUMENT = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]"
    b"/Count 1>>endobj\n3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)
