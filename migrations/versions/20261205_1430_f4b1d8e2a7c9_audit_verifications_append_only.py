"""Remembered verification runs are append-only like the audit log: triggers on SQLite and
PostgreSQL reject UPDATE and DELETE (and TRUNCATE on PostgreSQL), so a failed run cannot be
turned into a passed one. In production, additionally:

    REVOKE UPDATE, DELETE, TRUNCATE ON audit_verifications FROM fallteam_app;

A new reassuring row can still be inserted by whoever has database access: the start page
shows a run as vouched for only when its VERIFY event is in the chain.

Revision ID: f4b1d8e2a7c9
Revises: e3a9c4d7b2f5
Create Date: 2026-12-05 14:30:00

"""

from alembic import op


# revision identifiers, used by Alembic.
revision = "f4b1d8e2a7c9"
down_revision = "e3a9c4d7b2f5"
branch_labels = None
depends_on = None

TABLE = "audit_verifications"


def upgrade():
    message = f"{TABLE} is append-only"
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"""
            CREATE FUNCTION {TABLE}_append_only() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION '{message}';
            END;
            $$ LANGUAGE plpgsql
            """
        )
        op.execute(
            f"CREATE TRIGGER {TABLE}_append_only BEFORE UPDATE OR DELETE ON {TABLE} "
            f"FOR EACH ROW EXECUTE FUNCTION {TABLE}_append_only()"
        )
        op.execute(
            f"CREATE TRIGGER {TABLE}_no_truncate BEFORE TRUNCATE ON {TABLE} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {TABLE}_append_only()"
        )
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {TABLE}_no_{verb.lower()} BEFORE {verb} ON {TABLE} "
                f"BEGIN SELECT RAISE(ABORT, '{message}'); END"
            )


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP TRIGGER IF EXISTS {TABLE}_append_only ON {TABLE}")
        op.execute(f"DROP TRIGGER IF EXISTS {TABLE}_no_truncate ON {TABLE}")
        op.execute(f"DROP FUNCTION IF EXISTS {TABLE}_append_only()")
    else:
        for verb in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {TABLE}_no_{verb}")
