"""Password hashing (argon2id) and the password rules."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask import current_app
from flask_babel import gettext as _
from zxcvbn import zxcvbn
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


#: Words of the service itself that guessers try first, beside the configured place names.
OFFICE_WORDS = ("fallteam", "jugendamt", "jugendhilfe", "landkreis", "kreisverwaltung")
#: Digits, punctuation and blanks that people put around a word to "strengthen" it.
_PADDING = "0123456789!?.,:;-_#*+~/()[]{}@$%&= "
#: zxcvbn refuses longer input; the first characters decide how guessable a password is.
_ESTIMATE_CHARS = 72


def _known_words(personal: tuple[str, ...]) -> tuple[list[str], list[str]]:
    """The user's names (whole and word by word) and the office's place and service words."""
    names = []
    for part in personal:
        if part and len(part.strip()) >= 3:
            names.append(part.strip().lower())
            names += [w for w in re.split(r"[\W_]+", part.lower()) if len(w) >= 4]
    places = [name.lower() for name in current_app.config["PASSWORD_PLACE_NAMES"]]
    return names, places + list(OFFICE_WORDS)


def _reasons(password: str, names: list[str], places: list[str]) -> list[str]:
    """Why the password is easy to guess (empty when zxcvbn's estimate is good enough)."""
    core = password.lower().strip(_PADDING)
    if core in places:
        # A place name with digits and signs around it ("Potsdam2026!!") is among the first
        # guesses against this office, whatever the general estimate says.
        return [_place_reason(core)]
    estimate = zxcvbn(password[:_ESTIMATE_CHARS], user_inputs=names + places)
    if estimate["score"] >= current_app.config["PASSWORD_MIN_SCORE"]:
        return []
    reasons: list[str] = []
    for match in estimate["sequence"]:
        reason = _match_reason(match, names)
        if reason and reason not in reasons:
            reasons.append(reason)
    return reasons or [_("Es ist zu kurz oder zu einfach aufgebaut.")]


def _place_reason(word: str) -> str:
    if word in OFFICE_WORDS:
        return _("Es enthält ein Wort aus dem Arbeitsumfeld (etwa „Fallteam“ oder „Jugendamt“).")
    return _("Es enthält einen Ortsnamen aus der Region.")


def _match_reason(match: dict, names: list[str]) -> str | None:
    """zxcvbn's feedback is English; this says in German what made part of it guessable."""
    pattern = match["pattern"]
    if pattern == "dictionary":
        word = match["matched_word"].lower()
        if match["dictionary_name"] == "user_inputs":
            return (
                _("Es enthält Ihren Namen oder Benutzernamen.")
                if word in names
                else _place_reason(word)
            )
        if match["dictionary_name"] == "passwords":
            return _("Es enthält ein verbreitetes Passwort (etwa „123456“ oder „passwort“).")
        return _("Es besteht aus bekannten Wörtern oder Namen, die leicht zu erraten sind.")
    return {
        "sequence": _("Es enthält eine Zeichenfolge wie „abcd“ oder „1234“."),
        "repeat": _("Es enthält Wiederholungen wie „aaaa“ oder „abcabc“."),
        "spatial": _("Es enthält ein Tastaturmuster wie „asdf“ oder „qwertz“."),
        "date": _("Es enthält ein Datum oder eine Jahreszahl."),
        "regex": _("Es enthält ein Datum oder eine Jahreszahl."),
    }.get(pattern)


def password_problems(password: str, *personal: str) -> list[str]:
    """What is wrong with a new password (empty when it is acceptable).

    ``personal`` are the user's sign-in name and display name: the password may not contain
    them, and they and the office's place names (``PASSWORD_PLACE_NAMES``) are words that
    zxcvbn's estimate treats as known to a guesser.
    """
    problems = []
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(password) < minimum:
        problems.append(_("Das Passwort muss mindestens %(n)d Zeichen lang sein.", n=minimum))
    lowered = password.lower()
    names, places = _known_words(personal)
    if lowered in common_passwords() or lowered.strip(_PADDING) in common_passwords():
        problems.append(
            _("Dieses Passwort ist zu verbreitet und steht auf Listen geknackter Passwörter.")
        )
    elif len(set(lowered)) <= 3:
        problems.append(_("Das Passwort besteht aus zu wenigen verschiedenen Zeichen."))
    elif any(name in lowered for name in names):
        problems.append(_("Das Passwort darf Ihren Namen oder Benutzernamen nicht enthalten."))
    elif reasons := _reasons(password, names, places):
        problems.append(
            " ".join(
                [_("Das Passwort ist zu leicht zu erraten."), *reasons]
                + [_("Besser sind mehrere ungewöhnliche Wörter, etwa ein kurzer Satz.")]
            )
        )
    return problems
