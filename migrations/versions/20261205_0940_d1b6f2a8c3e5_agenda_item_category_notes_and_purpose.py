"""Agenda items: free text per data category (shown only where released) and the item's
purpose (which consent purposes count for it).

Revision ID: d1b6f2a8c3e5
Revises: c0a5e1f7b2d4
Create Date: 2026-12-05 09:40:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "d1b6f2a8c3e5"
down_revision = "c0a5e1f7b2d4"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("agenda_items", sa.Column("category_notes", sa.LargeBinary(), nullable=True))
    op.add_column(
        "agenda_items",
        sa.Column("purpose", sa.String(length=30), nullable=False, server_default="fallberatung"),
    )


def downgrade():
    # plain columns: SQLite (3.35+) drops them in place, without rebuilding the table
    op.drop_column("agenda_items", "purpose")
    op.drop_column("agenda_items", "category_notes")
