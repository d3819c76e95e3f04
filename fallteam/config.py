"""Settings: defaults, then the instance file, then the environment, then ``create_app(config)``.

Secrets are never defaulted. In production the application refuses to start unless
``SECRET_KEY``, the key ring and ``DATABASE_URL`` are given, and names what is missing.
"""

from __future__ import annotations

import os
import stat
import tomllib
from datetime import timedelta
from pathlib import Path
from typing import Any

from limits import parse_many

PRODUCTION = "production"
DEVELOPMENT = "development"
TESTING = "testing"
ENVIRONMENTS = (PRODUCTION, DEVELOPMENT, TESTING)

#: The folder that holds the embedded database, the demo key ring and the instance file.
DEFAULT_INSTANCE_PATH = Path(__file__).resolve().parent.parent / "instance"

INSTANCE_FILE_NAME = "fallteam.toml"


class ConfigurationError(RuntimeError):
    """The application cannot start safely; the message names every missing piece."""


def _as_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in {"1", "true", "yes", "on", "ja"}


#: the benchmark-only switches (bench/pages.py), refused outside testing, never read from
#: the environment, and decided once at start-up (``crypto.runtime.init_app``)
BENCHMARK_SWITCHES = {
    "BENCHMARK_PLAINTEXT_BASELINE": "Klartext ohne Audit",
    "BENCHMARK_AUDIT_OFF": "ohne Audit",
}

#: Environment variables read as settings, with the type each is parsed as.
_ENVIRONMENT_SETTINGS: dict[str, type] = {
    "FALLTEAM_ENV": str,
    "FALLTEAM_DEMO": bool,
    "SECRET_KEY": str,
    "DATABASE_URL": str,
    "FALLTEAM_KEY_FILE": str,
    "FALLTEAM_KEYRING": str,
    "FALLTEAM_SIGNING_FILE": str,
    "FALLTEAM_INSTANCE_NAME": str,
    "MAIL_SERVER": str,
    "MAIL_PORT": int,
    "MAIL_USE_TLS": bool,
    "MAIL_USE_SSL": bool,
    "MAIL_USERNAME": str,
    "MAIL_PASSWORD": str,
    "MAIL_DEFAULT_SENDER": str,
    "MAIL_TIMEOUT": int,
    "MAIL_MAX_ATTEMPTS": int,
    "FALLTEAM_BASE_URL": str,
    "RATELIMIT_STORAGE_URI": str,
    "RATELIMIT_KEY_PREFIX": str,
    "SIGNIN_RATE_LIMIT": str,
    "SESSION_IDLE_MINUTES": int,
    "SESSION_MAX_HOURS": int,
    "PREFERRED_URL_SCHEME": str,
    "FALLTEAM_PROXY_HOPS": int,
    "AUDIT_CHECKPOINT_EVERY": int,
    "AUDIT_CHECKPOINT_MINUTES": int,
    "AUDIT_CHECKPOINT_DIR": str,
    "AUDIT_CHECKPOINT_MAIL_TO": str,
}


