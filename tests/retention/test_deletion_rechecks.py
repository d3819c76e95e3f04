"""A deletion is carried out only if its case is still what was proposed: closed, not
restricted, its class and date unchanged and reached — checked again when the DPO confirms
and when the run deletes; otherwise the proposal is withdrawn with the reason the DPO page
shows. A real run never acts on a future day; two runs never hold two open proposals of one
case; one failing deletion does not stop the others. The tombstone and the certificate say
no more than that the case existed."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from fallteam.auth.models import User
from fallteam.cases import operations as cases
from fallteam.cases.models import Case
from fallteam.extensions import db
from fallteam.retention import operations, rules
from fallteam.retention.models import DeletionCertificate, DeletionProposal
from tests.conftest import sign_in
from tests.retention.conftest import close, register, run_retention


def _proposed(app, owner_id, today, category="sonstige"):
    """A case closed six years ago and proposed by the run; (case id, proposal id)."""
    case_id = register(app, owner_id, category=category)
    close(app, case_id, today - timedelta(days=6 * 366))
    assert run_retention(app).exit_code == 0
    with app.app_context():
        return case_id, db.session.scalar(
            select(DeletionProposal.id).where(DeletionProposal.case_id == case_id)
        )


def _confirm(app, proposal_id, dpo_id):
    with app.app_context():
        operations.confirm_proposal(
            db.session.get(DeletionProposal, proposal_id), actor=db.session.get(User, dpo_id)
        )
        db.session.commit()


def _to_hze(app, case_id, owner_id):
    """The owner changes the closed case's category to Hilfen zur Erziehung (§ 9b: kept
    until the young person's 100th birthday)."""
    with app.app_context():
        cases.update_case(
            db.session.get(Case, case_id),
            category="hze",
            child_protection=False,
            file_number="AZ-51-4711",
        )
        db.session.commit()
        assert db.session.get(Case, case_id).deletion_due_on > rules.today()


def _status(app, proposal_id):
    with app.app_context():
        proposal = db.session.get(DeletionProposal, proposal_id)
        return proposal.status, proposal.rejection_reason


def test_a_case_whose_class_changed_after_confirmation_is_not_deleted(app, owner, dpo, today):
    case_id, proposal_id = _proposed(app, owner.id, today)
    _confirm(app, proposal_id, dpo.id)
    _to_hze(app, case_id, owner.id)
    result = run_retention(app)
    assert result.exit_code == 0, result.output
    assert "übersprungen" in result.output
    status, reason = _status(app, proposal_id)
    assert status == "withdrawn" and "Aufbewahrungsklasse" in reason
    with app.app_context():
        assert db.session.get(Case, case_id).deleted_dt is None
        assert db.session.scalar(select(DeletionCertificate.id)) is None
    # the DPO page shows why
    client = app.test_client()
    sign_in(client, app, dpo)
    page = client.get("/datenschutz/loeschungen").get_data(as_text=True)
    assert "Zurückgezogen: Aufbewahrungsklasse geändert" in page


def test_a_case_that_changed_before_confirmation_is_withdrawn_not_confirmed(app, owner, dpo, today):
    case_id, proposal_id = _proposed(app, owner.id, today)
    _to_hze(app, case_id, owner.id)
    with app.app_context():
        with pytest.raises(operations.RetentionError):
            operations.confirm_proposal(
                db.session.get(DeletionProposal, proposal_id),
                actor=db.session.get(User, dpo.id),
            )
        db.session.commit()
    assert _status(app, proposal_id)[0] == "withdrawn"


def test_delete_case_itself_refuses_a_case_that_is_no_longer_closed(app, owner, dpo, today):
    case_id, proposal_id = _proposed(app, owner.id, today)
    _confirm(app, proposal_id, dpo.id)
    with app.app_context():
        # (reopening is refused while a proposal is open: the row is changed underneath)
        db.session.get(Case, case_id).closed_on = None
        db.session.commit()
    with app.app_context():
        with pytest.raises(operations.RetentionError):
            operations.delete_case(db.session.get(DeletionProposal, proposal_id))
        db.session.commit()
        assert db.session.get(Case, case_id).deleted_dt is None
    assert _status(app, proposal_id)[0] == "withdrawn"


def test_a_real_run_refuses_a_future_day_a_dry_run_may_look_ahead(app, owner, dpo, today):
    case_id = register(app, owner.id, category="sonstige")
    close(app, case_id, today)
    future = (today + timedelta(days=6 * 366)).isoformat()
    refused = run_retention(app, "--today", future)
    assert refused.exit_code != 0
    assert "--dry-run" in refused.output
    looked = run_retention(app, "--dry-run", "--today", future)
    assert looked.exit_code == 0, looked.output
    with app.app_context():
        assert db.session.scalar(select(DeletionProposal.id)) is None
    past = run_retention(app, "--today", (today - timedelta(days=1)).isoformat())
    assert past.exit_code == 0, past.output


