"""A case as people make and see it in Chromium: the Fachkraft registers a family, draws the
genogram, fills the resource map and records a consent; a guest of the case conference sees
the same case pseudonymised, without a single name, birth date or address of the family."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, replace
from datetime import timedelta

import pytest

from fallteam.auth.models import User
from fallteam.cases import operations as cases
from fallteam.cases.models import Case
from fallteam.cases.rules import age_on
from fallteam.core.models import utcnow
from fallteam.extensions import db
from tests.browser.conftest import sign_in
from tests.conftest import family_of_four
from tests.conftest import sign_in as sign_in_client
from tests.documents import valid_pdf

try:
    from playwright.sync_api import expect
except ImportError:
    # Collection must not break: the ``chromium`` fixture skips each test with the reason
    # (or fails it under FALLTEAM_REQUIRE_BROWSER=1) before ``expect`` is needed.
    expect = None

pytestmark = pytest.mark.browser

PSEUDONYM = re.compile(r"FT-\d{4}-\d{4}")
#: above this a screenshot is taken again, smaller (they are committed to the repository)
MAX_SCREENSHOT_BYTES = 300_000
#: a person of the Ressourcenkarte, named like the family: hidden from the team as well
GRANDMOTHER = "Oma Gisela {last_name}"


@dataclass
class RegisteredCase:
    """What the Fachkraft's browser showed after registering the case."""

    id: uuid.UUID
    pseudonym: str
    family: list  # of MemberData


def family_named(last_name: str) -> list:
    """The suite's family of four under another surname: each test registers its own family,
    and the same people twice would (rightly) stop at the duplicate check."""
    return [replace(m, last_name=last_name) for m in family_of_four()]


def child_label(member, number: int) -> str:
    """The label the team sees for a child: "Kind 1 (7 J.)"."""
    return f"Kind {number} ({age_on(member.birth_date, utcnow().date())} J.)"


def identifying_strings(family: list) -> list[str]:
    """Everything about the family a pseudonymised page must not contain."""
    strings = {GRANDMOTHER.format(last_name=family[0].last_name)}
    for m in family:
        strings |= {m.first_name, m.last_name, m.address}
        strings |= {word for word in m.address.replace(",", " ").split() if len(word) > 2}
        born = m.birth_date
        strings |= {born.isoformat(), born.strftime("%d.%m.%Y")}
    return sorted(strings)


def save_screenshot(target, path, **options) -> None:
    """A PNG of ``target`` (page or element); taken again, only its top, if too big."""
    target.screenshot(path=path, **options)
    if path.stat().st_size > MAX_SCREENSHOT_BYTES and options.get("full_page"):
        # The top of the page at 1280 × 1600 says what the page is about; the rest is scrolling.
        target.screenshot(path=path, clip={"x": 0, "y": 0, "width": 1280, "height": 1600})
    assert path.stat().st_size <= MAX_SCREENSHOT_BYTES, f"{path} ist zu groß"


def register_case_in_browser(page, family: list) -> RegisteredCase:
    """From "Meine Fälle" to the edit page of the new case: the registration form."""
    page.goto("/")
    page.get_by_role("navigation").get_by_role("link", name="Meine Fälle").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Meine Fälle")
    page.get_by_role("link", name="Neuen Fall anlegen").click()
    expect(page).to_have_url(re.compile(r"/faelle/neu$"))

    page.select_option("#category", "hze")
    page.fill("#file_number", f"AZ-{uuid.uuid4().hex[:6]}")
    for row, member in enumerate(family):
        prefix = f"#members-{row}-"
        page.select_option(prefix + "role", member.role)
        page.select_option(prefix + "sex", member.sex)
        page.fill(prefix + "first_name", member.first_name)
        page.fill(prefix + "last_name", member.last_name)
        # The browser's own date input takes the ISO form, whatever it displays.
        page.fill(f"input[type=date]{prefix}birth_date", member.birth_date.isoformat())
        page.fill(prefix + "address", member.address)
        page.locator(prefix + "in_household").set_checked(member.in_household)
        page.locator(prefix + "is_index").set_checked(member.is_index)
    page.get_by_role("button", name="Fall anlegen").click()

    expect(page).to_have_url(re.compile(r"/faelle/[0-9a-f-]{36}/bearbeiten$"))
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text(PSEUDONYM)
    pseudonym = PSEUDONYM.search(heading.inner_text()).group(0)
    expect(page.get_by_role("status")).to_contain_text(f"Fall {pseudonym} angelegt.")
    case_id = uuid.UUID(re.search(r"/faelle/([0-9a-f-]{36})/", page.url).group(1))
    family_table = page.locator("#familie table")
    for member in family:
        expect(family_table).to_contain_text(f"{member.first_name} {member.last_name}")
    return RegisteredCase(case_id, pseudonym, family)


