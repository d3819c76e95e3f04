"""The stored roll-up of the DPO's per-case access report: per pseudonym, how far its
events are added up and for which session attribution, and the added-up lines (a derived
cache of the audit log; empty at first, filled by the reports that need it).

Revision ID: c7d2e5a9f3b1
Revises: b9e5d3a7c1f4
Create Date: 2026-12-05 15:10:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "c7d2e5a9f3b1"
down_revision = "b9e5d3a7c1f4"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "case_report_rollups",
        sa.Column("pseudonym", sa.String(length=40), nullable=False),
        sa.Column("upto_seq", sa.BigInteger(), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("built_dt", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("pseudonym", name=op.f("pk_case_report_rollups")),
    )
    op.create_table(
        "case_report_rollup_lines",
        sa.Column("pseudonym", sa.String(length=40), nullable=False),
        sa.Column("upto_seq", sa.BigInteger(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("actor_roles", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("outcome", sa.String(length=10), nullable=False),
        sa.Column("object_type", sa.String(length=40), nullable=True),
        sa.Column("object_id", sa.String(length=64), nullable=True),
        sa.Column("purpose", sa.String(length=200), nullable=True),
        sa.Column("session", sa.Text(), nullable=True),
        sa.Column("basis", sa.Text(), nullable=True),
        sa.Column("consent_ids", sa.Text(), nullable=True),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("first_dt", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_dt", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["pseudonym"],
            ["case_report_rollups.pseudonym"],
            name=op.f("fk_case_report_rollup_lines_pseudonym_case_report_rollups"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "pseudonym", "upto_seq", "line", name=op.f("pk_case_report_rollup_lines")
        ),
    )


def downgrade():
    op.drop_table("case_report_rollup_lines")
    op.drop_table("case_report_rollups")
