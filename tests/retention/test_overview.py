"""The DPO's retention page: pseudonyms, classes and dates only, in a constant number of
statements however many cases, proposals and restrictions there are."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from fallteam.auth.models import User
from fallteam.cases.models import Case
from fallteam.extensions import db
from fallteam.retention import operations
from tests.core.test_statements_per_request import assert_constant, client_of, statements_of
from tests.retention.conftest import close, register, run_retention


def _more(app, owner, dpo, count: int, today) -> None:
    for number in range(count):
        case_id = register(app, owner.id, category="sonstige")
        close(app, case_id, today - timedelta(days=6 * 366))
        if number % 3 == 0:
            with app.app_context():
                operations.request_restriction(
                    db.session.get(Case, case_id),
                    reason="richtigkeit_bestritten",
                    actor=db.session.get(User, owner.id),
                )
                db.session.commit()
    assert run_retention(app).exit_code == 0
    with app.app_context():
        from fallteam.retention.models import DeletionProposal

        proposals = db.session.scalars(
            select(DeletionProposal).where(DeletionProposal.status == "proposed")
        ).all()
        for proposal in proposals[: len(proposals) // 2]:
            operations.confirm_proposal(proposal, actor=db.session.get(User, dpo.id))
        db.session.commit()


def test_the_retention_page_costs_the_same_for_5_and_50_cases(
    app, owner, dpo, count_statements, today
):
    client = client_of(app, dpo)
    _more(app, owner, dpo, 5, today)
    small = statements_of(count_statements, client, "/datenschutz/loeschungen")
    _more(app, owner, dpo, 45, today)
    large = statements_of(count_statements, client, "/datenschutz/loeschungen")
    assert_constant(small, large, "/datenschutz/loeschungen")


def test_the_retention_page_shows_structure_and_no_case_content(app, owner, dpo, today):
    _more(app, owner, dpo, 2, today)
    page = client_of(app, dpo).get("/datenschutz/loeschungen").get_data(as_text=True)
    with app.app_context():
        pseudonyms = db.session.scalars(select(Case.pseudonym)).all()
    assert all(p in page for p in pseudonyms)
    for secret in ("Krautwurst", "Sabine", "Lindenallee", "AZ-51-4711", "2018-03-04", "04.03.2018"):
        assert secret not in page