def add_relation(page, a: str, kind: str, b: str) -> None:
    """One line of the genogram, through the form under "Beziehungen (Genogramm)"."""
    section = page.locator("#genogramm")
    section.locator("#rel-a").select_option(label=a)
    section.locator("#rel-kind").select_option(label=kind)
    section.locator("#rel-b").select_option(label=b)
    section.get_by_role("button", name="Beziehung eintragen").click()
    expect(page).to_have_url(re.compile(r"/bearbeiten#genogramm$"))
    expect(page.locator("#genogramm li").filter(has_text=f"{a} {kind} {b}")).to_have_count(1)


def fill_in_case(page, case: RegisteredCase) -> None:
    """Genogram lines and one resource, on the edit page."""
    # children are numbered oldest first: Jonas (2015) is Kind 1, Leonie (2018) Kind 2
    first, second = child_label(case.family[2], 2), child_label(case.family[3], 1)
    add_relation(page, "Mutter", "lebt getrennt von", "Vater")
    add_relation(page, "Mutter", "ist Elternteil von", first)
    add_relation(page, "Vater", "ist Elternteil von", first)
    add_relation(page, "Mutter", "ist Elternteil von", second)

    section = page.locator("#ressourcen")
    grandmother = GRANDMOTHER.format(last_name=case.family[0].last_name)
    section.locator("#res-label").fill(grandmother)
    section.locator("#res-kind").select_option(label="Person")
    section.locator("#res-quality").select_option(label="stark (Ressource)")
    section.get_by_role("button", name="Eintragen").click()
    expect(page).to_have_url(re.compile(r"/bearbeiten#ressourcen$"))
    expect(section.locator("li").filter(has_text=grandmother)).to_contain_text(
        "(Person, stark (Ressource))"
    )


def record_consent(page, case: RegisteredCase, tmp_path) -> None:
    """The mother releases her family's identity to all team members, signed PDF attached."""
    page.get_by_role("link", name="Zur Fallansicht").click()
    page.get_by_role("link", name="Schweigepflichtsentbindung erfassen").click()
    expect(page).to_have_url(re.compile(rf"/faelle/{case.id}/einwilligungen/neu$"))
    mother = case.family[0]
    page.locator("#grantor").select_option(label=f"Mutter: {mother.first_name} {mother.last_name}")
    page.locator("input[name=recipient_kinds][value=member]").check()
    page.get_by_label("Fallberatung im Fallteam").check()
    page.get_by_label("Identität (Namen, Geburtsdaten)").check()
    document = tmp_path / "entbindung.pdf"
    document.write_bytes(valid_pdf())
    page.locator("input[type=file][name=document]").set_input_files(document)
    page.get_by_role("button", name="Schweigepflichtsentbindung speichern").click()

    expect(page).to_have_url(re.compile(rf"/faelle/{case.id}#einwilligungen$"))
    expect(page.get_by_role("status")).to_contain_text("Schweigepflichtsentbindung gespeichert.")
    row = page.get_by_test_id("consents").locator("tbody tr")
    expect(row).to_have_count(1)
    expect(row.locator("td").nth(0)).to_have_text("in Kraft")
    expect(row.locator("td").nth(1)).to_contain_text("Mutter")
    expect(row.locator("td").nth(2)).to_have_text("alle Fallteam-Mitglieder")
    expect(row.get_by_role("link", name="Dokument")).to_be_visible()


