"""Remembered runs of the audit verification (``flask audit verify`` and the DPO's button).

Revision ID: e3c8a1f5b2d7
Revises: c7e2a9d4f1b8
Create Date: 2026-12-05 14:00:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "e3c8a1f5b2d7"
down_revision = "c7e2a9d4f1b8"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "audit_verifications",
        sa.Column("started_dt", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_dt", sa.DateTime(timezone=True), nullable=False),
        sa.Column("trigger", sa.String(length=10), nullable=False),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("intact", sa.Boolean(), nullable=False),
        sa.Column("events", sa.BigInteger(), nullable=False),
        sa.Column("checkpoints", sa.BigInteger(), nullable=False),
        sa.Column("first_broken_seq", sa.BigInteger(), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("problems", sa.Text(), nullable=False),
        sa.Column("external_seq", sa.BigInteger(), nullable=True),
        sa.Column("external_created_dt", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_verifications")),
    )
    with op.batch_alter_table("audit_verifications", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_audit_verifications_started_dt"), ["started_dt"], unique=False
        )


def downgrade():
    with op.batch_alter_table("audit_verifications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_verifications_started_dt"))
    op.drop_table("audit_verifications")
