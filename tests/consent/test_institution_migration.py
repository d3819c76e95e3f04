"""The migration maps the old free-text institutions to the seeded list and keeps what
consents covered: institution recipients become ids, custodial parents keep their children
(the other parent no longer), and a guest who only carried the old default keeps none."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from fallteam.auth.models import Institution, User
from fallteam.consent.models import Consent
from fallteam.extensions import db

BEFORE = "35dcf36f1c68"


def _insert(table: str, **values) -> uuid.UUID:
    values.setdefault("id", uuid.uuid4())
    types = {uuid.UUID: sa.Uuid(), datetime: sa.DateTime(timezone=True), list: sa.JSON()}
    columns = [sa.column(k, types.get(type(v))) for k, v in values.items()]
    db.session.execute(sa.table(table, *columns).insert().values(**values))
    return values["id"]


def test_old_free_text_institutions_become_references(committed_app):
    now = datetime.now(UTC)
    with committed_app.app_context():
        downgrade(revision=BEFORE)
        user_columns = {
            "password_hash": "x",
            "must_change_password": False,
            "totp_confirmed": False,
            "active": True,
            "created_dt": now,
        }
        staff = _insert(
            "users",
            username="staff",
            display_name="S",
            email="s@example.org",
            institution="jobcenter",
            login_token="t1",
            **user_columns,
        )
        guest = _insert(
            "users",
            username="gast",
            display_name="G",
            email="g@example.org",
            institution="asd",
            login_token="t2",
            **user_columns,
        )
        _insert("user_roles", user_id=guest, role="guest")
        odd = _insert(
            "users",
            username="odd",
            display_name="O",
            email="o@example.org",
            institution="schule_kita",
            login_token="t3",
            **user_columns,
        )
        case = _insert(
            "cases",
            pseudonym="FT-2026-9999",
            case_manager_id=staff,
            category="hze",
            child_protection=False,
            background_status="empty",
            created_by_id=staff,
            created_dt=now,
        )
        mother = _insert("family_members", case_id=case, position=0, role="Mutter", sex="f")
        _insert("family_members", case_id=case, position=1, role="Vater", sex="m")
        child = _insert("family_members", case_id=case, position=2, role="Kind", sex="f")
        consent = _insert(
            "consents",
            case_id=case,
            grantor_id=mother,
            grantor_capacity="sorgeberechtigt",
            recipients=[{"type": "institution", "value": "jobcenter"}],
            purposes=["fallberatung"],
            data_categories=["identity"],
            valid_from=date(2026, 1, 1),
            form="schriftlich",
            recorded_by_id=staff,
            created_dt=now,
        )
        db.session.commit()
        upgrade()
        db.session.expire_all()
        jobcenter = db.session.scalars(
            sa.select(Institution).where(Institution.name == "Jobcenter/MAIA")
        ).one()
        assert db.session.get(User, staff).institution_id == jobcenter.id
        assert db.session.get(User, guest).institution_id is None
        assert db.session.get(User, odd).institution.name == "Schule/Kita"
        stored = db.session.get(Consent, consent)
        assert stored.recipients == [{"type": "institution", "value": str(jobcenter.id)}]
        assert stored.custody_for == [str(child)]
