"""The phase guide (the item's current phase and when it began) and the kind of a topic
without a case.

Revision ID: c4e7a9b2d6f1
Revises: b7e4c2d9f1a6
Create Date: 2026-12-05 12:05:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "c4e7a9b2d6f1"
down_revision = "b7e4c2d9f1a6"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("agenda_items", schema=None) as batch_op:
        batch_op.add_column(sa.Column("current_phase", sa.String(length=30), nullable=True))
        batch_op.add_column(sa.Column("phase_started_seconds", sa.Integer(), nullable=True))
    with op.batch_alter_table("agenda_topics", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("kind", sa.String(length=20), nullable=False, server_default="thema")
        )


def downgrade():
    with op.batch_alter_table("agenda_topics", schema=None) as batch_op:
        batch_op.drop_column("kind")
    with op.batch_alter_table("agenda_items", schema=None) as batch_op:
        batch_op.drop_column("phase_started_seconds")
        batch_op.drop_column("current_phase")