def _defaults(instance_path: Path) -> dict[str, Any]:
    return {
        "FALLTEAM_ENV": PRODUCTION,
        "FALLTEAM_DEMO": False,
        "DATABASE_URL": None,
        "FALLTEAM_KEY_FILE": str(instance_path / "keys" / "keyring.json"),
        "FALLTEAM_KEYRING": None,
        # The document-signing key (certificate + sealed private key) of the Protokollauszug.
        "FALLTEAM_SIGNING_FILE": str(instance_path / "keys" / "document_signing.json"),
        # The office's name on every Protokollauszug and in the signing certificate.
        "FALLTEAM_INSTANCE_NAME": "Jugendamt",
        "MAIL_SERVER": "localhost",
        "MAIL_PORT": 25,
        "MAIL_USE_TLS": False,
        "MAIL_USE_SSL": False,
        "MAIL_USERNAME": None,
        "MAIL_PASSWORD": None,
        "MAIL_DEFAULT_SENDER": "fallteam@localhost",
        # Seconds one SMTP operation may take before the attempt counts as failed.
        "MAIL_TIMEOUT": 30,
        # Delivery attempts (pauses of 1, 2, 4 … minutes, at most 4 h: about 16 h in all)
        # before a mail is marked failed.
        "MAIL_MAX_ATTEMPTS": 12,
        # Public address of the application (e.g. https://fallteam.example.org) for links in
        # e-mails sent by ``flask mail send-pending``, where no request tells the host.
        "FALLTEAM_BASE_URL": None,
        "RATELIMIT_STORAGE_URI": None,
        # Every key Flask-Limiter keeps in that storage starts with this: several instances
        # (test, production) or other applications can share one Redis without counting
        # each other's attempts. All hosts of one instance must use the same prefix.
        "RATELIMIT_KEY_PREFIX": "fallteam",
        "SESSION_IDLE_MINUTES": 30,
        "SESSION_MAX_HOURS": 10,
        "PREFERRED_URL_SCHEME": "https",
        "FALLTEAM_PROXY_HOPS": 0,
        # Sign-in throttling (per account, kept in the database so every worker sees it).
        "SIGNIN_MAX_FAILURES": 10,
        "SIGNIN_FAILURE_WINDOW_MINUTES": 15,
        # Per client address, enforced by Flask-Limiter.
        "SIGNIN_RATE_LIMIT": "30 per 15 minutes",
        "PASSWORD_MIN_LENGTH": 12,
        # zxcvbn's estimate a new password must reach (0-4; 3: about 10^8 guesses or more).
        "PASSWORD_MIN_SCORE": 3,
        # Place names a guesser tries first against this office's accounts (lower or mixed case).
        "PASSWORD_PLACE_NAMES": [
            "Potsdam",
            "Mittelmark",
            "Potsdam-Mittelmark",
            "Teltow",
            "Kleinmachnow",
            "Stahnsdorf",
            "Werder",
            "Beelitz",
            "Belzig",
            "Bad Belzig",
            "Michendorf",
            "Nuthetal",
            "Schwielowsee",
            "Seddiner See",
            "Groß Kreutz",
            "Kloster Lehnin",
            "Lehnin",
            "Treuenbrietzen",
            "Niemegk",
            "Wiesenburg",
            "Ziesar",
            "Brück",
            "Fläming",
            "Havel",
            "Brandenburg",
        ],
        # Words of the office a guesser tries first (lower or mixed case).
        "PASSWORD_OFFICE_WORDS": [
            "Fallteam",
            "Jugendamt",
            "Jugendhilfe",
            "Landkreis",
            "Kreisverwaltung",
        ],
        "RECOVERY_CODE_COUNT": 10,
        # Audit checkpoints are signed every N events and, while events come, at least every
        # M minutes: the events after the newest checkpoint kept outside are the ones whose
        # removal nothing but the chain head would show.
        "AUDIT_CHECKPOINT_EVERY": 1000,
        "AUDIT_CHECKPOINT_MINUTES": 15,
        # Each signed checkpoint is written here as a file of its own once its transaction has
        # committed (never overwritten); ``flask audit verify`` compares against the newest.
        # Belongs where the database role cannot write (ideally an append-only or remote
        # mount, see security/KEY_MANAGEMENT.md); "" turns the copy off.
        "AUDIT_CHECKPOINT_DIR": str(instance_path / "audit-checkpoints"),
        # ``flask dpo mail-checkpoint`` (daily, cron) mails the newest signed checkpoint
        # here: a second copy outside the system, kept by the DPO ("" : none).
        "AUDIT_CHECKPOINT_MAIL_TO": "",
        # The DPO's anomaly list (``/datenschutz/auffaelligkeiten``): the period it looks at
        # by default; "bulk reads" are more than N distinct cases read by one person within
        # M minutes; "repeated refusals" are K or more refusals of one person within M
        # minutes; access outside the working hours (office time zone, [from, until) hours)
        # or on other days than the working days (0 = Monday … 6 = Sunday).
        "DPO_ANOMALY_DAYS": 30,
        "DPO_BULK_READ_CASES": 20,
        "DPO_BULK_READ_MINUTES": 10,
        "DPO_REFUSALS": 5,
        "DPO_REFUSAL_MINUTES": 60,
        "DPO_WORKING_HOURS": [7, 19],
        "DPO_WORKING_DAYS": [0, 1, 2, 3, 4],
        # The per-case access report keeps a busy case's lines rolled up and adds only the
        # events since on each page; more than this many since, and it rolls up again first
        # (about 6 µs per event and page on PostgreSQL, against one ~0.3 s roll-up of a case
        # with 50,000 events).
        "DPO_REPORT_ROLL_UP_AFTER": 1000,
        "BABEL_DEFAULT_LOCALE": "de",
        "BABEL_DEFAULT_TIMEZONE": "Europe/Berlin",
        "LANGUAGES": {"de": "Deutsch", "en": "English"},
        "WTF_CSRF_TIME_LIMIT": None,
        "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,
        # What a guest or temporary team member confirms once before first seeing case
        # content (recorded with the confirmation, so a changed text is asked for again).
        "CONFIDENTIALITY_PLEDGE_TEXT": (
            "Ich verpflichte mich, über alles, was mir in der kollegialen Fallberatung über "
            "Familien und Fälle bekannt wird, Verschwiegenheit zu wahren – auch nach dem Ende "
            "meiner Teilnahme. Mir ist bekannt, dass diese Angaben Sozialdaten sind, die dem "
            "besonderen Vertrauensschutz nach § 65 SGB VIII unterliegen, und dass ihre "
            "unbefugte Offenbarung nach § 203 StGB strafbar sein kann. Ich mache keine "
            "Aufzeichnungen, die Personen erkennbar machen, und gebe nichts davon weiter."
        ),
        # SQLite: milliseconds a writer waits for another one's write lock before the request
        # is answered "temporarily unavailable" (503).
        "SQLITE_BUSY_TIMEOUT_MS": 5000,
        # Signed consent documents (PDF or image).
        "CONSENT_DOCUMENT_MAX_BYTES": 10 * 1024 * 1024,
        # Benchmarks only (bench/pages.py): encrypted columns hold plaintext and no audit
        # event is written, so a page can be timed against its unprotected self. Refused
        # outside FALLTEAM_ENV=testing and never read from the environment.
        "BENCHMARK_PLAINTEXT_BASELINE": False,
        # Benchmarks only, the same guards: fields stay encrypted but no audit event is
        # written, so bench/pages.py can tell the audit's share of a page from the crypto's.
        "BENCHMARK_AUDIT_OFF": False,
    }


