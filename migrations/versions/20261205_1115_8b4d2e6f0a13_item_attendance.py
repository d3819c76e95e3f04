"""Attendance per agenda item: present, late, left early, absent or befangen.

Revision ID: 8b4d2e6f0a13
Revises: b8d2e4f6a1c3
Create Date: 2026-12-05 11:15:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "8b4d2e6f0a13"
down_revision = "b8d2e4f6a1c3"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "item_attendance",
        sa.Column("item_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("presence", sa.String(length=20), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["agenda_items.id"],
            name=op.f("fk_item_attendance_item_id_agenda_items"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_item_attendance_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_item_attendance")),
        sa.UniqueConstraint("item_id", "user_id", name=op.f("uq_item_attendance_item_id_user_id")),
    )
    op.create_index(op.f("ix_item_attendance_item_id"), "item_attendance", ["item_id"])


def downgrade():
    op.drop_index(op.f("ix_item_attendance_item_id"), table_name="item_attendance")
    op.drop_table("item_attendance")
