"""The per-case access report comes in pages of ``PAGE_LINES`` lines: the next page shows
the next lines (none twice, none left out), the totals are the whole case's on every page,
and a page costs the same statements however long the case's history is."""

from __future__ import annotations

import re

from fallteam.audit.models import AuditAction
from fallteam.audit.operations import record
from fallteam.auth.models import User
from fallteam.dpo.queries.case_report import PAGE_LINES, case_report
from fallteam.extensions import db


def _reads(app, case, readers, n, purposes):
    """``n`` reads of ``case`` by ``readers`` in turn, with ``purposes`` different purposes
    (each purpose × reader is a line of its own)."""
    with app.test_request_context():
        users = [db.session.get(User, r.id) for r in readers]
        for i in range(n):
            record(
                AuditAction.READ,
                object_type="case",
                object_id=case.id,
                case_pseudonym=case.pseudonym,
                actor=users[i % len(users)],
                purpose=f"Fallberatung {i % purposes:03d}",
            )
        db.session.commit()


def _page(app, pseudonym, page):
    # the report records the DPO's look; undone here so both pages see the same log
    with app.test_request_context():
        report = case_report(pseudonym, page)
        db.session.rollback()
        return report


def _lines(report):
    return [
        (person.actor_id, group.session, line.purpose, line.action, line.count)
        for person in report.people + report.refusals
        for group in person.sessions
        for line in group.lines
    ]


def test_page_two_shows_the_next_lines_and_the_totals_stay_those_of_the_case(app, dpo_scenario):
    s = dpo_scenario
    _reads(app, s.case, [s.owner], 2 * PAGE_LINES, PAGE_LINES + 50)
    first, second = _page(app, s.case.pseudonym, 1), _page(app, s.case.pseudonym, 2)

    assert (first.page, second.page) == (1, 2)
    assert first.pages == second.pages == -(-first.lines // PAGE_LINES) >= 2
    assert len(_lines(first)) == PAGE_LINES
    assert len(_lines(second)) == min(PAGE_LINES, first.lines - PAGE_LINES)
    # the next lines, none of the first page again: the 150 purposes read are all there
    assert not set(_lines(first)) & set(_lines(second))
    # earliest first: page 2 starts where page 1 ended
    last_on_first = max(line.first for p in first.people for g in p.sessions for line in g.lines)
    first_on_second = min(line.first for p in second.people for g in p.sessions for line in g.lines)
    assert last_on_first <= first_on_second
    # the totals are the case's, not the page's, and the same on both pages
    assert (first.count, first.refusal_count, first.lines) == (
        second.count,
        second.refusal_count,
        second.lines,
    )
    everything = [_page(app, s.case.pseudonym, n) for n in range(1, first.pages + 1)]
    read = {f"Fallberatung {i:03d}" for i in range(PAGE_LINES + 50)}
    assert read <= {line[2] for report in everything for line in _lines(report)}
    assert sum(line[4] for report in everything for line in _lines(report)) == (
        first.count + first.refusal_count
    )
    assert first.count >= 2 * PAGE_LINES


def test_the_pages_link_to_each_other_and_a_page_past_the_end_shows_the_first(dpo_scenario, app):
    s = dpo_scenario
    _reads(app, s.case, [s.owner], PAGE_LINES + 20, PAGE_LINES + 20)
    client = s.clients[s.dpo.id]
    url = f"/datenschutz/faelle/{s.case.pseudonym}"

    first = client.get(url).get_data(as_text=True)
    assert re.search(r'rel="next" href="[^"]*seite=2"', first)
    assert 'rel="prev"' not in first
    assert first.count('data-testid="report-line"') == PAGE_LINES
    second = client.get(url, query_string={"seite": 2}).get_data(as_text=True)
    assert re.search(r'rel="prev" href="[^"]*seite=1"', second)
    assert 0 < second.count('data-testid="report-line"') <= PAGE_LINES
    # the summary counts the whole case on every page (plus the DPO's look at page 1)
    allowed = re.compile(r'data-testid="report-summary">(\d+) erlaubte Zugriffe')
    on_first = int(allowed.search(first).group(1))
    assert on_first >= PAGE_LINES + 20
    assert int(allowed.search(second).group(1)) == on_first + 1
    beyond = client.get(url, query_string={"seite": 999}).get_data(as_text=True)
    assert 'rel="next"' in beyond and 'rel="prev"' not in beyond


def test_page_one_and_two_cost_the_same_statements_for_5_and_300_events(
    app, dpo_scenario, create_case, count_statements
):
    s = dpo_scenario
    other = create_case(s.owner)
    readers = [s.owner, s.members[0], s.members[1]]
    _reads(app, s.case, readers, 5, 5)
    _reads(app, other, readers, 300, 300)
    client = s.clients[s.dpo.id]
    counted = []
    for pseudonym, page in ((s.case.pseudonym, 1), (other.pseudonym, 1), (other.pseudonym, 2)):
        with count_statements() as statements:
            answer = client.get(f"/datenschutz/faelle/{pseudonym}", query_string={"seite": page})
            assert answer.status_code == 200
        counted.append(len(statements))
    assert counted[0] == counted[1] == counted[2]
