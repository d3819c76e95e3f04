"""Protokollauszüge: a record of every signed excerpt made of a finalised Fallprotokoll.

Revision ID: b7e4c2d9f1a6
Revises: c4e7a2d9b816
Create Date: 2026-12-05 12:10:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "b7e4c2d9f1a6"
down_revision = "c4e7a2d9b816"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "protocol_excerpts",
        sa.Column("protocol_id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("created_by_id", sa.Uuid(), nullable=False),
        sa.Column("real_names", sa.Boolean(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_dt", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["protocol_id"],
            ["case_protocols.id"],
            name=op.f("fk_protocol_excerpts_protocol_id_case_protocols"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_protocol_excerpts_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_protocol_excerpts_created_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_protocol_excerpts")),
    )
    op.create_index(op.f("ix_protocol_excerpts_protocol_id"), "protocol_excerpts", ["protocol_id"])
    op.create_index(op.f("ix_protocol_excerpts_case_id"), "protocol_excerpts", ["case_id"])


def downgrade():
    op.drop_index(op.f("ix_protocol_excerpts_case_id"), table_name="protocol_excerpts")
    op.drop_index(op.f("ix_protocol_excerpts_protocol_id"), table_name="protocol_excerpts")
    op.drop_table("protocol_excerpts")
