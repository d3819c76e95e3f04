"""Rules about characters in what people type: control characters and invisible characters.

Pure functions on strings (no Flask), used by the form validators of every field and by the
re-identification guard.
"""

from __future__ import annotations

import unicodedata

# Invisible letters and marks that are not "format" characters by category but render as
# nothing: Hangul fillers, the braille blank, the combining grapheme joiner.
_INVISIBLE_EXTRA = frozenset("\u115f\u1160\u3164\uffa0\u2800\u034f")


def is_invisible(char: str) -> bool:
    """Whether a character shows nothing: format characters (zero-width space and joiners,
    soft hyphen, direction marks, byte order mark) and invisible fillers."""
    return unicodedata.category(char) == "Cf" or char in _INVISIBLE_EXTRA


def is_control(char: str) -> bool:
    """Whether a character is a control character (NUL, CR, LF, TAB, ESC, DEL, C1 ...) or a
    line or paragraph separator (U+2028, U+2029), which break lines like LF."""
    return unicodedata.category(char) in ("Cc", "Zl", "Zp")


def invisible_characters(text: str) -> list[str]:
    """The invisible characters in text, by their Unicode names, each once."""
    return sorted({unicodedata.name(c, f"U+{ord(c):04X}") for c in text if is_invisible(c)})


def control_characters(text: str, *, multiline: bool = False) -> list[str]:
    """The control characters in text ("U+0000" ...), each once; line breaks (LF, CR LF, the
    line and paragraph separators) and tabs are allowed in multi-line text."""
    allowed = "\n\r\t\u2028\u2029" if multiline else ""
    return sorted({f"U+{ord(c):04X}" for c in text if is_control(c) and c not in allowed})
