"""The application never starts on invented or missing secrets."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from fallteam import create_app
from fallteam.config import ConfigurationError

ROOT = Path(__file__).resolve().parents[2]


def _clean_environment(tmp_path) -> dict:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("FALLTEAM_", "SECRET_KEY", "DATABASE_URL", "RATELIMIT_"))
    }
    env["FALLTEAM_INSTANCE_PATH"] = str(tmp_path)
    return env


def test_production_refuses_to_start_and_names_everything_missing(tmp_path):
    with pytest.raises(ConfigurationError) as refused:
        create_app({"INSTANCE_PATH": str(tmp_path), "FALLTEAM_ENV": "production"})
    message = str(refused.value)
    for missing in ("SECRET_KEY", "Schlüsselbund", "DATABASE_URL", "RATELIMIT_STORAGE_URI"):
        assert missing in message


def test_wsgi_entry_point_refuses_in_production_without_keys(tmp_path):
    result = subprocess.run(
        [sys.executable, "-c", "import wsgi"],
        cwd=ROOT,
        env=_clean_environment(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "ConfigurationError" in result.stderr and "SECRET_KEY" in result.stderr


def test_a_short_secret_key_is_refused_in_production(tmp_path):
    with pytest.raises(ConfigurationError, match="mindestens 32 Zeichen"):
        create_app(
            {"INSTANCE_PATH": str(tmp_path), "FALLTEAM_ENV": "production", "SECRET_KEY": "kurz"}
        )


def test_a_key_file_readable_by_others_is_refused(tmp_path):
    from fallteam.crypto.keyring import FileKeyProvider, Keyring

    key_file = tmp_path / "keys" / "keyring.json"
    FileKeyProvider(key_file).store(Keyring.generate())
    key_file.chmod(0o644)
    with pytest.raises(ConfigurationError, match="für andere lesbar"):
        create_app(
            {
                "INSTANCE_PATH": str(tmp_path),
                "FALLTEAM_ENV": "development",
                "SECRET_KEY": "x" * 40,
                "FALLTEAM_KEY_FILE": str(key_file),
            }
        )


def test_the_demo_mode_is_refused_in_production(tmp_path):
    from fallteam.crypto.keyring import Keyring

    with pytest.raises(ConfigurationError, match="Demo-Modus"):
        create_app(
            {
                "INSTANCE_PATH": str(tmp_path),
                "FALLTEAM_ENV": "production",
                "FALLTEAM_DEMO": True,
                "SECRET_KEY": "x" * 40,
                "FALLTEAM_KEYRING": Keyring.generate().to_json(),
                "DATABASE_URL": "sqlite://",
                "RATELIMIT_STORAGE_URI": "memory://",
            }
        )


def test_production_cookies_are_secure(tmp_path):
    from fallteam.crypto.keyring import Keyring

    app = create_app(
        {
            "INSTANCE_PATH": str(tmp_path),
            "FALLTEAM_ENV": "production",
            "SECRET_KEY": "x" * 40,
            "FALLTEAM_KEYRING": Keyring.generate().to_json(),
            "DATABASE_URL": "sqlite://",
            "RATELIMIT_STORAGE_URI": "memory://",
        }
    )
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_a_session_secret_file_readable_by_others_is_refused(tmp_path):
    secret = tmp_path / "keys" / "secret_key"
    secret.parent.mkdir()
    secret.write_text("x" * 40)
    secret.chmod(0o644)
    with pytest.raises(ConfigurationError, match="für andere lesbar"):
        create_app({"INSTANCE_PATH": str(tmp_path), "FALLTEAM_ENV": "development"})


def test_the_sign_in_limit_and_its_key_prefix_come_from_the_environment(tmp_path, monkeypatch):
    # Several hosts of one instance share one Redis; a second instance (or another
    # application) on the same Redis must not count their attempts, so the prefix is set
    # where the rest of a host's production settings are: in its environment.
    from fallteam.config import load_settings

    monkeypatch.setenv("RATELIMIT_KEY_PREFIX", "jugendamt-prod")
    monkeypatch.setenv("SIGNIN_RATE_LIMIT", "5 per 15 minutes")
    settings = load_settings(instance_path=tmp_path)
    assert settings["RATELIMIT_KEY_PREFIX"] == "jugendamt-prod"
    assert settings["SIGNIN_RATE_LIMIT"] == "5 per 15 minutes"
    monkeypatch.delenv("RATELIMIT_KEY_PREFIX")
    assert load_settings(instance_path=tmp_path)["RATELIMIT_KEY_PREFIX"] == "fallteam"


def test_an_unreadable_sign_in_limit_stops_the_start(tmp_path):
    # Flask-Limiter only logs a limit it cannot parse, at every sign-in, and then does not
    # limit at all: a typo would silently switch the limit off, so it stops the start.
    from fallteam.crypto.keyring import Keyring

    with pytest.raises(ConfigurationError, match="SIGNIN_RATE_LIMIT"):
        create_app(
            {
                "INSTANCE_PATH": str(tmp_path),
                "FALLTEAM_ENV": "testing",
                "SECRET_KEY": "x" * 40,
                "FALLTEAM_KEYRING": Keyring.generate().to_json(),
                "SIGNIN_RATE_LIMIT": "fünf pro Viertelstunde",
            }
        )
