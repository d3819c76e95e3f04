"""The benchmark's switches: only in testing, and nothing changes while they are off.

``BENCHMARK_PLAINTEXT_BASELINE`` makes encrypted columns store plaintext and turns audit
writing off, so ``bench/pages.py`` can time a page against its unprotected self;
``BENCHMARK_AUDIT_OFF`` turns only the audit off, to tell its share of a page's time. A
production (or development) instance must never run either way, whatever its instance file
or environment says.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text

from fallteam import create_app
from fallteam.audit.models import AuditChainHead
from fallteam.auth.models import User
from fallteam.cases import operations as cases
from fallteam.cases.models import Case, FamilyMember
from fallteam.config import ConfigurationError, finish_settings, load_settings
from fallteam.crypto.keyring import FileKeyProvider, Keyring
from fallteam.crypto.models import DataKey
from fallteam.crypto.runtime import audit_switched_off, plaintext_baseline
from fallteam.extensions import db
from tests.conftest import family_of_four, make_account, make_app

SWITCH = "BENCHMARK_PLAINTEXT_BASELINE"
AUDIT_OFF = "BENCHMARK_AUDIT_OFF"
both_switches = pytest.mark.parametrize("switch", [SWITCH, AUDIT_OFF])


def _instance(tmp_path, env: str, **lines) -> dict:
    """Everything an instance of ``env`` needs to start, so only the switch can refuse it."""
    key_file = tmp_path / "keys" / "keyring.json"
    FileKeyProvider(key_file).store(Keyring.generate())
    return {
        "INSTANCE_PATH": str(tmp_path),
        "FALLTEAM_ENV": env,
        "SECRET_KEY": "s" * 48,
        "FALLTEAM_KEY_FILE": str(key_file),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}",
        "RATELIMIT_STORAGE_URI": "memory://",
        **lines,
    }


@both_switches
@pytest.mark.parametrize("env", ["production", "development"])
@pytest.mark.parametrize("value", [True, "true", "1", "ja"])
def test_production_and_development_refuse_the_switches(tmp_path, env, value, switch):
    with pytest.raises(ConfigurationError, match=f"{switch}.*nur für Messungen"):
        create_app(_instance(tmp_path, env, **{switch: value}))


@both_switches
@pytest.mark.parametrize("env", ["production", "development"])
def test_the_instance_file_cannot_turn_them_on_outside_testing(tmp_path, env, switch):
    settings = _instance(tmp_path, env)
    (tmp_path / "fallteam.toml").write_text(f"{switch} = true\n")
    with pytest.raises(ConfigurationError, match=switch):
        finish_settings(load_settings(settings))


@both_switches
def test_the_environment_cannot_turn_them_on(tmp_path, monkeypatch, switch):
    monkeypatch.setenv(switch, "true")
    for env in ("production", "testing"):
        assert finish_settings(load_settings(_instance(tmp_path, env)))[switch] is False


@both_switches
def test_they_are_off_by_default_and_testing_may_turn_them_on(tmp_path, switch):
    assert finish_settings(load_settings(_instance(tmp_path, "production")))[switch] is False
    on = finish_settings(load_settings(_instance(tmp_path, "testing", **{switch: "ja"})))
    assert on[switch] is True


def _stored(case: Case, member_id) -> tuple[bytes, int, int]:
    """A first name as stored, the case's data keys, the events in the chain."""
    members = FamilyMember.__table__
    raw = db.session.execute(
        select(text("first_name")).select_from(members).where(members.c.id == member_id)
    ).scalar_one()
    keys = db.session.scalar(
        select(func.count()).select_from(DataKey).where(DataKey.owner_id == case.id)
    )
    return bytes(raw), keys, _head()


def _head() -> int:
    return db.session.scalar(select(AuditChainHead.last_seq).where(AuditChainHead.id == 1))


def _register(create_account, app):
    owner = create_account(["fachkraft"])
    with app.app_context():
        head = _head()
        case = cases.register_case(
            db.session.get(User, owner.id),
            category="hze",
            child_protection=False,
            file_number="AZ-BASIS-1",
            members=family_of_four(),
        )
        db.session.commit()
        member = case.members[0]
        return case.id, member.id, member.first_name, head


def test_switched_on_in_testing_fields_are_plaintext_and_nothing_is_audited(tmp_path):
    # its own application: the switch is read once, when the application is built
    app = make_app(tmp_path, f"sqlite:///{tmp_path / 'baseline.sqlite3'}", **{SWITCH: True})
    case_id, member_id, first_name, head_before = _register(
        lambda roles: make_account(app, roles), app
    )
    with app.app_context():
        case = db.session.get(Case, case_id)
        raw, keys, head = _stored(case, member_id)
        assert raw == first_name.encode("utf-8")
        assert keys == 0  # no data key made, none to unwrap
        assert head == head_before
        assert (
            db.session.get(FamilyMember, member_id).first_name == first_name
        )  # read back without a key
        db.engine.dispose()


def test_audit_off_in_testing_fields_stay_sealed_and_nothing_is_audited(tmp_path):
    app = make_app(tmp_path, f"sqlite:///{tmp_path / 'no-audit.sqlite3'}", **{AUDIT_OFF: True})
    case_id, member_id, first_name, head_before = _register(
        lambda roles: make_account(app, roles), app
    )
    with app.app_context():
        case = db.session.get(Case, case_id)
        raw, keys, head = _stored(case, member_id)
        assert first_name.encode("utf-8") not in raw
        assert keys == 1
        assert head == head_before
        assert db.session.get(FamilyMember, member_id).first_name == first_name
        db.engine.dispose()


def test_switched_off_fields_are_sealed_and_audited(app, create_account):
    assert app.config[SWITCH] is False
    case_id, member_id, first_name, head_before = _register(create_account, app)
    with app.app_context():
        case = db.session.get(Case, case_id)
        raw, keys, head = _stored(case, member_id)
        assert first_name.encode("utf-8") not in raw
        assert keys == 1
        assert head > head_before
        assert db.session.get(FamilyMember, member_id).first_name == first_name


@both_switches
@pytest.mark.parametrize("env", ["production", "testing"])
def test_a_config_change_after_start_does_not_turn_them_on(tmp_path, env, switch):
    """Only the settings the application started with decide: a later
    ``app.config[...] = True`` (an extension, a shell, a careless script) must not turn
    encryption and audit off in a running production instance, nor in a testing one."""
    app = create_app(_instance(tmp_path, env))
    app.config[switch] = True
    with app.app_context():
        assert plaintext_baseline() is False
        assert audit_switched_off() is False
