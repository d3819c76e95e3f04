"""Pure rules of the Fallprotokoll: its sections per method, the fixed statement on every
protocol, and the canonical content whose SHA-256 seals a finalised protocol."""

from __future__ import annotations

import difflib
import hashlib
import json
from typing import Any

from flask_babel import lazy_gettext as _l

from fallteam.meetings.models import Method

#: shown on every protocol (source, 6. Fallteam: the team advises, it does not decide)
NO_DECISION = _l(
    "Das Fallteam trifft keine Entscheidung; die Verantwortung bleibt bei der fallführenden "
    "Fachkraft."
)

_CLOSING = [
    ("hilfesetting", _l("Hilfesetting")),
    ("empfehlung", _l("Empfehlung zu den nächsten Schritten")),
]

#: method -> [(section key, heading)] in the order of the method's steps
SECTIONS: dict[str, list[tuple[str, Any]]] = {
    Method.COLLEGIAL: [
        ("falldarstellung", _l("Falldarstellung (mit bisherigen Hilfen)")),
        ("genogramm", _l("Genogramm und Ressourcen")),
        ("fragestellung", _l("Fragestellung")),
        ("verstaendnisfragen", _l("Verständnisfragen")),
        ("ideenboerse", _l("Ideenbörse (Ressourcen im Sozialraum)")),
        ("hypothesen", _l("Hypothesen")),
        *_CLOSING,
    ],
    Method.CONSTELLATION: [
        ("falldarstellung", _l("Falldarstellung (mit bisherigen Hilfen)")),
        ("fragestellung", _l("Fragestellung")),
        ("aufstellung", _l("Aufstellung: Personen, Stellvertretungen, Positionen")),
        ("erleben", _l("Erleben der Stellvertretungen")),
        ("loesungsbild", _l("Veränderungen und Lösungsbild")),
        *_CLOSING,
    ],
    Method.PERSPECTIVE: [
        ("falldarstellung", _l("Falldarstellung (mit bisherigen Hilfen)")),
        ("fragestellung", _l("Fragestellung")),
        ("perspektiven", _l("Eingenommene Perspektiven")),
        ("sichtweisen", _l("Sichtweisen und Anliegen aus den Perspektiven")),
        ("erkenntnisse", _l("Erkenntnisse für die Fachkraft")),
        *_CLOSING,
    ],
    Method.ROLE_PLAY: [
        ("falldarstellung", _l("Falldarstellung (mit bisherigen Hilfen)")),
        ("fragestellung", _l("Fragestellung")),
        ("szene", _l("Gespielte Szene und Rollen")),
        ("verlauf", _l("Verlauf des Rollenspiels")),
        ("rueckmeldungen", _l("Rückmeldungen der Beteiligten")),
        *_CLOSING,
    ],
}

#: the longest text of one section
MAX_SECTION = 20000


def sections_for(method: str) -> list[tuple[str, Any]]:
    """The sections of a protocol of ``method`` (unknown methods: kollegiale Beratung)."""
    return SECTIONS.get(method, SECTIONS[Method.COLLEGIAL])


def canonical_content(item_id: str, method: str, sections: dict[str, str]) -> bytes:
    """The bytes the content hash is taken of: the method's sections in key order, the item
    and the method, as JSON with sorted keys and no spaces (UTF-8)."""
    keys = [key for key, _heading in sections_for(method)]
    document = {
        "item": str(item_id),
        "method": str(method),
        "sections": {key: (sections or {}).get(key, "") for key in keys},
    }
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def content_hash(item_id: str, method: str, sections: dict[str, str]) -> str:
    """SHA-256 (hex) of ``canonical_content``."""
    return hashlib.sha256(canonical_content(item_id, method, sections)).hexdigest()


def section_diff(old: str, new: str) -> list[tuple[str, str]]:
    """A readable line diff of one section: [(" " | "-" | "+", line)], unchanged lines
    included, so the reader sees each change in its place."""
    lines = difflib.ndiff((old or "").splitlines(), (new or "").splitlines())
    return [(line[0], line[2:]) for line in lines if line[:1] in (" ", "-", "+")]
