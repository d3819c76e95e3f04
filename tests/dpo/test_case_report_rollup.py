"""A busy case's access report is added up once and kept rolled up; a page adds only the
events since. The report over the stored lines is the report added up from the events —
after new events, after a change of the case's sessions or its case manager (the stored
lines are then not used, and rolled up anew), on every page — and a page costs the same
statements with or without them. The roll-up holds nothing of the case's content."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import delete, func, select

from fallteam.audit.models import AuditAction, Outcome
from fallteam.auth.models import User
from fallteam.cases import operations as cases
from fallteam.cases.models import Case
from fallteam.core.models import utcnow
from fallteam.crypto.types import EncryptedBytes, EncryptedJSON, EncryptedText
from fallteam.dpo.models import CaseReportRollup, CaseReportRollupLine
from fallteam.dpo.operations import roll_up_case_report
from fallteam.dpo.queries.case_report import PAGE_LINES, case_report, report_inputs
from fallteam.extensions import db
from fallteam.meetings.models import Meeting
from tests.conftest import family_of_four
from tests.dpo.audit_log import Entry, write
from tests.dpo.conftest import BACKGROUND, FLAGGED_BACKGROUND, PROTOCOL_TEXT

#: few, so that a test's events are worth rolling up
ROLL_UP_AFTER = 5
pytestmark = pytest.mark.settings(DPO_REPORT_ROLL_UP_AFTER=ROLL_UP_AFTER)


def _inputs(app, pseudonym):
    with app.app_context():
        return report_inputs(pseudonym)


def _roll_up(app, pseudonym, **kwargs) -> bool:
    """What the page does first (committed, as the request would)."""
    with app.test_request_context():
        rolled = roll_up_case_report(report_inputs(pseudonym), **kwargs)
        db.session.commit()
        return rolled


def _pages(app, pseudonym, *, from_scratch: bool = False) -> list:
    """Every page of the report as it stands; ``from_scratch``: with the roll-up taken
    away, so the events are added up as if there never was one. The DPO's looks are undone,
    so both see the same log."""
    reports = []
    with app.test_request_context():
        if from_scratch:
            db.session.execute(delete(CaseReportRollupLine))
            db.session.execute(delete(CaseReportRollup))
        page, pages = 1, 1
        while page <= pages:
            report = case_report(pseudonym, page)
            reports.append(report)
            pages = report.pages
            page += 1
        db.session.rollback()
    return reports


def _stored(app, pseudonym) -> list[tuple]:
    """The stored lines, without their numbers, in a fixed order."""
    lines = CaseReportRollupLine
    columns = [c for c in lines.__table__.c if c.name != "line"]
    with app.app_context():
        rows = db.session.execute(select(*columns).where(lines.pseudonym == pseudonym))
        return sorted((tuple(map(str, row)) for row in rows), key=str)


def _reads(app, scenario, n: int, *, start, step=timedelta(minutes=7), purposes: int = 1):
    """``n`` reads of the scenario's case, by the owner, both members and the guest in
    turn, from ``start`` on; each ``purposes``-th repeats a purpose (its own line)."""
    readers = [scenario.owner, *scenario.members, scenario.guest]
    write(
        app,
        [
            Entry(
                readers[i % len(readers)].id,
                pseudonym=scenario.case.pseudonym,
                at=start + i * step,
                purpose=f"Fallberatung {i % purposes:03d}",
            )
            for i in range(n)
        ],
    )


def _sessions_of_reads(reports) -> dict:
    """Read counts by (person, session id) over all pages."""
    shown: dict = {}
    for report in reports:
        for person in report.people:
            for group in person.sessions:
                for line in group.lines:
                    if line.action == AuditAction.READ and line.object_type == "case":
                        key = (person.actor_id, group.session.id if group.session else None)
                        shown[key] = shown.get(key, 0) + line.count
    return shown


def test_the_report_over_stored_lines_is_the_report_added_up_from_the_events(app, worked_scenario):
    s = worked_scenario
    now = utcnow()
    # more lines than a page, refusals and reads through a consent among them
    _reads(app, s, PAGE_LINES + 20, start=now, purposes=PAGE_LINES + 20)
    write(
        app,
        [
            Entry(s.members[1].id, AuditAction.REFUSE, s.case.pseudonym, Outcome.DENIED, now),
            Entry(
                s.members[0].id,
                pseudonym=s.case.pseudonym,
                at=now + timedelta(hours=1),
                details={"basis": "Einwilligung", "consent_ids": [str(s.case.consent_id)]},
            ),
        ],
    )
    assert _roll_up(app, s.case.pseudonym)
    # and events after the roll-up, added by the page itself
    _reads(app, s, ROLL_UP_AFTER - 1, start=now + timedelta(days=1), purposes=2)

    inputs = _inputs(app, s.case.pseudonym)
    assert inputs.rollup_usable and inputs.pending == ROLL_UP_AFTER - 1
    rolled_up = _pages(app, s.case.pseudonym)
    assert len(rolled_up) >= 2
    assert rolled_up == _pages(app, s.case.pseudonym, from_scratch=True)
    assert rolled_up[0].count + rolled_up[0].refusal_count == sum(
        line.count
        for report in rolled_up
        for person in report.people + report.refusals
        for group in person.sessions
        for line in group.lines
    )


def test_the_page_adds_new_events_to_the_stored_lines_until_it_carries_them_forward(
    app, dpo_scenario
):
    s = dpo_scenario
    start = utcnow()
    _reads(app, s, 12, start=start, purposes=3)
    assert _roll_up(app, s.case.pseudonym)
    first = _inputs(app, s.case.pseudonym).rolled_up_to

    # a few more: added on every page, not yet rolled up
    _reads(app, s, ROLL_UP_AFTER, start=start + timedelta(days=1), purposes=4)
    assert not _roll_up(app, s.case.pseudonym)
    assert _pages(app, s.case.pseudonym) == _pages(app, s.case.pseudonym, from_scratch=True)

    # one more than that: carried forward from the stored lines, the old lines gone
    _reads(app, s, 1, start=start + timedelta(days=2), purposes=5)
    assert _roll_up(app, s.case.pseudonym)
    inputs = _inputs(app, s.case.pseudonym)
    assert inputs.rolled_up_to == inputs.newest_seq > first
    assert inputs.pending == 0
    with app.app_context():
        kept = db.session.scalars(
            select(CaseReportRollupLine.upto_seq)
            .where(CaseReportRollupLine.pseudonym == s.case.pseudonym)
            .distinct()
        ).all()
    assert kept == [inputs.rolled_up_to]
    assert _pages(app, s.case.pseudonym) == _pages(app, s.case.pseudonym, from_scratch=True)
    # carried forward or added up anew: the same lines
    carried = _stored(app, s.case.pseudonym)
    assert _roll_up(app, s.case.pseudonym, rebuild=True)
    assert _stored(app, s.case.pseudonym) == carried


def _add_earlier_session(app, s, create_meeting, successor):
    """The case registered for a session before both others (its window ends first)."""
    with app.app_context():
        team_id = db.session.get(Meeting, s.first.meeting_id).team_id
    create_meeting(team_id, s.case, starts=utcnow().replace(microsecond=0) + timedelta(days=3))


def _move_first_session_last(app, s, create_meeting, successor):
    """The first session moved behind the second (its window now ends last)."""
    with app.app_context():
        meeting = db.session.get(Meeting, s.first.meeting_id)
        meeting.starts_dt += timedelta(days=14)
        meeting.ends_dt += timedelta(days=14)
        db.session.commit()


def _hand_over_the_case(app, s, create_meeting, successor):
    """The Fallführung goes to a colleague: the former case manager's reads now went
    through a session's window."""
    with app.app_context():
        owner = db.session.get(User, s.owner.id)
        cases.transfer_case(
            db.session.get(Case, s.case.id), db.session.get(User, successor.id), actor=owner
        )
        db.session.commit()


