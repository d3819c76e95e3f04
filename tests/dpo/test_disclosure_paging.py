"""The list of disclosure decisions pages newest first by sequence number: following "weiter"
shows every decision exactly once even while new ones are recorded; a page costs the same
statements for 3 decisions as for 120; each row's link into the log names the office day."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from fallteam.audit.models import AuditAction
from tests.dpo.audit_log import Entry, next_before, write

URL = "/datenschutz/offenlegungen"


@pytest.fixture
def dpo(signed_in):
    client, _account = signed_in(["dpo"])
    return client


def _decisions(app, actor_id, count: int, *, at: datetime | None = None) -> list[int]:
    """``count`` guard releases by ``actor_id`` (a minute apart); their sequence numbers."""
    at = at or datetime(2026, 3, 3, 10, 0, tzinfo=UTC)
    return write(
        app,
        [
            Entry(
                actor_id,
                AuditAction.UPDATE,
                f"FT-2026-{n % 7:04d}",
                at=at + timedelta(minutes=n),
                details={"disclosure": "guard_release"},
            )
            for n in range(count)
        ],
    )


def _seqs(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'data-seq="(\d+)" data-testid="disclosure"', html)]


def test_following_weiter_shows_every_decision_once_while_new_ones_arrive(app, dpo, create_account):
    person = create_account(["fachkraft"])
    written = _decisions(app, person.id, 120)
    html = dpo.get(URL).get_data(as_text=True)
    seen = _seqs(html)
    assert seen == sorted(written, reverse=True)[:50]
    while (before := next_before(html)) is not None:
        # decisions recorded meanwhile are newer: they must neither push entries onto the
        # next page (repeated) nor past it (skipped)
        _decisions(app, person.id, 30, at=datetime(2026, 3, 4, 10, 0, tzinfo=UTC))
        html = dpo.get(URL, query_string={"before": before}).get_data(as_text=True)
        seen += _seqs(html)
    assert seen == sorted(written, reverse=True)
    # the newest page shows the new ones first again
    assert _seqs(dpo.get(URL).get_data(as_text=True))[0] > max(written)


def test_the_list_costs_the_same_statements_for_3_and_120_decisions(
    app, dpo, create_account, count_statements
):
    person = create_account(["fachkraft"])

    def statements(**query) -> int:
        with count_statements() as sent:
            assert dpo.get(URL, query_string=query).status_code == 200
        return len(sent)

    _decisions(app, person.id, 3)
    few = statements()
    seqs = _decisions(app, person.id, 117)
    assert statements() == few
    assert statements(before=seqs[60]) == few
    assert statements(art="guard_release", pseudonym="FT-2026-0001") == few


def test_the_link_into_the_log_names_the_office_day(app, dpo, create_account):
    person = create_account(["fachkraft"])
    # 23:30 UTC on 2 March is 00:30 on 3 March in Berlin
    _decisions(app, person.id, 1, at=datetime(2026, 3, 2, 23, 30, tzinfo=UTC))
    html = dpo.get(URL).get_data(as_text=True)
    assert "since=2026-03-03&amp;until=2026-03-03" in html
    assert "2026-03-02" not in html
