"""Pure rules of the Fallprotokoll: its sections per method, the fixed statement on every
protocol, and the canonical content whose SHA-256 seals a finalised protocol."""

from __future__ import annotations

import difflib
import enum
import hashlib
import json
from typing import Any

from flask_babel import lazy_gettext as _l

from fallteam.consent.models import Purpose
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


class RiskLevel(enum.StrEnum):
    """The outcome of a §8a assessment (Gefährdungsgrad). The domain sources name no scale of
    their own; these are the three steps the ASD's Gefährdungseinschätzung commonly uses."""

    NONE = "keine"
    LATENT = "latent"
    ACUTE = "akut"


RISK_LEVEL_LABELS = {
    RiskLevel.NONE: _l("keine Kindeswohlgefährdung"),
    RiskLevel.LATENT: _l("latente Kindeswohlgefährdung (Gefährdungsrisiko)"),
    RiskLevel.ACUTE: _l("akute Kindeswohlgefährdung"),
}

#: the free-text fields of the §8a risk assessment, in the order of the assessment
RISK_FIELDS: list[tuple[str, Any]] = [
    ("anhaltspunkte", _l("Gewichtige Anhaltspunkte")),
    ("einschaetzung", _l("Einschätzung")),
    ("schutzmassnahmen", _l("Vereinbarte Schutzmaßnahmen")),
]

#: §8a Abs. 1 SGB VIII: the risk is assessed "im Zusammenwirken mehrerer Fachkräfte"
MIN_PROFESSIONALS = 2


def is_risk_assessment(purpose: str | None) -> bool:
    """Whether an item of ``purpose`` is a §8a Gefährdungseinschätzung (its protocol then
    carries the structured risk assessment)."""
    return purpose == Purpose.GEFAEHRDUNGSEINSCHAETZUNG


def empty_risk_assessment() -> dict[str, Any]:
    """A risk assessment with nothing filled in yet."""
    return {**{key: "" for key, _h in RISK_FIELDS}, "risk_level": "", "professionals": []}


def normalised_risk(risk: dict | None) -> dict[str, Any]:
    """The risk assessment in its canonical shape: every text field (a string), the level, and
    the professionals' ids as sorted strings without repeats."""
    risk = risk or {}
    document = {key: str(risk.get(key) or "") for key, _h in RISK_FIELDS}
    document["risk_level"] = str(risk.get("risk_level") or "")
    document["professionals"] = sorted({str(p) for p in risk.get("professionals") or []})
    return document


def canonical_content(
    item_id: str, method: str, sections: dict[str, str], risk: dict | None = None
) -> bytes:
    """The bytes the content hash is taken of: the method's sections in key order, the item
    and the method, as JSON with sorted keys and no spaces (UTF-8).

    A §8a protocol adds its risk assessment (``normalised_risk``) under the key
    ``"risk_assessment"``; every other protocol passes ``risk=None`` and its document has no
    such key, so hashes of protocols that carry no assessment are exactly what they were."""
    keys = [key for key, _heading in sections_for(method)]
    document: dict[str, Any] = {
        "item": str(item_id),
        "method": str(method),
        "sections": {key: (sections or {}).get(key, "") for key in keys},
    }
    if risk is not None:
        document["risk_assessment"] = normalised_risk(risk)
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def content_hash(
    item_id: str, method: str, sections: dict[str, str], risk: dict | None = None
) -> str:
    """SHA-256 (hex) of ``canonical_content``."""
    return hashlib.sha256(canonical_content(item_id, method, sections, risk)).hexdigest()


def team_canonical_content(document: dict[str, Any]) -> bytes:
    """The bytes a Teamprotokoll's hash is taken of: its document (built by
    ``queries.team_protocol_document``: the session, the agenda with times, attendance,
    writers and each Fallprotokoll's hash, the topics, the agreed Wiedervorlagen — each topic
    as ``"topic_sha256"``, the keyed HMAC-SHA256 of its text
    (``resubmissions.rules.topic_digest``), never the text —, the notes) as JSON with sorted
    keys and no spaces (UTF-8)."""
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def team_content_hash(document: dict[str, Any]) -> str:
    """SHA-256 (hex) of ``team_canonical_content``."""
    return hashlib.sha256(team_canonical_content(document)).hexdigest()


def section_diff(old: str, new: str) -> list[tuple[str, str]]:
    """A readable line diff of one section: [(" " | "-" | "+", line)], unchanged lines
    included, so the reader sees each change in its place."""
    lines = difflib.ndiff((old or "").splitlines(), (new or "").splitlines())
    return [(line[0], line[2:]) for line in lines if line[:1] in (" ", "-", "+")]
