"""Re-identification guard: find a case's own identity data in free text before others read it.

Free text that other participants will read (case background, presentation question,
protocol) must not name the family. Before such text is saved, :func:`identity_hits` compares
it with the case's decrypted identity data and returns every place that reveals a name, a birth
date or a street, with the role label to write instead. The guard only finds; what happens to
a hit (warning, confirmation) is the caller's decision.

All searching happens on a *folded* copy of the text: invisible characters (zero-width space,
soft hyphen, joiners) removed, compatibility forms normalised (NFKC: fullwidth and mathematical
letters, fullwidth digits), letters of other scripts that look like Latin letters replaced by
them (the confusables skeleton of Unicode TR 39, from ``confusable-homoglyphs``: Cyrillic "а",
Greek "Ι"), case-folded, umlauts spelt out (ä → ae, ß → ss), other accents dropped. That makes
"Müller", "Mueller", "MÜLLER", a decomposed "Mu\u0308ller", "Mü\u200bller", "Ｍüller" and
"Мüller" (Cyrillic М) the same word; every match is mapped back to offsets in the text as
written. Marks that show nothing on their own (variation selectors, enclosing circles) are
dropped too. Names are matched where letters that look alike in many fonts count as one (l, I,
ı, Cyrillic ӏ, Roman numeral Ⅰ, and the digits and signs 1, |, 0 used for l and o:
"HoIIerbach", "Ho11erbach", "H0llerbach"); dates and streets keep their digits. Names are also
found spelt out letter by letter ("M ü l l e r", "S.a.b.i.n.e"; a long name anywhere in a
spelt-out run, "H,o,l,l,e,r,b,a,c,h") and, when long, broken once between letters
("Holler-bach", "Holler bach").
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from confusable_homoglyphs.confusables import confusables_data

from fallteam.core.text import is_invisible


@dataclass(frozen=True)
class PersonIdentity:
    """The identity data of one family member, as stored (encrypted) with the case."""

    role_label: str  # e.g. "Mutter", "Kind 1 (7 J.)": what to write instead
    first_name: str | None = None
    last_name: str | None = None
    birth_date: datetime.date | None = None
    address: str | None = None  # free text, e.g. "Ahornweg 17, 14513 Teltow"


@dataclass(frozen=True)
class Hit:
    """One place in the checked text that reveals a person's identity."""

    start: int  # offsets into the checked text
    end: int
    found: str  # the text as written at that place
    kind: str  # "name" | "birth_date" | "street"
    suggestion: str  # the role label of the person to use instead


# A letter; digits and "_" are word characters but no letters ("Ben2" still ends "Ben").
_LETTER = r"[^\W\d_]"
_WORD_START = rf"(?<!{_LETTER})"
_WORD_END = rf"(?!{_LETTER})"

# Shorter names ("Jo", "Al") hide in too many words to be worth a warning.
_MIN_NAME = 3
# Only names this long are found at the start of a longer word ("Brandhorstfamilie"); short
# ones begin too many ordinary words ("Ben"/"benötigt", "Eva"/"Evaluation", "Kai"/"Kaiser").
_MIN_COMPOUND_NAME = 5
# Parts of multi-part names that are no name on their own; "von" or "das" alone would flag
# half of every German text.
_PARTICLES = frozenset(
    (
        "al bin da das de del della den der di do dos du el ibn la le "
        "ten ter van vom von zu zum zur"
    ).split()
)
# What may follow a name that stands as a whole word: genitive "Bens", "Ben's", "Max'".
_GENITIVE = re.compile(rf"(?:s|['’]s?)?{_WORD_END}")

# What may stand between the letters of a name spelt out letter by letter: "H o l l e r", "H.o.l",
# "H-o-l", "H . o"; at most three such characters between two letters.
_SPACER = r"[\s.\-_*·+/|]"
_SPACERS = rf"{_SPACER}{{1,3}}"
# A letter standing alone (not part of a word), as the letters of a spelt-out name do.
_LONE_LETTER = rf"(?<!{_LETTER}){_LETTER}"
# A spelt-out name is the whole spelt-out run: no lone letter before or after it ("a b e n d s"
# holds no "B e n"); Python's look-behind needs fixed widths, hence one per spacer count.
_SPACED_START = _WORD_START + "".join(rf"(?<!{_LONE_LETTER}{_SPACER * n})" for n in range(1, 4))
# After it, at most a spelt-out genitive "s" (not part of the hit), then no further lone letter.
_SPACED_END = rf"(?=(?:{_SPACERS}s)?(?!{_LETTER})(?!{_SPACERS}{_LETTER}(?!{_LETTER})))"


