"""``bench/seed.py`` at a tiny size: its rows are the app's own (the chain verifies, every
encrypted field opens), and its plaintext copy holds the same data unsealed and unaudited."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select, text

from bench.seed import Scale, run_seed
from fallteam.audit.models import AuditEvent
from fallteam.audit.operations import public_key
from fallteam.audit.verify import verify_audit_log
from fallteam.cases.models import Case, FamilyMember
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