@pytest.mark.parametrize(
    "change",
    [_add_earlier_session, _move_first_session_last, _hand_over_the_case],
    ids=["new-agenda-item", "session-moved", "case-manager-changed"],
)
def test_after_a_change_of_the_cases_sessions_the_stored_lines_are_not_used_but_rebuilt(
    app, dpo_scenario, create_account, create_meeting, change
):
    s = dpo_scenario
    successor = create_account(["fachkraft"])
    # reads of the case page a day from now: inside both sessions' windows
    _reads(app, s, 12, start=utcnow() + timedelta(days=1), step=timedelta(minutes=1))
    assert _roll_up(app, s.case.pseudonym)
    before = _pages(app, s.case.pseudonym)

    change(app, s, create_meeting, successor)

    # the stored lines attribute the reads as before the change: left aside
    inputs = _inputs(app, s.case.pseudonym)
    assert not inputs.rollup_usable and inputs.roll_up_due(ROLL_UP_AFTER)
    after = _pages(app, s.case.pseudonym)
    assert after == _pages(app, s.case.pseudonym, from_scratch=True)
    assert _sessions_of_reads(after) != _sessions_of_reads(before)
    # the next page rolls up anew, with the attribution of now
    assert _roll_up(app, s.case.pseudonym)
    assert _inputs(app, s.case.pseudonym).rollup_usable
    assert _pages(app, s.case.pseudonym) == after