def _skeleton_map() -> dict[str, str]:
    """Letter of another script -> the Latin letter it looks like (Cyrillic "а" -> "a").

    Only letters that are neither ASCII nor accented Latin letters are mapped: accents are
    dropped by folding anyway, and "ä" must stay "ae". Digits are never mapped, so dates stay
    dates.
    """
    mapping = {}
    for char, glyphs in confusables_data.items():
        if len(char) != 1 or char.isascii() or not unicodedata.category(char).startswith("L"):
            continue
        if unicodedata.normalize("NFD", char)[0].isascii():
            continue
        latin = [g["c"] for g in glyphs if len(g["c"]) == 1 and g["c"].isascii()]
        latin = [c for c in latin if c.isalpha()]
        if not latin:
            continue
        # The table maps capital I and small l alike to "l" (they look the same in most fonts);
        # a capital (Greek "Ι") reads as "I".
        if latin[0] == "l" and char.isupper():
            latin[0] = "I"
        mapping[char] = latin[0]
    return mapping


_SKELETON = _skeleton_map()

# Latin letters with a stroke or a slash, which no decomposition reduces to their base letter,
# and small capitals ("ʜᴏʟʟᴇʀ"): the letter they are read as.
_STROKED = {"ł": "l", "ø": "o", "đ": "d", "ħ": "h", "ŧ": "t", "ƀ": "b", "ɨ": "i", "ꝋ": "o"}


def _small_capitals() -> dict[str, str]:
    mapping = {}
    for code in (*range(0x0250, 0x02B0), *range(0x1D00, 0x1D2C), *range(0xA730, 0xA780)):
        name = unicodedata.name(chr(code), "")
        prefix = "LATIN LETTER SMALL CAPITAL "
        if name.startswith(prefix) and len(name) == len(prefix) + 1:
            mapping[chr(code)] = name[-1].lower()
    return mapping


_STROKED.update(_small_capitals())

# Names are matched in two more folds, where letters that look alike in many fonts are one
# letter (the TR 39 skeleton maps them together; case folding has made capital I an i): l, I,
# i, dotless ı, Cyrillic ӏ and І, Roman numeral Ⅰ; the second fold also reads the digits and
# signs used for them as letters ("Ho11erbach", "Ho||erbach", "H0llerbach"). Dates and streets
# keep their digits.
_ALIKE_LETTERS = str.maketrans({"i": "l", "ı": "l"})
_ALIKE_SIGNS = str.maketrans({"i": "l", "ı": "l", "1": "l", "|": "l", "0": "o"})

# German month names and abbreviations, folded (März → maerz); longest first per month.
_MONTHS = (
    "januar|jaenner|jan",
    "februar|feber|feb",
    "maerz|maer|mrz",
    "april|apr",
    "mai",
    "juni|jun",
    "juli|jul",
    "august|aug",
    "september|sept|sep",
    "oktober|okt",
    "november|nov",
    "dezember|dez",
)

# The house number ends the street: "Karl-Marx-Straße 12a", "Am Markt 3-5". A number followed
# by a dot is an ordinal belonging to the name ("Straße des 17. Juni 5").
_HOUSE_NUMBER = re.compile(r"\s+\d+\s*[a-zA-Z]?(?:\s*[-/]\s*\d+\s*[a-zA-Z]?)?(?![\d.])")
# A folded street token ending in "Straße", "Strasse", "Str." or "Str".
_STREET_SUFFIX = re.compile(r"(.*?)str(?:asse|\.)?")
# A house number after a street in the text; optional, but part of the hit when present.
_NUMBER_AFTER_STREET = r"(?:\s*\d{1,4}[a-z]?(?![^\W_]))?"


@dataclass(frozen=True)
class _Folded:
    """Folded text plus, per folded character, the span of the original character(s)."""

    text: str
    starts: list[int]
    ends: list[int]

    def span(self, start: int, end: int) -> tuple[int, int]:
        return self.starts[start], self.ends[end - 1]

    def translate(self, table: dict[int, str]) -> _Folded:
        """The same text with single characters replaced (the offsets stay valid)."""
        return _Folded(self.text.translate(table), self.starts, self.ends)


