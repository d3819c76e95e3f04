"""``bench/seed.py`` at a tiny size: its rows are the app's own (the chain verifies, every
encrypted field opens), and its plaintext copy holds the same data unsealed and unaudited."""

from __future__ import annotations

import json
import uuid

from sqlalchemy import func, select, text

from bench.seed import Scale, run_seed
from fallteam.audit.models import AuditEvent
from fallteam.audit.operations import public_key
from fallteam.audit.verify import verify_audit_log
from fallteam.auth.models import User
from fallteam.cases.models import Case, CaseParticipant, FamilyMember
from fallteam.crypto.models import DataKey
from fallteam.crypto.runtime import current_keyring
from fallteam.extensions import db
from fallteam.protocols.models import CaseProtocol

TINY = Scale(cases=5, sessions=2, audit_events=200)


def _names_as_stored() -> list[bytes]:
    members = FamilyMember.__table__
    return [bytes(v) for v in db.session.scalars(select(text("first_name")).select_from(members))]


def test_the_seeded_log_verifies_and_every_encrypted_field_opens(tmp_path):
    seeded = run_seed(tmp_path, None, TINY)
    app, manifest = seeded["app"], seeded["manifest"]
    with app.app_context():
        report = verify_audit_log(db.engine, current_keyring().audit_mac_key, public_key())
        assert report.intact, report.problems
        assert report.events == db.session.scalar(select(func.count()).select_from(AuditEvent))
        assert report.events >= TINY.audit_events
        members = db.session.scalars(select(FamilyMember)).all()
        assert len(members) >= 2 * TINY.cases
        names = {m.first_name for m in members}
        assert all(isinstance(n, str) for n in names)
        assert not any(n.encode() in raw for n in names for raw in _names_as_stored())
        protocol = db.session.get(CaseProtocol, uuid.UUID(manifest["objects"]["protocol_id"]))
        assert protocol is not None and protocol.sections
        assert db.session.scalar(select(func.count()).select_from(Case)) == TINY.cases
        db.engine.dispose()
    for name in ("dpo", "fachkraft"):
        assert manifest["accounts"][name]["totp"]


def test_the_baseline_copy_holds_the_same_data_in_plaintext(tmp_path):
    audited = run_seed(tmp_path / "audited", None, TINY)
    plain = run_seed(tmp_path / "plain", None, TINY, baseline=True)
    with audited["app"].app_context():
        families = sorted(
            (m.role, m.first_name, m.last_name) for m in db.session.scalars(select(FamilyMember))
        )
        db.engine.dispose()
    with plain["app"].app_context():
        assert not db.session.scalar(select(func.count()).select_from(DataKey))
        # the log has the same size; none of it comes from the seeding's operations
        assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == 200
        stored = sorted(
            (m.role, m.first_name, m.last_name) for m in db.session.scalars(select(FamilyMember))
        )
        assert sorted(n.decode() for n in _names_as_stored()) == sorted(s[1] for s in stored)
        db.engine.dispose()
    assert stored == families


def test_the_dpo_reports_of_both_copies_show_the_same_events(tmp_path):
    """The DPO per-case report is timed on both copies: each case it opens must have the
    same number of audit events in both, or the ratio compares different amounts of work
    (the audited copy's operations write events the plaintext copy replaces with generated
    ones spread over all cases)."""
    copies = [run_seed(tmp_path / "audited", None, TINY)]
    copies.append(run_seed(tmp_path / "plain", None, TINY, baseline=True))
    counts = []
    for seeded in copies:
        objects = seeded["manifest"]["objects"]
        with seeded["app"].app_context():
            counts.append(
                {
                    which: db.session.scalar(
                        select(func.count())
                        .select_from(AuditEvent)
                        .where(AuditEvent.case_pseudonym == objects[which])
                    )
                    for which in ("report_pseudonym", "hot_pseudonym")
                }
            )
            db.engine.dispose()
    assert counts[0] == counts[1]


def _written(app) -> tuple[list, list]:
    """The participation windows and the audit events the seeding's operations wrote, in
    terms that two runs share (names and pseudonyms, not ids or times)."""
    with app.app_context():
        names = {u.id: u.username for u in db.session.scalars(select(User))}
        pseudonyms = {c.id: c.pseudonym for c in db.session.scalars(select(Case))}
        windows = sorted(
            (pseudonyms[p.case_id], names[p.user_id], p.kind, names[p.granted_by_id])
            for p in db.session.scalars(select(CaseParticipant))
        )
        events = []
        for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq)):
            details = json.loads(e.details) if isinstance(e.details, str) else e.details or {}
            user = details.get("user")
            events.append(
                (
                    e.action,
                    e.object_type,
                    e.case_pseudonym,
                    names.get(e.actor_id),
                    e.purpose,
                    sorted(details),
                    names.get(uuid.UUID(user)) if user else None,
                )
            )
        db.engine.dispose()
    return windows, events


def test_the_fast_sessions_write_what_the_operations_write(tmp_path):
    fast = run_seed(tmp_path / "fast", None, TINY)
    slow = run_seed(tmp_path / "slow", None, TINY, fast=False)
    fast_windows, fast_events = _written(fast["app"])
    slow_windows, slow_events = _written(slow["app"])
    assert fast["manifest"]["counts"] == slow["manifest"]["counts"]
    assert fast_windows and fast_windows == slow_windows
    # the same events in the same order, up to the generated part of the log (whose
    # actors and objects are drawn from the rows already there)
    made = fast["manifest"]["counts"]["audit_events_of_operations"]
    assert made
    # (a team's members come in no set order, so whom a window event names may change place)
    assert [e[:-1] for e in fast_events[:made]] == [e[:-1] for e in slow_events[:made]]
    assert sorted(fast_events[:made], key=repr) == sorted(slow_events[:made], key=repr)
