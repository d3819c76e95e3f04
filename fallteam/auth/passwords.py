"""Password hashing (argon2id) and the password rules."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask import current_app
from flask_babel import gettext as _
from zxcvbn.frequency_lists import FREQUENCY_LISTS

_GERMAN_LIST = Path(__file__).resolve().parent / "common_passwords_de.txt"


@lru_cache(maxsize=2)
def _hasher(profile: str) -> PasswordHasher:
    # RFC 9106's second recommendation (argon2id, 64 MiB); the cheap profile is for tests only.
    if profile == "cheapest":
        return PasswordHasher.from_parameters(profiles.CHEAPEST)
    return PasswordHasher.from_parameters(profiles.RFC_9106_LOW_MEMORY)


def hasher() -> PasswordHasher:
    """The configured argon2id hasher."""
    return _hasher(current_app.config.get("ARGON2_PROFILE", "rfc9106"))


def hash_password(password: str) -> str:
    """An argon2id hash of ``password``."""
    return hasher().hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether ``password`` matches; with no hash, spend the same time and say no."""
    if password_hash is None:
        # An unknown account costs as much as a known one, so timing tells nothing.
        hasher().hash(password)
        return False
    try:
        return hasher().verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """Whether the hash was made with weaker parameters than configured now."""
    return hasher().check_needs_rehash(password_hash)


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """Frequently used passwords: zxcvbn's list plus a German supplement, lower-case."""
    german = [
        line.strip().lower()
        for line in _GERMAN_LIST.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    return frozenset(FREQUENCY_LISTS["passwords"]) | frozenset(german)


def password_problems(password: str, *personal: str) -> list[str]:
    """What is wrong with a new password (empty when it is acceptable)."""
    problems = []
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(password) < minimum:
        problems.append(_("Das Passwort muss mindestens %(n)d Zeichen lang sein.", n=minimum))
    lowered = password.lower()
    stripped = lowered.rstrip("0123456789!?.-_#*+ ")
    if lowered in common_passwords() or stripped in common_passwords():
        problems.append(
            _("Dieses Passwort ist zu verbreitet und steht auf Listen geknackter Passwörter.")
        )
    if len(set(lowered)) <= 3:
        problems.append(_("Das Passwort besteht aus zu wenigen verschiedenen Zeichen."))
    for part in personal:
        if part and len(part) >= 3 and part.lower() in lowered:
            problems.append(_("Das Passwort darf Ihren Namen oder Benutzernamen nicht enthalten."))
            break
    return problems
