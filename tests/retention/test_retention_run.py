"""`flask retention run`: which cases it proposes on which day, and what a dry run leaves."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from fallteam.audit.models import AuditEvent
from fallteam.auth.models import User
from fallteam.cases.models import Case
from fallteam.extensions import db
from fallteam.retention import operations, rules
from fallteam.retention.models import DeletionProposal
from tests.retention.conftest import close, register, run_retention


def _proposals(app, case_id) -> list[str]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(DeletionProposal.status).where(DeletionProposal.case_id == case_id)
            )
        )


def test_a_9b_case_is_not_proposed_before_the_end_of_the_year_of_the_100th_birthday(
    app, owner, monkeypatch, today
):
    # the index child (Leonie) was born on 4 March 2018: § 9b SGB VIII keeps the file until
    # her 100th birthday, whenever the case was closed; the date is the end of that year
    # (the stored date must not give away her birthday)
    case_id = register(app, owner.id, category="hze")
    close(app, case_id, today)
    with app.app_context():
        assert db.session.get(Case, case_id).deletion_due_on == date(2118, 12, 31)

    for day in (date(2118, 3, 4), date(2118, 12, 30)):
        monkeypatch.setattr(rules, "today", lambda day=day: day)
        before = run_retention(app)
        assert before.exit_code == 0, before.output
        assert _proposals(app, case_id) == []

    monkeypatch.setattr(rules, "today", lambda: date(2118, 12, 31))
    on_the_day = run_retention(app)
    assert on_the_day.exit_code == 0, on_the_day.output
    assert _proposals(app, case_id) == ["proposed"]
    with app.app_context():
        pseudonym = db.session.get(Case, case_id).pseudonym
    assert f"zur Löschung vorgeschlagen: {pseudonym}" in on_the_day.output


def test_a_case_closed_six_years_ago_is_proposed_once(app, owner, today):
    case_id = register(app, owner.id, category="sonstige")
    close(app, case_id, today - timedelta(days=6 * 366))
    assert run_retention(app).exit_code == 0
    assert run_retention(app).exit_code == 0
    assert _proposals(app, case_id) == ["proposed"]


def test_an_open_case_is_never_proposed_whatever_its_date(app, owner, monkeypatch, today):
    case_id = register(app, owner.id, category="hze")
    monkeypatch.setattr(rules, "today", lambda: date(2200, 1, 1))
    assert run_retention(app).exit_code == 0
    assert _proposals(app, case_id) == []


def test_the_run_reads_the_one_retention_clock(app, owner, monkeypatch, today):
    case_id = register(app, owner.id, category="sonstige")
    close(app, case_id, today)
    assert run_retention(app).exit_code == 0
    assert _proposals(app, case_id) == []
    later = today + timedelta(days=5 * 366)
    monkeypatch.setattr(rules, "today", lambda: later)
    assert run_retention(app).exit_code == 0
    assert _proposals(app, case_id) == ["proposed"]


def test_a_dry_run_lists_what_it_would_do_and_changes_nothing(app, owner, dpo, today):
    due = register(app, owner.id, category="sonstige")
    close(app, due, today - timedelta(days=6 * 366))  # due a year ago
    confirmed = register(app, owner.id, category="sonstige")
    close(app, confirmed, today - timedelta(days=7 * 366))  # due two years ago
    with app.app_context():
        # the older one was proposed already and confirmed since
        operations.propose_deletions(today - timedelta(days=500))
        proposal = db.session.scalar(
            select(DeletionProposal).where(DeletionProposal.case_id == confirmed)
        )
        operations.confirm_proposal(proposal, actor=db.session.get(User, dpo.id))
        db.session.commit()

    def state():
        with app.app_context():
            return (
                db.session.scalar(select(func.count()).select_from(AuditEvent)),
                sorted(db.session.scalars(select(DeletionProposal.status))),
                db.session.get(Case, confirmed).deleted_dt,
            )

    before = state()
    result = run_retention(app, "--dry-run")
    assert result.exit_code == 0, result.output
    assert state() == before
    with app.app_context():
        due_pseudonym = db.session.get(Case, due).pseudonym
        confirmed_pseudonym = db.session.get(Case, confirmed).pseudonym
    assert f"würde zur Löschung vorschlagen: {due_pseudonym}" in result.output
    assert f"würde löschen: {confirmed_pseudonym}" in result.output
    assert "Nichts geändert" in result.output


def test_a_restricted_case_is_not_proposed_and_a_lifted_one_is_again(app, owner, dpo, today):
    case_id = register(app, owner.id, category="sonstige")
    close(app, case_id, today - timedelta(days=6 * 366))
    with app.app_context():
        case = db.session.get(Case, case_id)
        operations.request_restriction(
            case, reason="richtigkeit_bestritten", actor=db.session.get(User, owner.id)
        )
        db.session.commit()
    assert run_retention(app).exit_code == 0
    assert _proposals(app, case_id) == []  # asked for: the DPO decides first
    with app.app_context():
        operations.restrict(db.session.get(Case, case_id), actor=db.session.get(User, dpo.id))
        db.session.commit()
    assert run_retention(app).exit_code == 0
    assert _proposals(app, case_id) == []
    with app.app_context():
        operations.lift_restriction(
            db.session.get(Case, case_id), actor=db.session.get(User, dpo.id)
        )
        db.session.commit()
    assert run_retention(app).exit_code == 0
    assert _proposals(app, case_id) == ["proposed"]


def test_restricting_withdraws_an_open_proposal_and_the_run_never_deletes_it(
    app, owner, dpo, today
):
    case_id = register(app, owner.id, category="sonstige")
    close(app, case_id, today - timedelta(days=6 * 366))
    assert run_retention(app).exit_code == 0
    with app.app_context():
        operations.restrict(
            db.session.get(Case, case_id),
            actor=db.session.get(User, dpo.id),
            reason="rechtsansprueche",
        )
        db.session.commit()
    assert run_retention(app).exit_code == 0
    assert _proposals(app, case_id) == ["rejected"]
    with app.app_context():
        assert db.session.get(Case, case_id).deleted_dt is None


def test_a_rejected_proposal_keeps_the_case_until_the_day_given(
    app, owner, dpo, monkeypatch, today
):
    case_id = register(app, owner.id, category="sonstige")
    close(app, case_id, today - timedelta(days=6 * 366))
    assert run_retention(app).exit_code == 0
    keep_until = today + timedelta(days=90)
    with app.app_context():
        proposal = db.session.scalar(
            select(DeletionProposal).where(DeletionProposal.case_id == case_id)
        )
        operations.reject_proposal(
            proposal,
            reason="Verfahren beim Familiengericht noch offen",
            keep_until=keep_until,
            actor=db.session.get(User, dpo.id),
        )
        db.session.commit()
    assert run_retention(app).exit_code == 0
    assert _proposals(app, case_id) == ["rejected"]
    monkeypatch.setattr(rules, "today", lambda: keep_until)
    assert run_retention(app).exit_code == 0
    assert sorted(_proposals(app, case_id)) == ["proposed", "rejected"]
