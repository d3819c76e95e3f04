"""The English catalogue is complete: every German text shown has its translation."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "fallteam/translations/en/LC_MESSAGES/messages.po"


def test_every_message_is_translated():
    with CATALOGUE.open("rb") as fh:
        catalogue = read_po(fh)
    missing = [m.id for m in catalogue if m.id and (not m.string or m.fuzzy)]
    assert missing == []


def test_the_catalogue_covers_every_text_in_code_and_templates():
    keywords = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}
    found = set()
    for folder, method in (("fallteam", "python"), ("templates", "jinja2")):
        pattern = "**.py" if method == "python" else "**.html"
        for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT / folder, method_map=[(pattern, method)], keywords=keywords
        ):
            found.add(message if isinstance(message, str) else message[0])
    with CATALOGUE.open("rb") as fh:
        translated = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(fh) if m.id}
    assert found - translated == set(), "run `make messages` and translate the new entries"
