"""A person's activity (``/datenschutz/personen/<id>``): per case pseudonym and office day,
how often they read, changed, exported and were refused, first and last time, with links
into the search; other people's events and events outside the period stay out; the page
costs the same statements for 5 events as for 200."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from fallteam.audit.models import AuditAction, Outcome
from tests.dpo.audit_log import Entry, write


@pytest.fixture
def dpo(signed_in):
    client, _account = signed_in(["dpo"])
    return client


def _lines(html: str) -> dict[tuple[str, str], dict[str, int]]:
    lines = {}
    for row in re.findall(r"<tr data-pseudonym=.*?</tr>", html, re.S):
        pseudonym, day = re.search(r'data-pseudonym="([^"]+)" data-day="([^"]+)"', row).groups()
        counts = {
            name: int(re.sub(r"<[^>]+>", "", value))
            for name, value in re.findall(r'data-count="(\w+)">(.*?)</td>', row, re.S)
        }
        lines[(pseudonym, day)] = counts
    return lines


def test_the_activity_counts_per_case_and_office_day(app, dpo, create_account):
    person, other = create_account(["fachkraft"]), create_account(["member"])
    at = lambda d, h, m=0: datetime(2026, 3, d, h, m, tzinfo=UTC)  # noqa: E731
    write(
        app,
        [
            Entry(person.id, pseudonym="FT-2026-0001", at=at(2, 9)),
            Entry(person.id, pseudonym="FT-2026-0001", at=at(2, 11)),
            Entry(person.id, AuditAction.UPDATE, "FT-2026-0001", at=at(2, 12)),
            Entry(person.id, AuditAction.EXPORT, "FT-2026-0001", at=at(2, 13)),
            Entry(person.id, AuditAction.REFUSE, "FT-2026-0002", Outcome.DENIED, at=at(2, 14)),
            # 23:30 UTC on 2 March is 3 March in Berlin
            Entry(person.id, pseudonym="FT-2026-0002", at=at(2, 23, 30)),
            Entry(other.id, pseudonym="FT-2026-0001", at=at(2, 10)),  # someone else
            Entry(person.id, pseudonym="FT-2026-0001", at=at(20, 10)),  # outside the period
            Entry(person.id, AuditAction.SIGN_IN, None, at=at(2, 8), object_type="user"),
        ],
    )
    response = dpo.get(
        f"/datenschutz/personen/{person.id}",
        query_string={"since": "2026-03-01", "until": "2026-03-10"},
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert _lines(html) == {
        ("FT-2026-0001", "2026-03-02"): {"reads": 2, "changes": 1, "exports": 1, "refusals": 0},
        ("FT-2026-0002", "2026-03-02"): {"reads": 0, "changes": 0, "exports": 0, "refusals": 1},
        ("FT-2026-0002", "2026-03-03"): {"reads": 1, "changes": 0, "exports": 0, "refusals": 0},
    }
    assert f"Test {person.username}" in html
    # first and last time in office time (09:00 UTC is 10:00 in Berlin in March)
    assert "10:00:00" in html and "14:00:00" in html
    # links into the search, the refusals' with outcome=denied
    assert (
        f"/datenschutz/protokoll?actor={person.id}&amp;pseudonym=FT-2026-0002&amp;outcome=denied"
        "&amp;since=2026-03-02&amp;until=2026-03-02"
    ) in html


def test_the_search_for_a_person_links_to_their_activity(app, dpo, create_account):
    person = create_account(["fachkraft"])
    html = dpo.get("/datenschutz/protokoll", query_string={"actor": str(person.id)}).get_data(
        as_text=True
    )
    assert f"/datenschutz/personen/{person.id}" in html


def test_a_wrong_period_gets_a_german_message(dpo, create_account):
    person = create_account(["fachkraft"])
    response = dpo.get(
        f"/datenschutz/personen/{person.id}",
        query_string={"since": "2026-03-05", "until": "2026-03-01"},
    )
    assert response.status_code == 200
    assert "Das Ende des Zeitraums liegt vor seinem Beginn." in response.get_data(as_text=True)


def test_an_unknown_person_is_404(dpo):
    assert dpo.get("/datenschutz/personen/00000000-0000-0000-0000-000000000000").status_code == 404


def test_the_page_costs_the_same_statements_for_5_and_200_events(
    app, dpo, create_account, count_statements
):
    person = create_account(["fachkraft"])
    url = f"/datenschutz/personen/{person.id}"
    # today (the default period ends today), at an hour that is today in Berlin too
    NOON = datetime.now(UTC).replace(hour=11, minute=0)  # noqa: N806

    def statements() -> int:
        with count_statements() as sent:
            assert dpo.get(url).status_code == 200
        return len(sent)

    write(
        app,
        [Entry(person.id, pseudonym=f"FT-2026-{i:04d}", at=NOON) for i in range(5)],
    )
    few = statements()
    write(
        app,
        [Entry(person.id, pseudonym=f"FT-2026-{i:04d}", at=NOON) for i in range(195)],
    )
    assert statements() == few
    # 195 cases on one day: 100 lines per page, the rest on the next
    first = dpo.get(url).get_data(as_text=True)
    assert len(_lines(first)) == 100 and "195 Zeilen (Fall und Tag)" in first
    older = re.search(r'rel="next" href="([^"]+)"', first).group(1).replace("&amp;", "&")
    second = _lines(dpo.get(older).get_data(as_text=True))
    assert len(second) == 95 and not set(second) & set(_lines(first))
