"""The data subject is found only through the blind index of surname, first name and birth
date: exact matches (spelling of case and umlauts aside), nothing for a wrong birth date, and
never a list of names."""

from __future__ import annotations

import pytest

from tests.reports.conftest import MOTHER, client_of

pytestmark = pytest.mark.settings(WTF_CSRF_ENABLED=False)


def test_the_dpo_finds_the_person_by_name_and_birth_date(app, family):
    page = client_of(app, family.dpo).post("/datenschutz/auskunft", data=MOTHER)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert family.pseudonym in html
    assert 'data-testid="appearance"' in html
    assert "no-match" not in html


def test_case_and_umlaut_spelling_do_not_matter_but_nothing_else_is_similar(app, family):
    client = client_of(app, family.dpo)
    shouted = {**MOTHER, "last_name": "  KRAUTWURST ", "first_name": "sabine"}
    assert family.pseudonym in client.post("/datenschutz/auskunft", data=shouted).text
    similar = {**MOTHER, "last_name": "Krautwurstt"}
    assert family.pseudonym not in client.post("/datenschutz/auskunft", data=similar).text


def test_a_wrong_birth_date_finds_nothing_and_says_only_that(app, family):
    wrong = {**MOTHER, "birth_date": "1988-05-15"}
    html = client_of(app, family.dpo).post("/datenschutz/auskunft", data=wrong).text
    assert 'data-testid="no-match"' in html
    assert family.pseudonym not in html
    assert 'data-testid="appearance"' not in html
    # no hint that a similar person exists
    assert "Mutter" not in html


def test_the_search_page_lists_no_names_and_the_search_never_travels_in_a_url(app, family):
    client = client_of(app, family.dpo)
    html = client.get("/datenschutz/auskunft").text
    assert family.pseudonym not in html and "Krautwurst" not in html
    # a GET with the name in the query string searches nothing
    html = client.get("/datenschutz/auskunft", query_string=MOTHER).text
    assert family.pseudonym not in html


def test_an_incomplete_search_asks_for_every_field(app, family):
    html = (
        client_of(app, family.dpo)
        .post("/datenschutz/auskunft", data={"last_name": "Krautwurst", "first_name": "Sabine"})
        .text
    )
    assert "Bitte ausfüllen." in html
    assert family.pseudonym not in html