def test_the_dpo_who_lifted_the_restriction_does_not_confirm_the_deletion(
    app, owner, dpo, create_account, today
):
    case_id = register(app, owner.id, category="sonstige")
    close(app, case_id, today - timedelta(days=6 * 366))
    with app.app_context():
        case = db.session.get(Case, case_id)
        lifter = db.session.get(User, dpo.id)
        operations.restrict(case, actor=lifter, reason="richtigkeit_bestritten")
        operations.lift_restriction(case, actor=lifter)
        db.session.commit()
    assert run_retention(app).exit_code == 0
    with app.app_context():
        proposal = db.session.scalar(
            select(DeletionProposal).where(DeletionProposal.case_id == case_id)
        )
        proposal_id = proposal.id
        with pytest.raises(operations.access.AccessRefused):
            operations.confirm_proposal(proposal, actor=db.session.get(User, dpo.id))
        db.session.rollback()
    other = create_account(["dpo"])
    _confirm(app, proposal_id, other.id)
    assert _status(app, proposal_id)[0] == "confirmed"


def test_the_dpo_who_declined_a_restriction_does_not_confirm_the_deletion(app, owner, dpo, today):
    case_id = register(app, owner.id, category="sonstige")
    close(app, case_id, today - timedelta(days=6 * 366))
    with app.app_context():
        case = db.session.get(Case, case_id)
        operations.request_restriction(
            case, reason="richtigkeit_bestritten", actor=db.session.get(User, owner.id)
        )
        operations.decline_restriction(case, actor=db.session.get(User, dpo.id))
        db.session.commit()
    assert run_retention(app).exit_code == 0
    client = app.test_client()
    sign_in(client, app, dpo)
    with app.app_context():
        proposal_id = db.session.scalar(
            select(DeletionProposal.id).where(DeletionProposal.case_id == case_id)
        )
    from tests.conftest import csrf_token

    answer = client.post(
        f"/datenschutz/loeschungen/{proposal_id}/bestaetigen",
        data={"csrf_token": csrf_token(client)},
    )
    assert answer.status_code == 403
    assert _status(app, proposal_id)[0] == "proposed"


def test_a_case_has_at_most_one_open_proposal(app, owner, today):
    case_id, _proposal_id = _proposed(app, owner.id, today)
    with app.app_context():
        case = db.session.get(Case, case_id)
        db.session.add(
            DeletionProposal(
                case_id=case.id,
                case_pseudonym=case.pseudonym,
                retention_class="sonstige",
                deletion_due_on=case.deletion_due_on,
                proposed_by="zweiter Lauf",
                status="proposed",
            )
        )
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()


def test_one_failing_deletion_does_not_stop_the_others(app, owner, dpo, today, monkeypatch):
    first, first_proposal = _proposed(app, owner.id, today)
    second, second_proposal = _proposed(app, owner.id, today)
    _confirm(app, first_proposal, dpo.id)
    _confirm(app, second_proposal, dpo.id)
    real = operations.shred_case_key

    def failing(case_id, **kwargs):
        if case_id == first:
            raise RuntimeError("Schlüsselspeicher nicht erreichbar")
        return real(case_id, **kwargs)

    monkeypatch.setattr(operations, "shred_case_key", failing)
    result = run_retention(app)
    assert result.exit_code == 0, result.output
    assert "fehlgeschlagen" in result.output
    with app.app_context():
        assert db.session.get(Case, first).deleted_dt is None
        assert db.session.get(DeletionProposal, first_proposal).status == "confirmed"
        assert db.session.get(Case, second).deleted_dt is not None


def test_the_tombstone_and_certificate_keep_nothing_about_the_family(app, owner, dpo, today):
    case_id = register(app, owner.id, category="sonstige")
    with app.app_context():
        case = db.session.get(Case, case_id)
        case.child_protection = True
        case.disputed_on = date(2019, 3, 1)
        db.session.commit()
    close(app, case_id, today - timedelta(days=6 * 366), reason="ziel_erreicht")
    assert run_retention(app).exit_code == 0
    with app.app_context():
        proposal_id = db.session.scalar(
            select(DeletionProposal.id).where(DeletionProposal.case_id == case_id)
        )
    _confirm(app, proposal_id, dpo.id)
    assert run_retention(app).exit_code == 0
    with app.app_context():
        tombstone = db.session.get(Case, case_id)
        assert tombstone.deleted_dt is not None
        assert tombstone.child_protection is False
        assert tombstone.disputed_on is None and tombstone.closing_reason is None
        certificate = db.session.scalar(select(DeletionCertificate))
        assert certificate.keys_destroyed >= 1
        assert "family_members" not in certificate.rows_removed
        assert "family_relations" not in certificate.rows_removed
        assert certificate.rows_removed["family"] == "Familie entfernt"
