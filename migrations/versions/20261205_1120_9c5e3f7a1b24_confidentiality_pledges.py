"""Confidentiality pledges: a guest or temporary member confirms the Verschwiegenheitspflicht.

Revision ID: 9c5e3f7a1b24
Revises: 8b4d2e6f0a13
Create Date: 2026-12-05 11:20:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "9c5e3f7a1b24"
down_revision = "8b4d2e6f0a13"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "confidentiality_pledges",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_dt", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_confidentiality_pledges_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_confidentiality_pledges")),
    )
    op.create_index(
        op.f("ix_confidentiality_pledges_user_id"), "confidentiality_pledges", ["user_id"]
    )


def downgrade():
    op.drop_index(
        op.f("ix_confidentiality_pledges_user_id"), table_name="confidentiality_pledges"
    )
    op.drop_table("confidentiality_pledges")
