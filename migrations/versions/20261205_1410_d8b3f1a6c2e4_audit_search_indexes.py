"""Indexes of the DPO's audit search: (filter column, seq) for person, case pseudonym, action
and outcome, paged newest first by seq; a partial index on reads of data released by consent.
They replace the single-column indexes of actor, action and pseudonym, which the composite
ones serve as well (one index fewer to write per event).

Revision ID: d8b3f1a6c2e4
Revises: e3c8a1f5b2d7
Create Date: 2026-12-05 14:10:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "d8b3f1a6c2e4"
down_revision = "e3c8a1f5b2d7"
branch_labels = None
depends_on = None

#: as ``fallteam.audit.models.CONSENT_READ_PREDICATE`` (a migration keeps its own copy)
CONSENT_READS = "details LIKE '%\"consent_ids\":%'"


def upgrade():
    # plain index statements (no batch mode: a table rebuild on SQLite would drop the
    # append-only triggers)
    op.drop_index("ix_audit_events_actor_id", table_name="audit_events")
    op.drop_index("ix_audit_events_action", table_name="audit_events")
    op.drop_index("ix_audit_events_case_pseudonym", table_name="audit_events")
    op.create_index("ix_audit_events_case_pseudonym_seq", "audit_events", ["case_pseudonym", "seq"])
    op.create_index("ix_audit_events_actor_id_seq", "audit_events", ["actor_id", "seq"])
    op.create_index("ix_audit_events_action_seq", "audit_events", ["action", "seq"])
    op.create_index("ix_audit_events_outcome_seq", "audit_events", ["outcome", "seq"])
    op.create_index(
        "ix_audit_events_consent_reads",
        "audit_events",
        ["seq"],
        sqlite_where=sa.text(CONSENT_READS),
        postgresql_where=sa.text(CONSENT_READS),
    )


def downgrade():
    op.drop_index("ix_audit_events_consent_reads", table_name="audit_events")
    op.drop_index("ix_audit_events_outcome_seq", table_name="audit_events")
    op.drop_index("ix_audit_events_action_seq", table_name="audit_events")
    op.drop_index("ix_audit_events_actor_id_seq", table_name="audit_events")
    op.drop_index("ix_audit_events_case_pseudonym_seq", table_name="audit_events")
    op.create_index("ix_audit_events_case_pseudonym", "audit_events", ["case_pseudonym"])
    op.create_index("ix_audit_events_action", "audit_events", ["action"])
    op.create_index("ix_audit_events_actor_id", "audit_events", ["actor_id"])
