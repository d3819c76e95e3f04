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
        (
            AuditFilter(pseudonym="FT-2026-0001", since=date(2026, 3, 1), until=date(2026, 3, 31)),
            "ix_audit_events_case_pseudonym_seq",
        ),
    ],
)
def test_each_filter_is_answered_through_its_index(app, audit_filter, index):
    with app.test_request_context():
        if db.session.connection().dialect.name == "postgresql":
            # an almost empty table is cheaper to scan: ask what the plan is when it is not
            db.session.execute(text("SET LOCAL enable_seqscan = off"))
        plan = explain_search(audit_filter)
        db.session.rollback()
    assert index in plan, plan