def load_settings(
    overrides: dict[str, Any] | None = None, instance_path: Path | None = None
) -> dict[str, Any]:
    """Collect the settings unvalidated (key management needs them before keys exist)."""
    overrides = dict(overrides or {})
    instance_path = Path(
        overrides.pop("INSTANCE_PATH", None)
        or instance_path
        or os.environ.get("FALLTEAM_INSTANCE_PATH")
        or DEFAULT_INSTANCE_PATH
    )
    settings = _defaults(instance_path)
    instance_file = instance_path / INSTANCE_FILE_NAME
    if instance_file.is_file():
        with instance_file.open("rb") as fh:
            settings.update(tomllib.load(fh))
    for name, kind in _ENVIRONMENT_SETTINGS.items():
        raw = os.environ.get(name)
        if raw is None or raw == "":
            continue
        settings[name] = _as_bool(raw) if kind is bool else kind(raw)
    settings.update(overrides)
    settings["INSTANCE_PATH"] = str(instance_path)
    if not settings.get("SECRET_KEY"):
        secret_file = instance_path / "keys" / "secret_key"
        if secret_file.is_file():
            if stat.S_IMODE(secret_file.stat().st_mode) & 0o077:
                raise ConfigurationError(
                    f"Fallteam startet nicht: {secret_file} ist für andere lesbar; "
                    "erwartet wird Modus 600."
                )
            settings["SECRET_KEY"] = secret_file.read_text().strip()
    return settings


