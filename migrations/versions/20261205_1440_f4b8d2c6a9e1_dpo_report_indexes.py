"""Indexes of the DPO's reports: (actor, time) for a person's activity and the anomaly list's
runs of one person's events; a partial index on disclosure decisions (their list pages by
seq); a partial index on handovers of the Fallführung (the anomaly list checks each read
against them).

Revision ID: f4b8d2c6a9e1
Revises: f4b1d8e2a7c9
Create Date: 2026-12-05 14:40:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "f4b8d2c6a9e1"
down_revision = "f4b1d8e2a7c9"
branch_labels = None
depends_on = None

#: as ``fallteam.audit.models.DISCLOSURE_PREDICATE`` and ``CASE_TRANSFER_PREDICATE`` (a
#: migration keeps its own copy)
DISCLOSURES = "details LIKE '%\"disclosure\":\"%'"
CASE_TRANSFERS = "details LIKE '%\"case_manager_from\":%'"


def upgrade():
    # plain index statements (no batch mode: a table rebuild on SQLite would drop the
    # append-only triggers)
    op.create_index(
        "ix_audit_events_actor_id_occurred_dt", "audit_events", ["actor_id", "occurred_dt"]
    )
    op.create_index(
        "ix_audit_events_disclosures",
        "audit_events",
        ["seq"],
        sqlite_where=sa.text(DISCLOSURES),
        postgresql_where=sa.text(DISCLOSURES),
    )
    op.create_index(
        "ix_audit_events_case_transfers",
        "audit_events",
        ["case_pseudonym", "occurred_dt"],
        sqlite_where=sa.text(CASE_TRANSFERS),
        postgresql_where=sa.text(CASE_TRANSFERS),
    )


def downgrade():
    op.drop_index("ix_audit_events_case_transfers", table_name="audit_events")
    op.drop_index("ix_audit_events_disclosures", table_name="audit_events")
    op.drop_index("ix_audit_events_actor_id_occurred_dt", table_name="audit_events")