@pytest.mark.settings(DPO_REPORT_ROLL_UP_AFTER=40)
def test_a_page_costs_the_same_statements_over_a_roll_up_as_without_and_rolling_up_three_more(
    app, dpo_scenario, create_case, count_statements
):
    s = dpo_scenario
    # the quiet case has the events of its making and one read: too few to roll up
    quiet = create_case(s.owner)
    write(app, [Entry(s.owner.id, pseudonym=quiet.pseudonym)])
    _reads(app, s, 60, start=utcnow(), purposes=10)
    client = s.clients[s.dpo.id]

    def page(pseudonym) -> int:
        with count_statements() as statements:
            assert client.get(f"/datenschutz/faelle/{pseudonym}").status_code == 200
        return len(statements)

    rolling_up = page(s.case.pseudonym)  # the first look rolls the busy case up
    over_roll_up = page(s.case.pseudonym)
    without = page(quiet.pseudonym)
    assert over_roll_up == without
    assert rolling_up == over_roll_up + 3
    assert _inputs(app, s.case.pseudonym).rollup_usable


def test_the_roll_up_holds_no_case_content_and_no_encrypted_column(app, worked_scenario, disclosed):
    s = worked_scenario
    assert _roll_up(app, s.case.pseudonym)
    for model in (CaseReportRollup, CaseReportRollupLine):
        assert not [
            column.name
            for column in model.__table__.c
            if isinstance(column.type, (EncryptedText, EncryptedJSON, EncryptedBytes))
        ]
    with app.app_context():
        case_row = db.session.get(Case, s.case.id)
        plaintexts = [BACKGROUND, FLAGGED_BACKGROUND, PROTOCOL_TEXT, case_row.file_number]
        lines = db.session.execute(select(CaseReportRollupLine)).scalars().all()
        stored = " ".join(
            str(getattr(line, column.key))
            for line in lines
            for column in CaseReportRollupLine.__table__.c
        )
        rolled_up = db.session.scalar(select(func.count()).select_from(CaseReportRollupLine))
    assert rolled_up == len(lines) > 0
    for member in family_of_four():
        plaintexts += [member.first_name, member.last_name, member.address]
    assert [text for text in plaintexts if text.lower() in stored.lower()] == []


@pytest.mark.settings(DPO_REPORT_ROLL_UP_AFTER=40)
def test_the_command_rolls_up_busy_cases_and_builds_them_anew_on_request(
    app, dpo_scenario, create_case
):
    s = dpo_scenario
    quiet = create_case(s.owner)
    _reads(app, s, 60, start=utcnow(), purposes=10)
    runner = app.test_cli_runner()

    result = runner.invoke(args=["dpo", "roll-up-reports"])
    assert result.exit_code == 0, result.output
    assert "1 von 1 Zugriffsberichten verdichtet" in result.output
    assert _inputs(app, s.case.pseudonym).rollup_usable
    assert _inputs(app, quiet.pseudonym).rolled_up_to is None
    stored = _stored(app, s.case.pseudonym)
    # up to date: nothing to do, unless asked to build anew
    assert "0 von 1" in runner.invoke(args=["dpo", "roll-up-reports"]).output
    with app.app_context():
        db.session.execute(delete(CaseReportRollupLine))  # a roll-up in doubt
        db.session.commit()
    assert "1 von 1" in runner.invoke(args=["dpo", "roll-up-reports", "--rebuild"]).output
    assert _stored(app, s.case.pseudonym) == stored
