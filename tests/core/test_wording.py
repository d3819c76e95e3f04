"""Professional German on every page: one term for a thing, no developer notes on screen.

The phrasings below were found in review; none may come back into a template or into the
application's code (where user-facing texts and messages live)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

#: (pattern, why it is wrong, what to write instead)
RETIRED = [
    (r"Schreibende", "who keeps the case protocol", "Protokollführung"),
    (r"\bausladen\b", "taking back an invitation", "Einladung zurücknehmen"),
    (r"Kind, um das es geht", "the child the case is about", "Indexkind"),
    (r"Rolle im Team", "the role label the team sees", "Bezeichnung im Team"),
    (
        r"die keine Schweigepflichtsentbindung erfasst",
        "ungrammatical",
        "Gästen, die von keiner Schweigepflichtsentbindung erfasst sind",
    ),
    (r"SGB VIII/XII", "outdated law", "Eingliederungshilfe (§ 35a SGB VIII / SGB IX)"),
    (r"SGB II mit belasteten", "unclear category", "SGB II – Belastungsfaktoren vermutet"),
    (r"Einwilligung", "two terms for one thing", "Schweigepflichtsentbindung"),
    (
        r"(Letzte|ersten|nächsten|nach der) Anmeldung\b|Anmeldung ist abgelaufen",
        "'Anmeldung' is registering a case for a session",
        "Einloggen",
    ),
    (r"\bfolgt\b|\bfolgen mit\b|Protokoll-Modul", "developer note on screen", "(nothing)"),
]


def _sources() -> list[Path]:
    templates = sorted((ROOT / "templates").rglob("*.html"))
    code = [p for p in sorted((ROOT / "fallteam").rglob("*.py")) if "translations" not in p.parts]
    return templates + code


@pytest.mark.parametrize(("pattern", "why", "instead"), RETIRED, ids=[r[2] for r in RETIRED])
def test_a_retired_phrasing_is_nowhere(pattern, why, instead):
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in _sources()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(pattern, line)
    ]
    assert found == [], f"{why}: write „{instead}“"
