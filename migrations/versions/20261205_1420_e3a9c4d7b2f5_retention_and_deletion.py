"""Retention and deletion: closing a case, its deletion date, restriction (Sperrung) and the
disputed flag on the case; deletion proposals and deletion certificates.

Cases that exist already get their deletion date when their owner next changes the family,
the category or closes them (the birth date it may follow is encrypted: no migration can read
it); until then the retention run does not propose them.

Revision ID: e3a9c4d7b2f5
Revises: d8b3f1a6c2e4
Create Date: 2026-12-05 14:20:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "e3a9c4d7b2f5"
down_revision = "d8b3f1a6c2e4"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "deletion_proposals",
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("case_pseudonym", sa.String(length=20), nullable=False),
        sa.Column("retention_class", sa.String(length=40), nullable=False),
        sa.Column("deletion_due_on", sa.Date(), nullable=False),
        sa.Column("proposed_by", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("decided_by_id", sa.Uuid(), nullable=True),
        sa.Column("decided_dt", sa.DateTime(timezone=True), nullable=True),
        sa.Column("rejection_reason", sa.String(length=500), nullable=True),
        sa.Column("keep_until", sa.Date(), nullable=True),
        sa.Column("executed_dt", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_dt", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_deletion_proposals_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["users.id"], name=op.f("fk_deletion_proposals_decided_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deletion_proposals")),
    )
    with op.batch_alter_table("deletion_proposals", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_deletion_proposals_case_id"), ["case_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_deletion_proposals_status"), ["status"], unique=False)

    op.create_table(
        "deletion_certificates",
        sa.Column("proposal_id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("case_pseudonym", sa.String(length=20), nullable=False),
        sa.Column("retention_class", sa.String(length=40), nullable=False),
        sa.Column("class_label", sa.String(length=300), nullable=False),
        sa.Column("legal_basis", sa.String(length=300), nullable=False),
        sa.Column("deletion_due_on", sa.Date(), nullable=False),
        sa.Column("proposed_dt", sa.DateTime(timezone=True), nullable=False),
        sa.Column("proposed_by", sa.String(length=40), nullable=False),
        sa.Column("confirmed_by_id", sa.Uuid(), nullable=True),
        sa.Column("confirmed_by_name", sa.String(length=200), nullable=False),
        sa.Column("confirmed_dt", sa.DateTime(timezone=True), nullable=False),
        sa.Column("executed_dt", sa.DateTime(timezone=True), nullable=False),
        sa.Column("keys_destroyed", sa.Integer(), nullable=False),
        sa.Column("rows_removed", sa.JSON(), nullable=False),
        sa.Column("rows_kept", sa.JSON(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_dt", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_deletion_certificates_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["confirmed_by_id"],
            ["users.id"],
            name=op.f("fk_deletion_certificates_confirmed_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["proposal_id"],
            ["deletion_proposals.id"],
            name=op.f("fk_deletion_certificates_proposal_id_deletion_proposals"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deletion_certificates")),
        sa.UniqueConstraint("proposal_id", name=op.f("uq_deletion_certificates_proposal_id")),
    )
    with op.batch_alter_table("deletion_certificates", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_deletion_certificates_case_id"), ["case_id"], unique=False
        )

    # Plain ADD COLUMN, never a batch: on SQLite a batch rebuilds ``cases`` (DROP TABLE and
    # rename), and with foreign keys on, dropping it deletes every family member, consent and
    # agenda item of every case through their ON DELETE CASCADE.
    for column in (
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("closing_reason", sa.String(length=30), nullable=True),
        sa.Column("closing_note", sa.LargeBinary(), nullable=True),
        sa.Column("deletion_due_on", sa.Date(), nullable=True),
        sa.Column("deleted_dt", sa.DateTime(timezone=True), nullable=True),
        sa.Column("restriction", sa.String(length=10), nullable=True),
        sa.Column("restriction_reason", sa.String(length=30), nullable=True),
        sa.Column("restriction_requested_dt", sa.DateTime(timezone=True), nullable=True),
        sa.Column("restricted_dt", sa.DateTime(timezone=True), nullable=True),
        sa.Column("disputed_on", sa.Date(), nullable=True),
    ):
        op.add_column("cases", column)
    for name in ("restricted_by_id", "restricted_for_id"):
        constraint = f"fk_cases_{name}_users"
        if op.get_bind().dialect.name == "sqlite":
            # SQLite adds a reference only with its column (Alembic would want a batch).
            op.execute(
                f"ALTER TABLE cases ADD COLUMN {name} CHAR(32) "
                f"CONSTRAINT {constraint} REFERENCES users (id)"
            )
        else:
            op.add_column("cases", sa.Column(name, sa.Uuid(), nullable=True))
            op.create_foreign_key(constraint, "cases", "users", [name], ["id"])
    op.create_index(op.f("ix_cases_deletion_due_on"), "cases", ["deletion_due_on"], unique=False)


def downgrade():
    # On SQLite this batch rebuilds ``cases``: run a downgrade only on a copy with
    # ``PRAGMA foreign_keys=OFF`` (see the upgrade), or it cascades to the cases' rows.
    with op.batch_alter_table("cases", schema=None) as batch_op:
        if op.get_bind().dialect.name != "sqlite":
            # (on SQLite the references went in with their columns and go out with them)
            batch_op.drop_constraint("fk_cases_restricted_for_id_users", type_="foreignkey")
            batch_op.drop_constraint("fk_cases_restricted_by_id_users", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_cases_deletion_due_on"))
        batch_op.drop_column("disputed_on")
        batch_op.drop_column("restricted_for_id")
        batch_op.drop_column("restricted_dt")
        batch_op.drop_column("restricted_by_id")
        batch_op.drop_column("restriction_requested_dt")
        batch_op.drop_column("restriction_reason")
        batch_op.drop_column("restriction")
        batch_op.drop_column("deleted_dt")
        batch_op.drop_column("deletion_due_on")
        batch_op.drop_column("closing_note")
        batch_op.drop_column("closing_reason")
        batch_op.drop_column("closed_on")

    with op.batch_alter_table("deletion_certificates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_deletion_certificates_case_id"))

    op.drop_table("deletion_certificates")
    with op.batch_alter_table("deletion_proposals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_deletion_proposals_status"))
        batch_op.drop_index(batch_op.f("ix_deletion_proposals_case_id"))

    op.drop_table("deletion_proposals")
