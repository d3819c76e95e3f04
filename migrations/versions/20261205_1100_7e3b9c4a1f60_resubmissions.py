"""Wiedervorlagen: a case comes back to a team's first planned session on or after its due day.

Revision ID: 7e3b9c4a1f60
Revises: 5a0c1e2d7b9f
Create Date: 2026-12-05 11:00:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "7e3b9c4a1f60"
down_revision = "5a0c1e2d7b9f"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "resubmissions",
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("team_id", sa.Uuid(), nullable=False),
        sa.Column("due", sa.Date(), nullable=False),
        sa.Column("topic", sa.LargeBinary(), nullable=True),
        sa.Column("responsible_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("outcome", sa.LargeBinary(), nullable=True),
        sa.Column("renewed_from_id", sa.Uuid(), nullable=True),
        sa.Column("created_by_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_dt", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_resubmissions_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["teams.id"],
            name=op.f("fk_resubmissions_team_id_teams"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["responsible_id"], ["users.id"], name=op.f("fk_resubmissions_responsible_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_resubmissions_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["renewed_from_id"],
            ["resubmissions.id"],
            name=op.f("fk_resubmissions_renewed_from_id_resubmissions"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_resubmissions")),
    )
    op.create_index(op.f("ix_resubmissions_case_id"), "resubmissions", ["case_id"])
    op.create_index(op.f("ix_resubmissions_responsible_id"), "resubmissions", ["responsible_id"])
    op.create_index(
        "ix_resubmissions_team_status_due", "resubmissions", ["team_id", "status", "due"]
    )


def downgrade():
    op.drop_index("ix_resubmissions_team_status_due", table_name="resubmissions")
    op.drop_index(op.f("ix_resubmissions_responsible_id"), table_name="resubmissions")
    op.drop_index(op.f("ix_resubmissions_case_id"), table_name="resubmissions")
    op.drop_table("resubmissions")
