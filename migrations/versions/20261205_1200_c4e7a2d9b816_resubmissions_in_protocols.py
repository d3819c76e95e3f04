"""Wiedervorlagen in the protocols: the item whose Fallprotokoll agreed one, the later item
whose Fallprotokoll dealt with it, and the day its responsible person was reminded by e-mail.

Revision ID: c4e7a2d9b816
Revises: a1d6e8f2c3b5
Create Date: 2026-12-05 12:00:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "c4e7a2d9b816"
down_revision = "a1d6e8f2c3b5"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("resubmissions") as batch:
        batch.add_column(sa.Column("agreed_in_item_id", sa.Uuid(), nullable=True))
        batch.add_column(sa.Column("dealt_in_item_id", sa.Uuid(), nullable=True))
        batch.add_column(sa.Column("reminded_on", sa.Date(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_resubmissions_agreed_in_item_id_agenda_items"),
            "agenda_items",
            ["agreed_in_item_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch.create_foreign_key(
            op.f("fk_resubmissions_dealt_in_item_id_agenda_items"),
            "agenda_items",
            ["dealt_in_item_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch.create_index(
            op.f("ix_resubmissions_agreed_in_item_id"), ["agreed_in_item_id"]
        )
        batch.create_index(op.f("ix_resubmissions_dealt_in_item_id"), ["dealt_in_item_id"])


def downgrade():
    with op.batch_alter_table("resubmissions") as batch:
        batch.drop_index(op.f("ix_resubmissions_dealt_in_item_id"))
        batch.drop_index(op.f("ix_resubmissions_agreed_in_item_id"))
        batch.drop_constraint(
            op.f("fk_resubmissions_dealt_in_item_id_agenda_items"), type_="foreignkey"
        )
        batch.drop_constraint(
            op.f("fk_resubmissions_agreed_in_item_id_agenda_items"), type_="foreignkey"
        )
        batch.drop_column("reminded_on")
        batch.drop_column("dealt_in_item_id")
        batch.drop_column("agreed_in_item_id")
