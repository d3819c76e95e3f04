"""Two DPOs open a busy case's report for the first time at the same moment (on a database
whose commits are real, each request on its own connection): both get the page, one of
them rolls the case up, the other waits for it and reads what it wrote; one roll-up, no
line twice."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import func, select

from fallteam.dpo import operations as dpo_operations
from fallteam.dpo.models import CaseReportRollup, CaseReportRollupLine
from fallteam.dpo.queries.case_report import PAGE_LINES, report_inputs, rolled_up_lines
from fallteam.extensions import db
from tests.conftest import sign_in
from tests.dpo.audit_log import Entry, write

pytestmark = pytest.mark.settings(DPO_REPORT_ROLL_UP_AFTER=10)


@pytest.fixture
def app(committed_app) -> Flask:
    """Real commits: the two requests see each other only through the database."""
    return committed_app


@pytest.fixture
def _isolated_database() -> Iterator[None]:
    """No outer transaction: each request uses a connection of its own."""
    yield


def test_two_first_looks_at_once_roll_up_once_and_both_answer(
    app, create_account, create_case, monkeypatch
):
    owner = create_account(["fachkraft"])
    case = create_case(owner)
    write(
        app,
        [
            Entry(owner.id, pseudonym=case.pseudonym, purpose=f"Fallberatung {i:03d}")
            for i in range(PAGE_LINES + 10)
        ],
    )
    clients = []
    for _ in range(2):
        client = app.test_client()
        sign_in(client, app, create_account(["dpo"]))
        clients.append(client)

    # both requests have read the case and its roll-up (none) before either rolls up
    both_read = threading.Barrier(2, timeout=30)
    rolled: list[bool] = []
    roll_up = dpo_operations.roll_up_case_report

    def at_once(inputs, **kwargs) -> bool:
        both_read.wait()
        done = roll_up(inputs, **kwargs)
        rolled.append(done)
        return done

    monkeypatch.setattr(dpo_operations, "roll_up_case_report", at_once)
    answers: list = []

    def look(client) -> None:
        answer = client.get(f"/datenschutz/faelle/{case.pseudonym}")
        answers.append((answer.status_code, answer.get_data(as_text=True)))

    threads = [threading.Thread(target=look, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert [status for status, _ in answers] == [200, 200]
    assert all('data-testid="report-line"' in page for _, page in answers)
    assert sorted(rolled) == [False, True]
    lines = CaseReportRollupLine
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(CaseReportRollup)) == 1
        inputs = report_inputs(case.pseudonym)
        assert inputs.rollup_usable
        # the stored lines are the case's lines up to the roll-up, added up anew, each once
        stored = db.session.execute(
            select(*(c for c in lines.__table__.c if c.name not in ("pseudonym", "line")))
        ).all()
        expected = db.session.execute(
            rolled_up_lines(inputs, inputs.rolled_up_to, carry_forward=False)
        ).all()
    assert len(stored) == len(expected) >= PAGE_LINES
    assert sorted(map(repr, stored)) == sorted(
        repr(tuple(row[1:2]) + tuple(row[3:])) for row in expected
    )
