"""The case owner's Art. 15 answer: the person's stored data in clear and the consents with
their content — found only in cases the owner manages. Another Fachkraft who knows the
family's name gets nothing."""

from __future__ import annotations

from io import BytesIO

import pytest
from pypdf import PdfReader

from tests.reports.conftest import MOTHER, client_of, index_in

pytestmark = pytest.mark.settings(WTF_CSRF_ENABLED=False)


def _text(content: bytes) -> str:
    return " ".join(p.extract_text() for p in PdfReader(BytesIO(content)).pages)


def test_the_owner_reaches_the_answer_from_the_case_page(app, family):
    client = client_of(app, family.owner)
    html = client.get(f"/faelle/{family.case_id}").text
    assert f'href="/faelle/{family.case_id}/auskunft"' in html


def test_the_owners_answer_shows_the_stored_data_and_the_consents_content(app, family):
    html = client_of(app, family.owner).post(f"/faelle/{family.case_id}/auskunft", data=MOTHER).text
    assert family.pseudonym in html
    for value in (
        "Sabine",
        "Krautwurst",
        "14.05.1988",
        "Lindenallee 7, 14513 Teltow",
        "Zeugin Erna Beispiel",
        "Widerruf telefonisch erklärt",
        "entbindung.pdf",
        "Gesundheitsamt",
    ):
        assert value in html, value


def test_the_owners_pdf_carries_the_same_content(app, family):
    client = client_of(app, family.owner)
    html = client.post(f"/faelle/{family.case_id}/auskunft", data=MOTHER).text
    pdf = client.post(f"/faelle/{family.case_id}/auskunft/pdf", data={"index": index_in(html)})
    assert pdf.status_code == 200
    assert pdf.mimetype == "application/pdf"
    assert pdf.headers["Cache-Control"] == "no-store"
    text = _text(pdf.data)
    for value in (
        family.pseudonym,
        "Mutter",
        "Sabine",
        "Krautwurst",
        "14.05.1988",
        "Gesundheitsamt",
    ):
        assert value in text, value


def test_another_fachkraft_cannot_open_the_owners_answer(app, family):
    client = client_of(app, family.other)
    assert client.get(f"/faelle/{family.case_id}/auskunft").status_code == 403
    assert client.post(f"/faelle/{family.case_id}/auskunft", data=MOTHER).status_code == 403


def test_another_fachkraft_searching_a_known_name_from_her_own_case_gets_nothing(
    app, family, create_case
):
    # her own case holds the same family (the suite's standard family): she finds only hers
    own = create_case(family.other)
    client = client_of(app, family.other)
    html = client.post(f"/faelle/{own.id}/auskunft", data=MOTHER).text
    assert own.pseudonym in html
    assert family.pseudonym not in html
    # and a PDF asked for with the index finds only hers too
    pdf = client.post(f"/faelle/{own.id}/auskunft/pdf", data={"index": index_in(html)})
    assert family.pseudonym not in _text(pdf.data)


def test_a_fachkraft_without_that_family_finds_nothing(app, family, create_case):
    stranger_case = create_case(family.other)
    client = client_of(app, family.other)
    unknown = {**MOTHER, "birth_date": "1990-01-01"}
    html = client.post(f"/faelle/{stranger_case.id}/auskunft", data=unknown).text
    assert 'data-testid="no-match"' in html
    assert family.pseudonym not in html


@pytest.mark.parametrize("who", ["member", "guest", "dpo"])
def test_no_one_but_the_owner_gets_the_version_with_content(app, family, who):
    client = client_of(app, getattr(family, who))
    response = client.post(f"/faelle/{family.case_id}/auskunft", data=MOTHER)
    assert response.status_code == 403
    assert "Sabine" not in response.text
