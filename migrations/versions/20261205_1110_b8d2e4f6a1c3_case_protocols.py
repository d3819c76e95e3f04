"""Fallprotokolle: one per agenda item, with the history of drafts and addenda after locking.

Revision ID: b8d2e4f6a1c3
Revises: 7e3b9c4a1f60
Create Date: 2026-12-05 11:10:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "b8d2e4f6a1c3"
down_revision = "7e3b9c4a1f60"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "case_protocols",
        sa.Column("item_id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("writer_id", sa.Uuid(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("sections", sa.LargeBinary(), nullable=True),
        sa.Column("content_hash", sa.String(length=64), nullable=True),
        sa.Column("finalised_by_id", sa.Uuid(), nullable=True),
        sa.Column("finalised_dt", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_dt", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["agenda_items.id"],
            name=op.f("fk_case_protocols_item_id_agenda_items"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_case_protocols_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["writer_id"], ["users.id"], name=op.f("fk_case_protocols_writer_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["finalised_by_id"], ["users.id"], name=op.f("fk_case_protocols_finalised_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_protocols")),
        sa.UniqueConstraint("item_id", name=op.f("uq_case_protocols_item_id")),
    )
    op.create_index(op.f("ix_case_protocols_case_id"), "case_protocols", ["case_id"])
    for table in ("protocol_revisions", "protocol_addenda"):
        columns = (
            [sa.Column("version", sa.Integer(), nullable=False)]
            if table == "protocol_revisions"
            else []
        )
        content = (
            [sa.Column("sections", sa.LargeBinary(), nullable=True)]
            if table == "protocol_revisions"
            else [
                sa.Column("text", sa.LargeBinary(), nullable=True),
                sa.Column("reason", sa.LargeBinary(), nullable=True),
            ]
        )
        op.create_table(
            table,
            sa.Column("protocol_id", sa.Uuid(), nullable=False),
            sa.Column("case_id", sa.Uuid(), nullable=False),
            *columns,
            sa.Column("author_id", sa.Uuid(), nullable=False),
            *content,
            sa.Column("id", sa.Uuid(), nullable=False),
            sa.Column("created_dt", sa.DateTime(timezone=True), nullable=False),
            sa.ForeignKeyConstraint(
                ["protocol_id"],
                ["case_protocols.id"],
                name=op.f(f"fk_{table}_protocol_id_case_protocols"),
                ondelete="CASCADE",
            ),
            sa.ForeignKeyConstraint(
                ["case_id"], ["cases.id"], name=op.f(f"fk_{table}_case_id_cases"), ondelete="CASCADE"
            ),
            sa.ForeignKeyConstraint(
                ["author_id"], ["users.id"], name=op.f(f"fk_{table}_author_id_users")
            ),
            sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
        )
        op.create_index(op.f(f"ix_{table}_protocol_id"), table, ["protocol_id"])


def downgrade():
    for table in ("protocol_addenda", "protocol_revisions"):
        op.drop_index(op.f(f"ix_{table}_protocol_id"), table_name=table)
        op.drop_table(table)
    op.drop_index(op.f("ix_case_protocols_case_id"), table_name="case_protocols")
    op.drop_table("case_protocols")
