"""Rules about characters in what people type: control characters and invisible characters.

Pure functions on strings (no Flask), used by the form validators of every field and by the
re-identification guard.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from functools import cache

# Unicode's Default_Ignorable_Code_Point property (DerivedCoreProperties.txt; the standard
# library has no access to it): characters that render as nothing. Beside format characters
# these are the combining grapheme joiner, Hangul fillers, Khmer inherent vowels, Mongolian and
# other variation selectors, tag characters and unassigned ignorable code points.
_DEFAULT_IGNORABLE = (
    (0x00AD, 0x00AD),
    (0x034F, 0x034F),
    (0x061C, 0x061C),
    (0x115F, 0x1160),
    (0x17B4, 0x17B5),
    (0x180B, 0x180F),
    (0x200B, 0x200F),
    (0x202A, 0x202E),
    (0x2060, 0x206F),
    (0x3164, 0x3164),
    (0xFE00, 0xFE0F),
    (0xFEFF, 0xFEFF),
    (0xFFA0, 0xFFA0),
    (0xFFF0, 0xFFF8),
    (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A),
    (0xE0000, 0xE0FFF),
)
# Not default-ignorable but just as blank: the braille pattern without dots.
_INVISIBLE_EXTRA = frozenset("\u2800")


def is_invisible(char: str) -> bool:
    """Whether a character shows nothing: format characters (zero-width space and joiners,
    soft hyphen, direction marks and overrides, byte order mark), every other
    default-ignorable character (variation selectors, fillers, tags) and the braille blank."""
    if unicodedata.category(char) == "Cf" or char in _INVISIBLE_EXTRA:
        return True
    code = ord(char)
    return any(low <= code <= high for low, high in _DEFAULT_IGNORABLE)


def is_control(char: str) -> bool:
    """Whether a character is a control character (NUL, CR, LF, TAB, ESC, DEL, C1 ...), a
    line or paragraph separator (U+2028, U+2029), which break lines like LF, or half of a
    surrogate pair on its own (JSON can spell one, ``"\\ud800"``; it is no character and
    cannot be encoded to be stored or shown)."""
    return unicodedata.category(char) in ("Cc", "Zl", "Zp", "Cs")


# Every form's every text field is checked, the sign-in form's too, so the checks run as one
# regular expression over the text: a look-up per character in Python made 16 MB of text
# (the largest request) cost a worker minutes.

#: the characters ``is_control`` names: Cc (U+0000–U+001F, U+007F–U+009F), Zl, Zp, Cs
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")


@cache
def _invisible() -> re.Pattern:
    """The characters ``is_invisible`` names, as one character class of ranges (built on
    first use from this Python's Unicode data; a class of ranges is fast to match)."""
    codes = {c for c in range(sys.maxunicode + 1) if unicodedata.category(chr(c)) == "Cf"}
    codes.update(c for low, high in _DEFAULT_IGNORABLE for c in range(low, high + 1))
    codes.update(map(ord, _INVISIBLE_EXTRA))
    ranges: list[list[int]] = []
    for code in sorted(codes):
        if ranges and ranges[-1][1] == code - 1:
            ranges[-1][1] = code
        else:
            ranges.append([code, code])
    return re.compile(
        "[" + "".join(f"{re.escape(chr(low))}-{re.escape(chr(high))}" for low, high in ranges) + "]"
    )


def invisible_characters(text: str) -> list[str]:
    """The invisible characters in text, by their Unicode names, each once."""
    if text.isascii():  # no ASCII character is invisible
        return []
    found = set(_invisible().findall(text))
    return sorted({unicodedata.name(c, f"U+{ord(c):04X}") for c in found})


def control_characters(text: str, *, multiline: bool = False) -> list[str]:
    """The control characters in text ("U+0000" ...), each once; line breaks (LF, CR LF, the
    line and paragraph separators) and tabs are allowed in multi-line text."""
    found = set(_CONTROL.findall(text))
    if multiline:
        found -= set("\n\r\t\u2028\u2029")
    return sorted(f"U+{ord(c):04X}" for c in found)


#: characters Windows or a shell would read as part of a path or a command
_UNSAFE_IN_FILE_NAMES = frozenset('<>:"|?*')
_MAX_FILE_NAME = 200
_MAX_EXTENSION = 10


def safe_file_name(name: str | None, default: str = "Dokument") -> str:
    """An uploaded file's name as it may be stored and shown: the base name only (no folders),
    without control, line-break, direction-override and invisible characters, with characters
    that mean something to file systems replaced by "_", at most 200 characters (the extension
    kept); ``default`` if nothing is left."""
    name = unicodedata.normalize("NFC", name or "")
    name = "".join(c for c in name if not (is_control(c) or is_invisible(c)))
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join("_" if c in _UNSAFE_IN_FILE_NAMES else c for c in name)
    name = " ".join(name.split()).strip(" .")
    stem, dot, extension = name.rpartition(".")
    if not (dot and stem and extension.isalnum() and len(extension) <= _MAX_EXTENSION):
        stem, extension = name, ""
    suffix = f".{extension}" if extension else ""
    stem = stem[: _MAX_FILE_NAME - len(suffix)].rstrip(" .")
    return f"{stem}{suffix}" if stem else default
