"""Teamprotokolle (sealed with the session), their addenda, short notes on topics without a
case, and the §8a risk assessment of a Fallprotokoll.

Revision ID: c7e2a9d4f1b8
Revises: c4e7a9b2d6f1
Create Date: 2026-12-05 13:00:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "c7e2a9d4f1b8"
down_revision = "c4e7a9b2d6f1"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "team_protocols",
        sa.Column("meeting_id", sa.Uuid(), nullable=False),
        sa.Column("notes", sa.String(length=2000), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=True),
        sa.Column("finalised_by_id", sa.Uuid(), nullable=True),
        sa.Column("finalised_dt", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_dt", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meetings.id"],
            name=op.f("fk_team_protocols_meeting_id_meetings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["finalised_by_id"], ["users.id"], name=op.f("fk_team_protocols_finalised_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_team_protocols")),
        sa.UniqueConstraint("meeting_id", name=op.f("uq_team_protocols_meeting_id")),
    )
    op.create_table(
        "team_protocol_addenda",
        sa.Column("team_protocol_id", sa.Uuid(), nullable=False),
        sa.Column("text", sa.String(length=5000), nullable=False),
        sa.Column("reason", sa.String(length=5000), nullable=False),
        sa.Column("author_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_dt", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["team_protocol_id"],
            ["team_protocols.id"],
            name=op.f("fk_team_protocol_addenda_team_protocol_id_team_protocols"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_team_protocol_addenda_author_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_team_protocol_addenda")),
    )
    op.create_index(
        op.f("ix_team_protocol_addenda_team_protocol_id"),
        "team_protocol_addenda",
        ["team_protocol_id"],
    )
    with op.batch_alter_table("agenda_topics") as batch:
        batch.add_column(
            sa.Column("notes", sa.String(length=600), nullable=False, server_default="")
        )
    for table in ("case_protocols", "protocol_revisions"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("risk_assessment", sa.LargeBinary(), nullable=True))


def downgrade():
    for table in ("protocol_revisions", "case_protocols"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("risk_assessment")
    with op.batch_alter_table("agenda_topics") as batch:
        batch.drop_column("notes")
    op.drop_index(
        op.f("ix_team_protocol_addenda_team_protocol_id"), table_name="team_protocol_addenda"
    )
    op.drop_table("team_protocol_addenda")
    op.drop_table("team_protocols")
