"""Agenda items without a case: fallunspezifische Themen, Fachfragen, Informationen.

Revision ID: a1d6e8f2c3b5
Revises: 9c5e3f7a1b24
Create Date: 2026-12-05 11:25:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "a1d6e8f2c3b5"
down_revision = "9c5e3f7a1b24"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "agenda_topics",
        sa.Column("meeting_id", sa.Uuid(), nullable=False),
        sa.Column("registered_by_id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("text", sa.String(length=600), nullable=False),
        sa.Column("for_regional_team", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_dt", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meetings.id"],
            name=op.f("fk_agenda_topics_meeting_id_meetings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["registered_by_id"],
            ["users.id"],
            name=op.f("fk_agenda_topics_registered_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agenda_topics")),
    )
    op.create_index(op.f("ix_agenda_topics_meeting_id"), "agenda_topics", ["meeting_id"])


def downgrade():
    op.drop_index(op.f("ix_agenda_topics_meeting_id"), table_name="agenda_topics")
    op.drop_table("agenda_topics")