def finish_settings(settings: dict[str, Any]) -> dict[str, Any]:
    """Validate the collected settings and derive the Flask ones; raise ``ConfigurationError``."""
    env = settings["FALLTEAM_ENV"]
    if env not in ENVIRONMENTS:
        raise ConfigurationError(
            f"FALLTEAM_ENV={env!r} ist unbekannt; erlaubt sind: {', '.join(ENVIRONMENTS)}."
        )
    production = env == PRODUCTION
    missing = []
    if not settings.get("SECRET_KEY"):
        missing.append("SECRET_KEY (Umgebungsvariable oder instance/keys/secret_key)")
    elif production and len(settings["SECRET_KEY"]) < 32:
        missing.append("SECRET_KEY mit mindestens 32 Zeichen")
    if not settings.get("FALLTEAM_KEYRING") and not Path(settings["FALLTEAM_KEY_FILE"]).is_file():
        missing.append(
            f"Schlüsselbund (FALLTEAM_KEYRING oder Datei {settings['FALLTEAM_KEY_FILE']}; "
            "anlegen mit 'flask --app wsgi keys init')"
        )
    if production and not settings.get("DATABASE_URL"):
        missing.append("DATABASE_URL (PostgreSQL)")
    if production and not settings.get("RATELIMIT_STORAGE_URI"):
        missing.append(
            "RATELIMIT_STORAGE_URI (gemeinsamer Speicher für die Anmeldebegrenzung, z. B. redis://…)"
        )
    try:
        parse_many(str(settings["SIGNIN_RATE_LIMIT"]))
    except ValueError:
        missing.append(
            f"SIGNIN_RATE_LIMIT in lesbarer Form, z. B. '30 per 15 minutes' "
            f"(angegeben: {settings['SIGNIN_RATE_LIMIT']!r})"
        )
    if missing:
        raise ConfigurationError(
            f"Fallteam startet nicht (Modus {env}); es fehlt: " + "; ".join(missing)
        )
    # Before checkpoints were timed in minutes: an instance file that still says hours.
    hours = settings.pop("AUDIT_CHECKPOINT_HOURS", None)
    if hours is not None:
        settings["AUDIT_CHECKPOINT_MINUTES"] = int(float(hours) * 60)
    if production and settings.get("FALLTEAM_DEMO"):
        raise ConfigurationError("Der Demo-Modus ist im Produktionsbetrieb nicht erlaubt.")
    for switch, what in BENCHMARK_SWITCHES.items():
        settings[switch] = _as_bool(settings.get(switch, False))
        if settings[switch] and env != TESTING:
            raise ConfigurationError(
                f"{switch} ({what}) ist nur für Messungen erlaubt (FALLTEAM_ENV=testing), "
                f"nicht im Modus {env}."
            )

    instance_path = Path(settings["INSTANCE_PATH"])
    settings.setdefault("SQLALCHEMY_DATABASE_URI", None)
    if not settings["SQLALCHEMY_DATABASE_URI"]:
        settings["SQLALCHEMY_DATABASE_URI"] = settings.get("DATABASE_URL") or (
            f"sqlite:///{instance_path / 'fallteam.sqlite3'}"
        )
    if not settings["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        engine_options = dict(settings.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
        # A pooled connection is checked before use, so after a database restart no request
        # fails on a connection the server closed; the pool reconnects by itself.
        engine_options.setdefault("pool_pre_ping", True)
        # A database host that does not answer at all (network, not a refused port) ends
        # a connection attempt after seconds, not minutes: the page says "unavailable".
        engine_options["connect_args"] = {
            "connect_timeout": 5,
            **engine_options.get("connect_args", {}),
        }
        settings["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options
    settings["RATELIMIT_STORAGE_URI"] = settings.get("RATELIMIT_STORAGE_URI") or "memory://"
    settings["TESTING"] = env == TESTING
    settings["SESSION_COOKIE_NAME"] = "fallteam_session" if not production else "__Host-fallteam"
    settings["SESSION_COOKIE_HTTPONLY"] = True
    settings["SESSION_COOKIE_SAMESITE"] = "Lax"
    settings["SESSION_COOKIE_SECURE"] = production
    settings["PERMANENT_SESSION_LIFETIME"] = timedelta(hours=settings["SESSION_MAX_HOURS"])
    settings["REMEMBER_COOKIE_DURATION"] = timedelta(seconds=0)
    settings["SQLALCHEMY_TRACK_MODIFICATIONS"] = False
    if not production:
        settings["PREFERRED_URL_SCHEME"] = "http"
    return settings
