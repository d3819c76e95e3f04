"""Password hashing (argon2id) and the password rules."""

from __future__ import annotations

import re
from dataclasses import dataclass
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


#: Digits, punctuation and blanks that people put around a word to "strengthen" it.
_PADDING = "0123456789!?.,:;-_#*+~/()[]{}@$%&= "
_PADDING_ANYWHERE = re.compile(rf"[{re.escape(_PADDING)}\s]+")
#: zxcvbn refuses longer input; the first characters decide how guessable a password is.
_ESTIMATE_CHARS = 72
#: Known words shorter than this are not looked for inside a password made of known words.
_MIN_KNOWN_WORD = 3
_UMLAUTS_SPELT = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
_UMLAUTS_PLAIN = str.maketrans({"ä": "a", "ö": "o", "ü": "u", "ß": "ss"})


def _variants(word: str) -> set[str]:
    """A known word as people type it: lower case, with or without its blanks and hyphens,
    umlauts as ae/oe/ue or plain vowels, ß as ss ("Groß Kreutz" -> "grosskreutz")."""
    word = " ".join(word.lower().split())
    forms = {word, word.translate(_UMLAUTS_SPELT), word.translate(_UMLAUTS_PLAIN)}
    forms |= {re.sub(r"[\s-]+", "", form) for form in forms}
    return {form for form in forms if form}


@dataclass(frozen=True)
class _KnownWords:
    """The words a guesser tries first: the user's names, the region's places, the office."""

    names: frozenset[str]
    places: frozenset[str]
    office: frozenset[str]

    @property
    def all(self) -> frozenset[str]:
        return self.names | self.places | self.office


def _known_words(personal: tuple[str, ...]) -> _KnownWords:
    """The user's names (whole and word by word) and the office's place and service words,
    each in the variants people type."""
    names: set[str] = set()
    for part in personal:
        if part and len(part.strip()) >= 3:
            names |= _variants(part)
            names |= {v for w in re.split(r"[\W_]+", part) if len(w) >= 4 for v in _variants(w)}
    config = current_app.config
    places = {v for name in config["PASSWORD_PLACE_NAMES"] for v in _variants(name)}
    office = {v for word in config["PASSWORD_OFFICE_WORDS"] for v in _variants(word)}
    return _KnownWords(frozenset(names), frozenset(places), frozenset(office))


def _only_known_words(text: str, words: frozenset[str]) -> list[str] | None:
    """``text`` split into known words ("jugendamtteltow" -> jugendamt, teltow), or None."""
    usable = [w for w in words if len(w) >= _MIN_KNOWN_WORD and " " not in w]
    # split[i]: the known words that make up text[:i], if any split exists
    split: list[list[str] | None] = [[]] + [None] * len(text)
    for end in range(1, len(text) + 1):
        for word in usable:
            start = end - len(word)
            if start >= 0 and split[start] is not None and text[start:end] == word:
                split[end] = [*split[start], word]
                break
    return split[-1] if text else None


def _reasons(password: str, known: _KnownWords) -> list[str]:
    """Why the password is easy to guess (empty when zxcvbn's estimate is good enough)."""
    letters = _PADDING_ANYWHERE.sub("", password.lower())
    words = _only_known_words(letters, known.all)
    if words:
        # Place, office and own names with digits and signs around and between them
        # ("Potsdam2026!!", "Jugendamt-Teltow") are among the first guesses against this
        # office, whatever the general estimate says.
        return [_known_word_reason(words, known)]
    user_inputs = sorted(known.all)
    estimate = zxcvbn(password[:_ESTIMATE_CHARS], user_inputs=user_inputs)
    if estimate["score"] >= current_app.config["PASSWORD_MIN_SCORE"]:
        return []
    reasons: list[str] = []
    for match in estimate["sequence"]:
        reason = _match_reason(match, known)
        if reason and reason not in reasons:
            reasons.append(reason)
    return reasons or [_("Es ist zu kurz oder zu einfach aufgebaut.")]


def _known_word_reason(words: list[str], known: _KnownWords) -> str:
    if any(word in known.office for word in words):
        return _("Es enthält ein Wort aus dem Arbeitsumfeld (etwa „Fallteam“ oder „Jugendamt“).")
    if any(word in known.places for word in words):
        return _("Es enthält einen Ortsnamen aus der Region.")
    return _("Es enthält Ihren Namen oder Benutzernamen.")


def _match_reason(match: dict, known: _KnownWords) -> str | None:
    """zxcvbn's feedback is English; this says in German what made part of it guessable."""
    pattern = match["pattern"]
    if pattern == "dictionary":
        word = match["matched_word"].lower()
        if match["dictionary_name"] == "user_inputs":
            return _known_word_reason([word], known)
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
    them (nor their spellings without umlauts), and they, the office's place names
    (``PASSWORD_PLACE_NAMES``) and office words (``PASSWORD_OFFICE_WORDS``) are words known to a
    guesser: a password made of nothing but them, digits and signs is refused, and zxcvbn's
    estimate treats them as known words.
    """
    problems = []
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(password) < minimum:
        problems.append(_("Das Passwort muss mindestens %(n)d Zeichen lang sein.", n=minimum))
    lowered = password.lower()
    known = _known_words(personal)
    if lowered in common_passwords() or lowered.strip(_PADDING) in common_passwords():
        problems.append(
            _("Dieses Passwort ist zu verbreitet und steht auf Listen geknackter Passwörter.")
        )
    elif len(set(lowered)) <= 3:
        problems.append(_("Das Passwort besteht aus zu wenigen verschiedenen Zeichen."))
    elif any(name in lowered for name in known.names):
        problems.append(_("Das Passwort darf Ihren Namen oder Benutzernamen nicht enthalten."))
    elif reasons := _reasons(password, known):
        problems.append(
            " ".join(
                [_("Das Passwort ist zu leicht zu erraten."), *reasons]
                + [_("Besser sind mehrere ungewöhnliche Wörter, etwa ein kurzer Satz.")]
            )
        )
    return problems
