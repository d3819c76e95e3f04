"""Institutions as data (one admin-managed list that accounts and consent recipients refer to
by id); consents record for whom the grantor has custody ("sorgeberechtigt für …").

Existing free-text institutions are mapped to the seeded rows (unknown ones become rows of
their own); guest accounts that only carried the old default "asd" keep no institution, so no
consent covers them until the administration chooses one. Consents of custodial parents and
guardians keep covering the case's children, as they did; the other parent no longer.

Revision ID: c0a5e1f7b2d4
Revises: 35dcf36f1c68
Create Date: 2026-12-05 09:20:00.000000

"""

import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "c0a5e1f7b2d4"
down_revision = "35dcf36f1c68"
branch_labels = None
depends_on = None

#: the seeded list, in this order
SEEDED = [
    "Allgemeiner Sozialer Dienst (ASD)",
    "Jugendarbeit",
    "Wirtschaftliche Jugendhilfe",
    "Eingliederungshilfe (§ 35a SGB VIII / SGB IX)",
    "Jobcenter/MAIA",
    "Gesundheitsamt",
    "Pflegekinderdienst",
    "Vormundschaft",
    "Kita-Fachberatung",
]
#: the old free-text keys and the names they become
OLD_KEYS = {
    "asd": "Allgemeiner Sozialer Dienst (ASD)",
    "jugendarbeit": "Jugendarbeit",
    "wirtschaftliche_jugendhilfe": "Wirtschaftliche Jugendhilfe",
    "eingliederungshilfe": "Eingliederungshilfe (§ 35a SGB VIII / SGB IX)",
    "jobcenter": "Jobcenter/MAIA",
    "gesundheitsamt": "Gesundheitsamt",
    "pflegekinderdienst": "Pflegekinderdienst",
    "freier_traeger": "Freier Träger",
    "schule_kita": "Schule/Kita",
    "sonstige": "Sonstige",
}
CHILD_ROLES = ("Kind", "Pflegekind")
CUSTODY_CAPACITIES = ("sorgeberechtigt", "vormund")

institutions = sa.table(
    "institutions",
    sa.column("id", sa.Uuid()),
    sa.column("name", sa.String()),
    sa.column("active", sa.Boolean()),
    sa.column("created_dt", sa.DateTime(timezone=True)),
)
users = sa.table(
    "users",
    sa.column("id", sa.Uuid()),
    sa.column("institution", sa.String()),
    sa.column("institution_id", sa.Uuid()),
)
user_roles = sa.table("user_roles", sa.column("user_id", sa.Uuid()), sa.column("role", sa.String()))
consents = sa.table(
    "consents",
    sa.column("id", sa.Uuid()),
    sa.column("case_id", sa.Uuid()),
    sa.column("grantor_id", sa.Uuid()),
    sa.column("grantor_capacity", sa.String()),
    sa.column("recipients", sa.JSON()),
    sa.column("custody_for", sa.JSON()),
)
family_members = sa.table(
    "family_members",
    sa.column("id", sa.Uuid()),
    sa.column("case_id", sa.Uuid()),
    sa.column("role", sa.String()),
)


def _sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def upgrade():
    op.create_table(
        "institutions",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_dt", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_institutions")),
        sa.UniqueConstraint("name", name=op.f("uq_institutions_name")),
    )
    bind = op.get_bind()
    ids: dict[str, uuid.UUID] = {}

    def row_for(name: str) -> uuid.UUID:
        if name not in ids:
            ids[name] = uuid.uuid4()
            bind.execute(
                institutions.insert().values(
                    id=ids[name], name=name, active=True, created_dt=datetime.now(UTC)
                )
            )
        return ids[name]

    for name in SEEDED:
        row_for(name)

    if _sqlite():
        # Rebuilding "users" (batch mode) is impossible once other tables' rows refer to it
        # (foreign keys are enforced); SQLite adds a referencing column in place.
        op.execute(
            "ALTER TABLE users ADD COLUMN institution_id CHAR(32) "
            "CONSTRAINT fk_users_institution_id_institutions REFERENCES institutions (id)"
        )
    else:
        op.add_column("users", sa.Column("institution_id", sa.Uuid(), nullable=True))
        op.create_foreign_key(
            op.f("fk_users_institution_id_institutions"),
            "users",
            "institutions",
            ["institution_id"],
            ["id"],
        )
    op.create_index(op.f("ix_users_institution_id"), "users", ["institution_id"])
    guests = {
        r.user_id
        for r in bind.execute(sa.select(user_roles.c.user_id).where(user_roles.c.role == "guest"))
    }
    for user in bind.execute(sa.select(users.c.id, users.c.institution)).all():
        key = user.institution
        if not key or (key == "asd" and user.id in guests):
            continue  # the old default was never a choice: a guest keeps none
        target = row_for(OLD_KEYS.get(key, key))
        bind.execute(users.update().where(users.c.id == user.id).values(institution_id=target))
    # a plain column: SQLite (3.35+) drops it in place, without rebuilding the table
    op.drop_column("users", "institution")
    op.add_column(
        "consents", sa.Column("custody_for", sa.JSON(), nullable=False, server_default="[]")
    )
    children: dict[uuid.UUID, list[str]] = {}
    for member in bind.execute(
        sa.select(family_members.c.id, family_members.c.case_id).where(
            family_members.c.role.in_(CHILD_ROLES)
        )
    ):
        children.setdefault(member.case_id, []).append(str(member.id))
    for consent in bind.execute(sa.select(consents)).all():
        recipients = [
            {**r, "value": str(row_for(OLD_KEYS.get(r.get("value"), r.get("value"))))}
            if r.get("type") == "institution"
            else r
            for r in consent.recipients or []
        ]
        custody = (
            [c for c in children.get(consent.case_id, []) if c != str(consent.grantor_id)]
            if consent.grantor_capacity in CUSTODY_CAPACITIES
            else []
        )
        bind.execute(
            consents.update()
            .where(consents.c.id == consent.id)
            .values(recipients=recipients, custody_for=custody)
        )


def downgrade():
    bind = op.get_bind()
    names = {r.id: r.name for r in bind.execute(sa.select(institutions.c.id, institutions.c.name))}
    keys = {name: key for key, name in OLD_KEYS.items()}
    for consent in bind.execute(sa.select(consents.c.id, consents.c.recipients)).all():
        recipients = [
            {**r, "value": keys.get(names.get(uuid.UUID(r["value"]), ""), "sonstige")}
            if r.get("type") == "institution"
            else r
            for r in consent.recipients or []
        ]
        bind.execute(
            consents.update().where(consents.c.id == consent.id).values(recipients=recipients)
        )
    op.drop_column("consents", "custody_for")
    op.add_column(
        "users",
        sa.Column("institution", sa.String(length=40), nullable=False, server_default="asd"),
    )
    for user in bind.execute(sa.select(users.c.id, users.c.institution_id)).all():
        if user.institution_id is not None:
            key = keys.get(names.get(user.institution_id, ""), "sonstige")
            bind.execute(users.update().where(users.c.id == user.id).values(institution=key))
    op.drop_index(op.f("ix_users_institution_id"), "users")
    # SQLite rebuilds the table to drop a referencing column (batch mode): possible while no
    # other table's rows refer to an account, as on a fresh database
    # (the column's foreign key goes with it)
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("institution_id")
    op.drop_table("institutions")