def _plain(char: str) -> str:
    """One character without compatibility form or look-alike script: "Ｂ", "𝐁", "В" -> "b"."""
    plain = []
    # A look-alike as such first: NFKC turns the lunate sigma "ϲ" (a "c") into a sigma.
    for compatible in char if char in _SKELETON else unicodedata.normalize("NFKC", char):
        latin = _SKELETON.get(compatible) or _SKELETON.get(compatible.casefold(), compatible)
        latin = latin.casefold()
        plain.append(_STROKED.get(latin, latin))
    return "".join(plain)


def _fold(text: str) -> _Folded:
    """Drop invisible characters, normalise look-alikes, case-fold, spell out umlauts and drop
    other accents and every other mark (variation selectors, enclosing circles), keeping a map
    to the original."""
    chars: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    for index, char in enumerate(text):
        if is_invisible(char):
            continue  # "Brand\u200bhorst" is "Brandhorst"; a hit spans the character
        # Decomposing each character separately handles NFC and NFD input alike.
        for part in unicodedata.normalize("NFD", _plain(char)):
            if unicodedata.combining(part) or unicodedata.category(part) in ("Mn", "Me"):
                if part == "\u0308" and chars and chars[-1] in "aou":
                    part = "e"  # ü → ue, so "Müller" and "Mueller" meet
                else:
                    if ends:
                        ends[-1] = index + 1  # the accent belongs to the letter before it
                    continue
            chars.append(part)
            starts.append(index)
            ends.append(index + 1)
    return _Folded("".join(chars), starts, ends)


def _letters(word: str) -> int:
    return sum(char.isalpha() for char in unicodedata.normalize("NFC", word))


def _name_variants(name: str | None) -> set[str]:
    """The name as a whole and, for double names ("Anna-Lena", "Schmidt-Weber"), each part."""
    name = " ".join((name or "").split())
    parts = [part for part in re.split(r"[-\s]+", name) if part]
    variants = {name, *parts} if len(parts) > 1 else {name}
    return {v for v in variants if _letters(v) >= _MIN_NAME and _fold(v).text not in _PARTICLES}


def _name_key(name: str) -> str:
    """The name folded as names are matched: look-alike letters made one."""
    return _fold(name).text.translate(_ALIKE_LETTERS)


def _spaced_pattern(name: str) -> re.Pattern[str]:
    """The name spelt out letter by letter: "B r a n d h o r s t", "S.a.b.i.n.e".

    A short name is only the whole spelt-out run ("a b e n d s" holds no "B e n"); a long one
    is found anywhere in a run ("K a t r i n H o l l e r b a c h u n d"), with any spaces or
    punctuation between its letters ("H,o,l,l,e,r").
    """
    long_name = _letters(name) >= _MIN_COMPOUND_NAME
    inside, between = (r"[\W_]*", r"[\W_]+") if long_name else (f"(?:{_SPACERS})?", _SPACERS)
    letters = []
    for char in unicodedata.normalize("NFC", name):
        folded = _name_key(char)
        if folded.isalpha():
            # "ü" folds to "ue": spelt out as "ü" or as "u e"
            letters.append(inside.join(re.escape(c) for c in folded))
    if long_name:
        return re.compile(between.join(letters))
    return re.compile(_SPACED_START + between.join(letters) + _SPACED_END)


def _name_pattern(name: str) -> re.Pattern[str]:
    """The name as written, parts of a double name with hyphen, space or nothing between them;
    a long name also broken once between any two letters ("Holler-bach", "Holler bach")."""
    long_name = _letters(name) >= _MIN_COMPOUND_NAME
    inside = r"[-.\s·]?" if long_name else ""
    parts = [
        inside.join(re.escape(char) for char in part)
        for part in re.split(r"[-\s]+", _name_key(name))
        if part
    ]
    return re.compile(_WORD_START + r"[-\s]*".join(parts))