def owner_makes_case(page, live_app, account, tmp_path, last_name: str) -> RegisteredCase:
    """The whole Fachkraft part: sign in, register, genogram, resource map, consent."""
    sign_in(page, live_app, account)
    case = register_case_in_browser(page, family_named(last_name))
    fill_in_case(page, case)
    record_consent(page, case, tmp_path)
    return case


def test_fachkraft_registers_case_with_genogram_and_consent(
    page, live_app, make_account, tmp_path, doc_screenshots_dir
):
    owner = make_account(["fachkraft"])

    case = owner_makes_case(page, live_app, owner, tmp_path, "Krautwurst")

    expect(page.get_by_role("heading", level=1)).to_contain_text(case.pseudonym)
    expect(page.get_by_test_id("pseudonymised-notice")).to_have_count(0)
    family = page.get_by_test_id("family")
    for member in case.family:
        expect(family).to_contain_text(f"{member.first_name} {member.last_name}")
    genogram = page.get_by_test_id("genogram")
    svg = genogram.locator("svg")
    expect(svg).to_have_count(1)
    # The owner's genogram names the people next to their roles.
    for member in case.family:
        expect(svg).to_contain_text(member.first_name)
    expect(svg).to_contain_text("Krautwurst")
    with live_app.app_context():
        stored = db.session.get(Case, case.id)
        assert stored.pseudonym == case.pseudonym
        assert len(stored.relations) == 4
        assert [r.label for r in stored.resources] == ["Oma Gisela Krautwurst"]

    genogram_section = page.locator("section.diagram").filter(has=genogram)
    save_screenshot(genogram_section, doc_screenshots_dir / "genogram-owner.png")
    save_screenshot(page, doc_screenshots_dir / "case-owner.png", full_page=True)


def test_a_member_whom_only_the_mother_released_sees_her_name_and_the_rest_as_roles(
    page, open_page, live_app, make_account, tmp_path, doc_screenshots_dir
):
    owner = make_account(["fachkraft"])
    member = make_account(["member"])
    outside_guest = make_account(["guest"])
    # The consent the owner records is the mother's, for herself, to all team members: a
    # member sees her name and everyone else as a role; a guest sees no case page at all.
    case = owner_makes_case(page, live_app, owner, tmp_path, "Brennecke")
    with live_app.app_context():
        now = utcnow()
        for account, kind in ((member, "member"), (outside_guest, "guest")):
            cases.grant_participation(
                db.session.get(Case, case.id),
                db.session.get(User, account.id),
                kind=kind,
                valid_from=now - timedelta(hours=1),
                valid_until=now + timedelta(days=1),
                actor=db.session.get(User, owner.id),
            )
        db.session.commit()

    # a guest sees agenda items it is invited to, never the case page
    refused = live_app.test_client()
    sign_in_client(refused, live_app, outside_guest)
    response = refused.get(f"/faelle/{case.id}")
    assert response.status_code == 403
    assert case.family[0].last_name not in response.get_data(as_text=True)

    member_page = open_page()
    sign_in(member_page, live_app, member)
    member_page.goto(f"/faelle/{case.id}")

    expect(member_page.get_by_role("heading", level=1)).to_contain_text(case.pseudonym)
    family = member_page.get_by_test_id("family")
    expect(family.locator("tbody tr")).to_have_count(4)
    expect(member_page.get_by_test_id("consents")).to_have_count(0)
    expect(member_page.get_by_role("link", name="Fall bearbeiten")).to_have_count(0)

    html = member_page.content()
    mother, others = case.family[0], case.family[1:]
    assert mother.first_name in html  # she released herself
    for person in others:  # nobody released the father or, without custody, the children
        for secret in (
            person.first_name,
            person.birth_date.isoformat(),
            person.birth_date.strftime("%d.%m.%Y"),
        ):
            assert secret not in html, f"{secret} erscheint, obwohl niemand es freigab"
    expect(member_page.get_by_test_id("genogram").locator("svg")).to_contain_text("Vater")

    save_screenshot(member_page, doc_screenshots_dir / "case-member.png", full_page=True)
