"""The dashboard and the agenda cost the same number of statements with 5 or 50 due
Wiedervorlagen (no statement per Wiedervorlage, case or person)."""

from __future__ import annotations

from datetime import date

import pytest

from fallteam.auth.models import User
from fallteam.cases.models import Case
from fallteam.extensions import db
from fallteam.resubmissions.models import Resubmission
from tests.conftest import sign_in
from tests.core.test_statements_per_request import LARGE, SMALL, assert_constant, statements_of

pytestmark = pytest.mark.settings(AUDIT_CHECKPOINT_EVERY=10**9)

DUE = date(2027, 1, 12)


def add_cases_with_resubmissions(app, create_case, setting, how_many: int) -> None:
    """``how_many`` cases of the owner, each due on the 12th, responsible the colleague."""
    with app.app_context():
        have = db.session.query(Resubmission).count()
    for _ in range(how_many - have):
        case = create_case(setting.owner)
        with app.app_context():
            db.session.add(
                Resubmission(
                    case_id=case.id,
                    team_id=setting.team_id,
                    due=DUE,
                    topic="Hilfeplan prüfen",
                    responsible_id=setting.colleague.id,
                    created_by_id=setting.owner.id,
                )
            )
            db.session.commit()


def test_dashboard_and_agenda_statements_do_not_grow(
    app, setting, create_case, create_account, add_meeting, count_statements
):
    from fallteam.teams import operations as teams
    from fallteam.teams.models import Team

    moderator = create_account(["member"])
    with app.app_context():
        teams.add_member(
            db.session.get(Team, setting.team_id),
            db.session.get(User, moderator.id),
            kind="permanent",
        )
        db.session.commit()
    meeting = add_meeting(setting.team_id, date(2027, 1, 13), moderator=moderator)
    owner, mod = app.test_client(), app.test_client()
    sign_in(owner, app, setting.owner)
    sign_in(mod, app, moderator)

    counts = {}
    for size in (SMALL, LARGE):
        add_cases_with_resubmissions(app, create_case, setting, size)
        counts[size] = (
            statements_of(count_statements, owner, "/wiedervorlagen"),
            statements_of(count_statements, mod, f"/sitzungen/{meeting}"),
            statements_of(count_statements, owner, f"/sitzungen/{meeting}"),
        )
        page = owner.get(f"/sitzungen/{meeting}").get_data(as_text=True)
        assert page.count('data-testid="due-resubmission"') == size
    with app.app_context():
        assert db.session.query(Case).count() >= LARGE
    for name, small, large in zip(
        ("dashboard", "agenda (moderator)", "agenda (owner)"),
        counts[SMALL],
        counts[LARGE],
        strict=True,
    ):
        assert_constant(small, large, name)
