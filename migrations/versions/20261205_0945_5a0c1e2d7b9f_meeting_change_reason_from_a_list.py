"""A session's cancel/move reason comes from a fixed list: free-text reasons stored so far
(they could name a family) become "other".

Revision ID: 5a0c1e2d7b9f
Revises: d1b6f2a8c3e5
Create Date: 2026-12-05 09:45:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "5a0c1e2d7b9f"
down_revision = "d1b6f2a8c3e5"
branch_labels = None
depends_on = None

REASONS = ("illness", "holiday", "room", "conflict", "staff", "other")


def upgrade():
    meetings = sa.table("meetings", sa.column("change_reason", sa.String))
    op.execute(
        meetings.update()
        .where(meetings.c.change_reason.is_not(None))
        .where(meetings.c.change_reason.not_in(REASONS))
        .values(change_reason="other")
    )


def downgrade():
    # The free texts are gone on purpose; the listed keys stay readable.
    pass
