"""The Fachkraft's case list comes in pages of 25 in the order she chose (kept from page to
page), and every page view leaves one read event for each case it showed, under the case's
pseudonym."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import select

from fallteam.audit.models import AuditEvent
from fallteam.extensions import db
from tests.conftest import sign_in

CASES = 30


@pytest.fixture
def thirty_cases(app, create_account, create_case):
    owner = create_account(["fachkraft"])
    made = [create_case(owner) for _ in range(CASES)]
    client = app.test_client()
    sign_in(client, app, owner)
    return client, owner, made


def listed(html: str) -> list[str]:
    """The pseudonyms of the list's rows, in the order shown."""
    table = html.split('data-testid="case-list"')[1].split("</table>")[0]
    return re.findall(r'href="/faelle/[0-9a-f-]+">([^<]+)</a>', table)


def next_link(html: str) -> str | None:
    match = re.search(r'<a rel="next" href="([^"]+)"', html)
    return match.group(1).replace("&amp;", "&") if match else None


def reads_of(app, actor_id) -> list[AuditEvent]:
    with app.app_context():
        return db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.actor_id == actor_id, AuditEvent.action == "read")
            .order_by(AuditEvent.seq)
        ).all()


def test_the_list_shows_25_cases_a_page_and_a_german_pager(thirty_cases):
    client, _, made = thirty_cases
    first = client.get("/faelle").get_data(as_text=True)
    assert len(listed(first)) == 25
    assert "Seite 1 von 2" in first and "30 Fälle" in first
    assert "nächste Seite" in first and "vorherige Seite" not in first
    second = client.get(next_link(first)).get_data(as_text=True)
    assert "Seite 2 von 2" in second and "vorherige Seite" in second
    assert next_link(second) is None
    assert sorted(listed(first) + listed(second)) == sorted(c.pseudonym for c in made)
    assert listed(first) == sorted(listed(first))


def test_the_chosen_order_is_kept_across_pages(thirty_cases):
    client, _, made = thirty_cases
    first = client.get("/faelle?sortierung=newest").get_data(as_text=True)
    link = next_link(first)
    assert "sortierung=newest" in link and "seite=2" in link
    second = client.get(link).get_data(as_text=True)
    newest_first = [c.pseudonym for c in reversed(made)]
    assert listed(first) + listed(second) == newest_first
    assert 'value="newest" selected' in second


@pytest.mark.parametrize("page", ["99", "0", "abc", "-3"])
def test_a_page_number_out_of_range_shows_a_page_that_exists(thirty_cases, page):
    client, _, _ = thirty_cases
    response = client.get(f"/faelle?seite={page}")
    assert response.status_code == 200
    assert len(listed(response.get_data(as_text=True))) in (25, 5)


def test_one_page_view_records_one_read_per_case_shown_under_its_pseudonym(app, thirty_cases):
    client, owner, made = thirty_cases
    before = len(reads_of(app, owner.id))
    html = client.get("/faelle?seite=2").get_data(as_text=True)
    events = reads_of(app, owner.id)[before:]
    assert len(events) == CASES - 25
    assert {e.purpose for e in events} == {"Fallliste"}
    assert {e.object_type for e in events} == {"case"}
    # the list names the families: each read is found by the case's pseudonym
    assert sorted(e.case_pseudonym for e in events) == sorted(listed(html))
    ids = {str(c.id): c.pseudonym for c in made}
    assert sorted(ids[e.object_id] for e in events) == sorted(listed(html))
    assert {json.loads(e.details)["basis"] for e in events} == {"fallführend"}
