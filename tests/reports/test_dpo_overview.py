"""The DPO's Art. 15 answer: cases and roles, categories of data held, consents given and
revoked, recipients by institution, retention and source — counts and structure, and not one
of the person's values, on the page or in the PDF."""

from __future__ import annotations

from io import BytesIO

import pytest
from pypdf import PdfReader

from tests.conftest import ASD, GESUNDHEITSAMT
from tests.reports.conftest import MOTHER, PLAINTEXT, client_of, index_in

pytestmark = pytest.mark.settings(WTF_CSRF_ENABLED=False)


def _pdf_text(content: bytes) -> str:
    return " ".join(p.extract_text() for p in PdfReader(BytesIO(content)).pages)


def test_the_overview_shows_structure_and_counts(app, family):
    html = client_of(app, family.dpo).post("/datenschutz/auskunft", data=MOTHER).text
    assert f"{family.pseudonym} – Mutter" in html
    assert "Hilfen zur Erziehung" in html
    # categories of data held: from which encrypted fields are filled
    assert "Vorname, Nachname, Geburtsdatum, Anschrift, Genogramm-Angaben" in html
    # the case's records by kind, counted
    assert "Familienmitglieder: 4" in html
    assert "Schweigepflichtsentbindungen: 1" in html
    assert "Ressourcenkarte: 1" in html
    # the consent the mother gave, and its revocation
    assert "von der Person" in html
    assert "widerrufen" in html
    assert GESUNDHEITSAMT in html
    # who received the case's data: the member read it (ASD)
    assert f"<td>{ASD}</td>" in html
    # retention and source
    assert "Fallakte mit Fallprotokollen und Auszügen (Hilfen zur Erziehung" in html
    assert "bis zum 100. Geburtstag des jungen Menschen" in html
    # a § 9b case has its date from the registration on: the end of the 100th birthday's year
    assert "31.12.2118" in html
    assert f"Test {family.owner.username}" in html


def test_a_child_appears_with_the_consent_given_for_them(app, family):
    child = {"last_name": "Krautwurst", "first_name": "Leonie", "birth_date": "2018-03-04"}
    html = client_of(app, family.dpo).post("/datenschutz/auskunft", data=child).text
    assert f"{family.pseudonym} – Kind" in html
    assert "für die Person" in html


@pytest.mark.parametrize("subject", ["mother", "child"])
def test_the_overview_page_and_pdf_hold_none_of_the_familys_values(app, family, subject):
    data = (
        MOTHER
        if subject == "mother"
        else {"last_name": "Krautwurst", "first_name": "Leonie", "birth_date": "2018-03-04"}
    )
    client = client_of(app, family.dpo)
    page = client.post("/datenschutz/auskunft", data=data)
    html = page.get_data(as_text=True)
    assert family.pseudonym in html
    for value in PLAINTEXT:
        assert value not in html, value
    pdf = client.post("/datenschutz/auskunft/pdf", data={"index": index_in(html)})
    assert pdf.status_code == 200
    text = _pdf_text(pdf.data)
    assert family.pseudonym in text
    for value in PLAINTEXT:
        assert value not in text, value
        # the raw file too (metadata, uncompressed parts) — for values long enough not to
        # turn up by chance in compressed streams and ids, as a year like "1985" can
        if len(value) >= 8:
            assert value.encode() not in pdf.data, value


def test_the_overview_loads_in_a_constant_number_of_statements(
    app, family, create_case, count_statements
):
    client = client_of(app, family.dpo)
    with count_statements() as one:
        assert client.post("/datenschutz/auskunft", data=MOTHER).status_code == 200
    create_case(
        family.owner, consent={"recipients": [{"type": "participant_kind", "value": "guest"}]}
    )
    create_case(family.other)
    with count_statements() as three:
        html = client.post("/datenschutz/auskunft", data=MOTHER).text
    assert html.count('data-testid="appearance"') == 3
    assert len(three) == len(one)
