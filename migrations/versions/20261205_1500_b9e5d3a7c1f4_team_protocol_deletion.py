"""Teamprotokolle past their deletion date go the four-eyes way of cases: proposals and
certificates of their own (a case's proposal always names a case: its ``case_id`` stays
NOT NULL, no batch rebuild of ``deletion_proposals``), and the day a Teamprotokoll was
deleted (emptied) on its row.

Revision ID: b9e5d3a7c1f4
Revises: f4b2d8e6a1c3
Create Date: 2026-12-05 15:00:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "b9e5d3a7c1f4"
down_revision = "f4b2d8e6a1c3"
branch_labels = None
depends_on = None

OPEN = "status IN ('proposed', 'confirmed')"
PROPOSALS = "team_protocol_deletion_proposals"
CERTIFICATES = "team_protocol_deletion_certificates"


def upgrade():
    op.create_table(
        PROPOSALS,
        sa.Column("team_protocol_id", sa.Uuid(), nullable=False),
        sa.Column("meeting_id", sa.Uuid(), nullable=False),
        sa.Column("session_day", sa.Date(), nullable=False),
        sa.Column("retention_class", sa.String(length=40), nullable=False),
        sa.Column("deletion_due_on", sa.Date(), nullable=False),
        sa.Column("proposed_by", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("decided_by_id", sa.Uuid(), nullable=True),
        sa.Column("decided_dt", sa.DateTime(timezone=True), nullable=True),
        sa.Column("rejection_reason", sa.String(length=500), nullable=True),
        sa.Column("keep_until", sa.Date(), nullable=True),
        sa.Column("executed_dt", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_dt", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["team_protocol_id"],
            ["team_protocols.id"],
            name=op.f(f"fk_{PROPOSALS}_team_protocol_id_team_protocols"),
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meetings.id"], name=op.f(f"fk_{PROPOSALS}_meeting_id_meetings")
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["users.id"], name=op.f(f"fk_{PROPOSALS}_decided_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{PROPOSALS}")),
    )
    op.create_index(
        op.f(f"ix_{PROPOSALS}_team_protocol_id"), PROPOSALS, ["team_protocol_id"], unique=False
    )
    op.create_index(op.f(f"ix_{PROPOSALS}_status"), PROPOSALS, ["status"], unique=False)
    op.create_index(
        "uq_team_protocol_deletion_proposals_one_open",
        PROPOSALS,
        ["team_protocol_id"],
        unique=True,
        sqlite_where=sa.text(OPEN),
        postgresql_where=sa.text(OPEN),
    )

    op.create_table(
        CERTIFICATES,
        sa.Column("proposal_id", sa.Uuid(), nullable=False),
        sa.Column("meeting_id", sa.Uuid(), nullable=False),
        sa.Column("session_day", sa.Date(), nullable=False),
        sa.Column("team_name", sa.String(length=200), nullable=False),
        sa.Column("retention_class", sa.String(length=40), nullable=False),
        sa.Column("class_label", sa.String(length=300), nullable=False),
        sa.Column("legal_basis", sa.String(length=300), nullable=False),
        sa.Column("deletion_due_on", sa.Date(), nullable=False),
        sa.Column("proposed_dt", sa.DateTime(timezone=True), nullable=False),
        sa.Column("proposed_by", sa.String(length=40), nullable=False),
        sa.Column("confirmed_by_id", sa.Uuid(), nullable=True),
        sa.Column("confirmed_by_name", sa.String(length=200), nullable=False),
        sa.Column("confirmed_dt", sa.DateTime(timezone=True), nullable=False),
        sa.Column("executed_dt", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rows_removed", sa.JSON(), nullable=False),
        sa.Column("rows_kept", sa.JSON(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_dt", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["proposal_id"],
            [f"{PROPOSALS}.id"],
            name=op.f(f"fk_{CERTIFICATES}_proposal_id_{PROPOSALS}"),
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meetings.id"], name=op.f(f"fk_{CERTIFICATES}_meeting_id_meetings")
        ),
        sa.ForeignKeyConstraint(
            ["confirmed_by_id"],
            ["users.id"],
            name=op.f(f"fk_{CERTIFICATES}_confirmed_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{CERTIFICATES}")),
        sa.UniqueConstraint("proposal_id", name=op.f(f"uq_{CERTIFICATES}_proposal_id")),
    )
    op.create_index(
        op.f(f"ix_{CERTIFICATES}_meeting_id"), CERTIFICATES, ["meeting_id"], unique=False
    )

    # Plain ADD COLUMN, never a batch: on SQLite a batch rebuilds ``team_protocols`` (DROP
    # TABLE), which would cascade to its addenda.
    op.add_column(
        "team_protocols", sa.Column("deleted_dt", sa.DateTime(timezone=True), nullable=True)
    )


def downgrade():
    op.drop_column("team_protocols", "deleted_dt")
    op.drop_index(op.f(f"ix_{CERTIFICATES}_meeting_id"), table_name=CERTIFICATES)
    op.drop_table(CERTIFICATES)
    op.drop_index("uq_team_protocol_deletion_proposals_one_open", table_name=PROPOSALS)
    op.drop_index(op.f(f"ix_{PROPOSALS}_status"), table_name=PROPOSALS)
    op.drop_index(op.f(f"ix_{PROPOSALS}_team_protocol_id"), table_name=PROPOSALS)
    op.drop_table(PROPOSALS)
