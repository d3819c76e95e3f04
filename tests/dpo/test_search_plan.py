"""Each filter of the audit search is answered through its index (the benchmark checks the
same at 1,000,000 events): ``explain_search`` shows the plan the database chooses."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from sqlalchemy import text

from fallteam.dpo.queries.search import AuditFilter, explain_search
from fallteam.extensions import db


@pytest.mark.parametrize(
    ("audit_filter", "index"),
    [
        (AuditFilter(pseudonym="FT-2026-0001"), "ix_audit_events_case_pseudonym_seq"),
        (AuditFilter(actor_id=uuid.uuid4()), "ix_audit_events_actor_id_seq"),
        (AuditFilter(action="export"), "ix_audit_events_action_seq"),
        (AuditFilter(denied_only=True), "ix_audit_events_outcome_seq"),
        (AuditFilter(consent_reads=True), "ix_audit_events_consent_reads"),
    ],
)
def test_each_filter_is_answered_through_its_index(app, audit_filter, index):
    assert index in _plan(app, audit_filter)


def test_a_filtered_period_is_answered_through_an_index(app):
    # which one depends on the table's statistics (the benchmark prints it at full size)
    plan = _plan(
        app, AuditFilter(pseudonym="FT-2026-0001", since=date(2026, 3, 1), until=date(2026, 3, 31))
    )
    assert "USING INDEX" in plan or "Index Scan" in plan, plan


def _plan(app, audit_filter: AuditFilter) -> str:
    with app.test_request_context():
        if db.session.connection().dialect.name == "postgresql":
            # an almost empty table is cheaper to scan, and its few rows cheaper to sort than
            # to walk in order (the (actor, time) index would do): ask what the plan is when
            # the table is large
            db.session.execute(text("SET LOCAL enable_seqscan = off"))
            db.session.execute(text("SET LOCAL enable_sort = off"))
        plan = explain_search(audit_filter)
        db.session.rollback()
    return plan
