"""Only the case's owner sets, closes and renews its Wiedervorlagen; the topic passes the
re-identification guard; the due day is not in the past; the responsible person is the owner
or a member of the team; renewing keeps the history."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from fallteam.access import AccessRefused
from fallteam.audit.models import AuditEvent
from fallteam.auth.models import User
from fallteam.cases.models import Case
from fallteam.extensions import db
from fallteam.resubmissions import operations
from fallteam.resubmissions.models import Resubmission, ResubmissionStatus
from fallteam.teams.models import Team
from tests.resubmissions.conftest import NOW, TOPIC

DUE = date(2027, 1, 20)


def set_as(setting, actor_id, **changes):
    args = {"due": DUE, "topic": TOPIC, "responsible": setting.owner.id} | changes
    return operations.set_resubmission(
        db.session.get(Case, setting.case_id),
        db.session.get(Team, setting.team_id),
        args["due"],
        args["topic"],
        db.session.get(User, args["responsible"]),
        db.session.get(User, actor_id),
        now=NOW,
    )


@pytest.mark.parametrize(
    "roles", [["fachkraft", "member"], ["member"], ["guest"], ["dpo"], ["admin"]]
)
def test_nobody_but_the_owner_sets_closes_or_renews(
    app, setting, create_account, add_resubmission, roles
):
    other = create_account(roles)
    rid = add_resubmission(setting, DUE)
    with app.app_context():
        with pytest.raises(AccessRefused):
            set_as(setting, other.id)
        resubmission = db.session.get(Resubmission, rid)
        actor = db.session.get(User, other.id)
        with pytest.raises(AccessRefused):
            operations.close_resubmission(resubmission, "erledigt", actor)
        with pytest.raises(AccessRefused):
            operations.renew_resubmission(resubmission, date(2027, 2, 3), "weiter", actor, now=NOW)
        assert resubmission.status == ResubmissionStatus.OPEN


def test_the_guard_refuses_a_family_name_in_the_topic(app, setting):
    with app.app_context():
        with pytest.raises(operations.ResubmissionError, match="erkennbar"):
            set_as(setting, setting.owner.id, topic="Wie geht es Leonie Krautwurst in der Schule?")
        assert db.session.scalar(select(Resubmission)) is None


def test_the_guard_refuses_a_family_name_in_the_outcome(app, setting, add_resubmission):
    rid = add_resubmission(setting, DUE)
    with app.app_context():
        with pytest.raises(operations.ResubmissionError, match="erkennbar"):
            operations.close_resubmission(
                db.session.get(Resubmission, rid),
                "Frau Krautwurst hat zugestimmt.",
                db.session.get(User, setting.owner.id),
            )


def test_a_due_day_in_the_past_is_refused(app, setting):
    with app.app_context():
        with pytest.raises(operations.ResubmissionError, match="Vergangenheit"):
            set_as(setting, setting.owner.id, due=date(2026, 12, 31))


def test_the_responsible_person_belongs_to_the_team_or_owns_the_case(app, setting, create_account):
    outsider = create_account(["fachkraft", "member"])
    with app.app_context():
        with pytest.raises(operations.ResubmissionError, match="Verantwortlich"):
            set_as(setting, setting.owner.id, responsible=outsider.id)
        assert set_as(setting, setting.owner.id, responsible=setting.colleague.id).id


def test_a_team_the_case_has_nothing_to_do_with_is_refused(app, setting, create_team):
    foreign_team, _ = create_team([])
    with app.app_context():
        with pytest.raises(operations.ResubmissionError):
            operations.set_resubmission(
                db.session.get(Case, setting.case_id),
                db.session.get(Team, foreign_team),
                DUE,
                TOPIC,
                db.session.get(User, setting.owner.id),
                db.session.get(User, setting.owner.id),
                now=NOW,
            )


def test_renewing_keeps_the_history_and_links_the_new_one(app, setting, add_resubmission):
    rid = add_resubmission(setting, DUE)
    with app.app_context():
        old = db.session.get(Resubmission, rid)
        new = operations.renew_resubmission(
            old,
            date(2027, 2, 17),
            "Schulbegleitung beantragt, noch nicht bewilligt.",
            db.session.get(User, setting.owner.id),
            now=NOW,
        )
        db.session.commit()
        rows = db.session.scalars(select(Resubmission).order_by(Resubmission.due)).all()
        assert [(r.due, r.status) for r in rows] == [
            (DUE, ResubmissionStatus.RENEWED),
            (date(2027, 2, 17), ResubmissionStatus.OPEN),
        ]
        assert rows[0].outcome == "Schulbegleitung beantragt, noch nicht bewilligt."
        assert rows[1].renewed_from_id == rows[0].id and rows[1].topic == TOPIC
        assert new.id == rows[1].id
        with pytest.raises(operations.ResubmissionError):
            operations.close_resubmission(
                rows[0], "nochmal", db.session.get(User, setting.owner.id)
            )
        events = db.session.scalars(
            select(AuditEvent.action).where(AuditEvent.object_type == "resubmission")
        ).all()
        assert sorted(events) == ["create", "create", "update"]


def test_the_topic_is_stored_encrypted(app, setting, add_resubmission):
    add_resubmission(setting, DUE)
    with app.app_context():
        raw = db.session.execute(db.text("SELECT topic FROM resubmissions")).scalar_one()
        assert TOPIC.encode() not in bytes(raw)