def _name_spans(folds: Sequence[_Folded], text: str, name: str) -> Iterator[tuple[int, int]]:
    pattern, spaced = _name_pattern(name), _spaced_pattern(name)
    long_name = _letters(name) >= _MIN_COMPOUND_NAME
    for folded in folds:
        for match in pattern.finditer(folded.text):
            start, end = folded.span(match.start(), match.end())
            whole_word = _GENITIVE.match(folded.text, match.end()) is not None
            # Inside a longer word, a long name counts only where written as names are written,
            # with a capital: "Brandhorstfamilie", "BRANDHORSTS", but not "kleine" for a Frau
            # Klein.
            if whole_word or (long_name and text[start].isupper()):
                yield start, end
        for match in spaced.finditer(folded.text):
            yield folded.span(match.start(), match.end())


def _date_pattern(date: datetime.date) -> re.Pattern[str]:
    """The date in the usual spellings: 3.4.2019, 03.04.19, 4/3/2019, 3. Apr. 2019, 2019-04-03."""
    day = rf"0?{date.day}" if date.day < 10 else str(date.day)
    month = rf"0?{date.month}" if date.month < 10 else str(date.month)
    year = rf"(?:{date.year}|{date.year % 100:02d})"
    numeric = rf"{day}\s*([./-])\s*{month}\s*\1\s*{year}"  # 3.4.2019, 3/4/2019, 03-04-2019
    written = rf"{day}\.?\s*(?:{_MONTHS[date.month - 1]}){_WORD_END}\.?\s*{year}"
    iso = rf"{date.year}-{month}-{day}"
    # No digit on either side, so 13.04.2019 or 3.4.2019 inside 3.4.20190 is another date.
    return re.compile(rf"(?<!\d)(?:{numeric}|{written}|{iso})(?!\d)")


def _street_name(address: str | None) -> str | None:
    """The street of a free-text address: "Ahornweg 17, 14513 Teltow" → "Ahornweg"."""
    for segment in re.split(r"[,;\n]", address or ""):
        segment = segment.strip()
        if segment and not segment[0].isdigit():  # skip "14513 Teltow"
            street = _HOUSE_NUMBER.split(segment, maxsplit=1)[0].strip()
            return street if _letters(street) >= _MIN_NAME else None
    return None


def _street_pattern(street: str) -> re.Pattern[str]:
    parts = []
    for token in re.split(r"[-\s]+", _fold(street).text):
        suffix = _STREET_SUFFIX.fullmatch(token)
        if suffix:  # Straße, Strasse, Str. and Str are one street ("Hauptstr." = "Hauptstraße")
            stem = re.escape(suffix[1]) + r"[-\s]?" if suffix[1] else ""
            parts.append(rf"{stem}str(?:asse|\.)?")
        elif token:
            parts.append(re.escape(token))
    body = r"[-\s]*".join(parts)
    return re.compile(rf"{_WORD_START}{body}{_WORD_END}{_NUMBER_AFTER_STREET}")


def _candidates(text: str, persons: Sequence[PersonIdentity]) -> Iterator[Hit]:
    folded = _fold(text)
    name_folds = (folded.translate(_ALIKE_LETTERS), folded.translate(_ALIKE_SIGNS))

    def hit(start: int, end: int, kind: str, person: PersonIdentity) -> Hit:
        return Hit(start, end, text[start:end], kind, person.role_label)

    for person in persons:
        for name in (person.first_name, person.last_name):
            for variant in _name_variants(name):
                for start, end in _name_spans(name_folds, text, variant):
                    yield hit(start, end, "name", person)
        if person.birth_date is not None:
            for match in _date_pattern(person.birth_date).finditer(folded.text):
                yield hit(*folded.span(*match.span()), "birth_date", person)
        street = _street_name(person.address)
        if street:
            for match in _street_pattern(street).finditer(folded.text):
                yield hit(*folded.span(*match.span()), "street", person)


def identity_hits(text: str, persons: Sequence[PersonIdentity]) -> list[Hit]:
    """All places in text that reveal one of the persons' names, birth dates or street names;
    sorted by start, no overlaps.

    Of overlapping hits the longer one is kept ("Schmidt-Weber" rather than "Schmidt"); of equal
    ones the first person's, so a street shared by the family suggests the first role listed.
    """
    kept: list[Hit] = []
    # sorted() is stable: among hits of equal length and start, the first person's stays first.
    for candidate in sorted(_candidates(text, persons), key=lambda h: (h.start - h.end, h.start)):
        if all(candidate.end <= h.start or h.end <= candidate.start for h in kept):
            kept.append(candidate)
    return sorted(kept, key=lambda h: h.start)
