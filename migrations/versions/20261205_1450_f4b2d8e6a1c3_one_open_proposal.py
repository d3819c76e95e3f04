"""At most one open deletion proposal per case (two overlapping retention runs cannot both
propose it), who lifted or declined a case's restriction (the four-eyes rule keeps that
person from confirming the case's deletion), and the SHA-256 of each Wiedervorlage's topic
(a sealed Teamprotokoll covers the digest, which outlives the case's deletion).

Existing Wiedervorlagen get no digest here (the topic is encrypted: no migration reads it);
the Teamprotokoll takes it of the topic itself until then. Teamprotokolle sealed before this
revision hashed the topics' text: their seal no longer matches where Wiedervorlagen were
agreed (the canonical form changed).

Revision ID: f4b2d8e6a1c3
Revises: f4b8d2c6a9e1
Create Date: 2026-12-05 14:50:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "f4b2d8e6a1c3"
down_revision = "f4b8d2c6a9e1"
branch_labels = None
depends_on = None

OPEN = "status IN ('proposed', 'confirmed')"


def upgrade():
    op.create_index(
        "uq_deletion_proposals_one_open",
        "deletion_proposals",
        ["case_id"],
        unique=True,
        sqlite_where=sa.text(OPEN),
        postgresql_where=sa.text(OPEN),
    )
    name, constraint = "restriction_ended_by_id", "fk_cases_restriction_ended_by_id_users"
    if op.get_bind().dialect.name == "sqlite":
        # SQLite adds a reference only with its column (Alembic would want a batch).
        op.execute(
            f"ALTER TABLE cases ADD COLUMN {name} CHAR(32) "
            f"CONSTRAINT {constraint} REFERENCES users (id)"
        )
    else:
        op.add_column("cases", sa.Column(name, sa.Uuid(), nullable=True))
        op.create_foreign_key(constraint, "cases", "users", [name], ["id"])

    op.add_column("resubmissions", sa.Column("topic_sha256", sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table("resubmissions", schema=None) as batch_op:
        batch_op.drop_column("topic_sha256")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        if op.get_bind().dialect.name != "sqlite":
            batch_op.drop_constraint("fk_cases_restriction_ended_by_id_users", type_="foreignkey")
        batch_op.drop_column("restriction_ended_by_id")
    op.drop_index("uq_deletion_proposals_one_open", table_name="deletion_proposals")
