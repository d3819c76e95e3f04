"""The anomaly list: a read without relationship (which the rules forbid, so it is written
here behind their back), bulk reads, access outside working hours and repeated refusals each
show up with a link into the log; the normal scenario shows no read without relationship."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from fallteam.audit import operations as audit_operations
from fallteam.audit.models import AuditAction, Outcome
from fallteam.audit.operations import record
from fallteam.auth.models import User
from fallteam.extensions import db


def _events(
    app,
    actor_id,
    pseudonyms,
    *,
    at=None,
    step=timedelta(seconds=5),
    action=AuditAction.READ,
    **kwargs,
):
    """Write one event per pseudonym as ``actor_id`` (from ``at`` on, ``step`` apart; now
    by default), as if the application had recorded them."""
    kwargs.setdefault("object_type", "case")
    with app.test_request_context(), pytest.MonkeyPatch.context() as patch:
        actor = db.session.get(User, actor_id)
        for n, pseudonym in enumerate(pseudonyms):
            if at is not None:
                moment = at + n * step
                patch.setattr(audit_operations, "utcnow", lambda moment=moment: moment)
            record(action, case_pseudonym=pseudonym, actor=actor, **kwargs)
        db.session.commit()


def _section(html: str, kind: str) -> list[str]:
    """The entries of one kind (their rows), or [] when the page says there are none."""
    match = re.search(rf'data-testid="anomalies-{kind}">(.*?)</table>', html, re.S)
    return re.findall(r'<tr data-testid="anomaly".*?</tr>', match.group(1), re.S) if match else []


def _page(scenario, query=""):
    response = scenario.clients[scenario.dpo.id].get(f"/datenschutz/auffaelligkeiten{query}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_normal_scenario_has_no_read_without_relationship(worked_scenario):
    html = _page(worked_scenario)
    assert _section(html, "unrelated") == []
    assert 'data-testid="anomalies-unrelated-none"' in html


def test_a_read_by_someone_without_relationship_is_listed(app, worked_scenario, create_account):
    s = worked_scenario
    stranger = create_account(["fachkraft"])
    _events(app, stranger.id, [s.case.pseudonym], object_id=s.case.id)
    (row,) = _section(_page(s), "unrelated")
    assert f"Test {stranger.username}" in row
    assert s.case.pseudonym in row
    assert f"actor={stranger.id}" in row and f"pseudonym={s.case.pseudonym}" in row


def test_the_case_manager_and_participants_reads_are_not_listed(app, dpo_scenario):
    s = dpo_scenario
    for account in (s.owner, *s.members, s.guest):
        _events(app, account.id, [s.case.pseudonym], object_id=s.case.id)
    assert _section(_page(s), "unrelated") == []


def test_a_former_case_manager_reads_by_right_before_the_handover_not_after(
    app, dpo_scenario, create_account
):
    from fallteam.cases import operations as cases
    from fallteam.cases.models import Case

    s = dpo_scenario
    successor = create_account(["fachkraft"])
    start = datetime.now(UTC) - timedelta(hours=2)
    # the successor reads before the handover (no right yet), the owner before and after
    _events(app, successor.id, [s.case.pseudonym], at=start, object_id=s.case.id)
    _events(app, s.owner.id, [s.case.pseudonym], at=start, object_id=s.case.id)
    with app.test_request_context():
        owner = db.session.get(User, s.owner.id)
        cases.transfer_case(
            db.session.get(Case, s.case.id), db.session.get(User, successor.id), actor=owner
        )
        db.session.commit()
    _events(app, s.owner.id, [s.case.pseudonym], object_id=s.case.id)
    _events(app, successor.id, [s.case.pseudonym], object_id=s.case.id)
    rows = {
        re.search(r'data-actor="([^"]+)"', row).group(1): row
        for row in _section(_page(s), "unrelated")
    }
    # one read each: the owner's after the handover, the successor's before it
    assert rows.keys() == {str(s.owner.id), str(successor.id)}
    assert all("<td>1</td>" in row for row in rows.values())


@pytest.mark.settings(DPO_BULK_READ_CASES=3, DPO_BULK_READ_MINUTES=10)
def test_more_than_n_cases_within_m_minutes_is_a_bulk_read(app, dpo_scenario):
    s = dpo_scenario
    _events(app, s.members[0].id, ["FT-2026-0901", "FT-2026-0902", "FT-2026-0903"])
    assert _section(_page(s), "bulk") == []
    _events(app, s.members[0].id, ["FT-2026-0904", "FT-2026-0902"])
    (row,) = _section(_page(s), "bulk")
    assert f"Test {s.members[0].username}" in row
    for n in range(1, 5):
        assert f"FT-2026-090{n}" in row
    assert f"actor={s.members[0].id}" in row


@pytest.mark.settings(DPO_BULK_READ_CASES=3, DPO_BULK_READ_MINUTES=10)
def test_reads_spread_over_more_than_m_minutes_are_no_bulk_read(app, dpo_scenario):
    s = dpo_scenario
    start = datetime.now(UTC) - timedelta(hours=3)
    cases = [f"FT-2026-091{n}" for n in range(6)]
    _events(app, s.members[0].id, cases, at=start, step=timedelta(minutes=4))
    assert _section(_page(s), "bulk") == []


@pytest.mark.settings(DPO_WORKING_HOURS=[7, 19], DPO_WORKING_DAYS=[0, 1, 2, 3, 4])
@pytest.mark.parametrize(
    ("moment", "outside"),
    [
        (datetime(2026, 1, 14, 22, 30, tzinfo=UTC), True),  # Wednesday 23:30 in Berlin
        (datetime(2026, 1, 14, 17, 30, tzinfo=UTC), False),  # Wednesday 18:30 (winter time)
        (datetime(2026, 7, 15, 17, 30, tzinfo=UTC), True),  # Wednesday 19:30 (summer time)
        (datetime(2026, 1, 17, 10, 0, tzinfo=UTC), True),  # Saturday 11:00
        (datetime(2026, 1, 16, 23, 30, tzinfo=UTC), True),  # Saturday 00:30 (Friday in UTC)
        (datetime(2026, 1, 12, 6, 0, tzinfo=UTC), False),  # Monday 07:00
    ],
)
def test_access_outside_working_hours_in_the_office_time_zone(app, dpo_scenario, moment, outside):
    s = dpo_scenario
    _events(app, s.members[1].id, [s.case.pseudonym], at=moment, object_id=s.case.id)
    day = moment.date()
    since, until = day - timedelta(days=1), day + timedelta(days=1)
    query = f"?since={since.isoformat()}&until={until.isoformat()}"
    rows = _section(_page(s, query), "after-hours")
    assert len(rows) == (1 if outside else 0)
    if outside:
        assert s.case.pseudonym in rows[0] and f"actor={s.members[1].id}" in rows[0]


@pytest.mark.settings(DPO_WORKING_HOURS=[0, 24], DPO_WORKING_DAYS=[0, 1, 2, 3, 4, 5, 6])
def test_working_hours_are_configurable(app, dpo_scenario):
    s = dpo_scenario
    moment = datetime(2026, 1, 17, 2, 0, tzinfo=UTC)
    _events(app, s.members[1].id, [s.case.pseudonym], at=moment, object_id=s.case.id)
    assert _section(_page(s, "?since=2026-01-16&until=2026-01-18"), "after-hours") == []


@pytest.mark.settings(DPO_REFUSALS=3, DPO_REFUSAL_MINUTES=60)
def test_repeated_refusals_are_listed(app, dpo_scenario):
    s = dpo_scenario
    refusal = {"action": AuditAction.REFUSE, "outcome": Outcome.DENIED, "purpose": "case.edit"}
    _events(app, s.guest.id, [s.case.pseudonym, None], **refusal)
    assert _section(_page(s), "refusals") == []
    _events(app, s.guest.id, [s.case.pseudonym], **refusal)
    (row,) = _section(_page(s), "refusals")
    assert f"Test {s.guest.username}" in row
    assert s.case.pseudonym in row
    assert "outcome=denied" in row and f"actor={s.guest.id}" in row


def test_an_unreadable_period_falls_back_to_the_default_with_a_message(dpo_scenario):
    html = _page(dpo_scenario, "?since=gestern")
    assert "Das Datum ist ungültig" in html


def test_the_page_costs_the_same_statements_however_many_events(
    app, dpo_scenario, count_statements
):
    s = dpo_scenario
    with count_statements() as few:
        _page(s)
    _events(app, s.members[0].id, [f"FT-2026-{n:04d}" for n in range(40)])
    _events(
        app, s.guest.id, [s.case.pseudonym] * 3, action=AuditAction.REFUSE, outcome=Outcome.DENIED
    )
    with count_statements() as many:
        _page(s)
    # the findings add at most one statement each: the names of their people and cases
    assert len(many) <= len(few) + 3


@pytest.mark.settings(DPO_BULK_READ_CASES=3, DPO_BULK_READ_MINUTES=10)
def test_reads_at_one_and_the_same_moment_are_a_bulk_read(app, dpo_scenario):
    s = dpo_scenario
    moment = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    cases = [f"FT-2026-092{n}" for n in range(4)]
    # the same case read at the same moment first: the run's first event is not the one
    # from which the others are counted
    _events(app, s.members[0].id, [cases[0], *cases], at=moment, step=timedelta(0))
    (row,) = _section(_page(s), "bulk")
    assert all(pseudonym in row for pseudonym in cases)
    assert "<td>4</td>" in row  # different cases
