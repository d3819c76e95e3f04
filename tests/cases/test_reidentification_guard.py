"""The re-identification guard: free text is checked against the case's own identity data
before others read it. Each table row is one rule, with the exact hits expected."""

from __future__ import annotations

import unicodedata
from datetime import date

import pytest

from fallteam.cases.guard import Hit, PersonIdentity, identity_hits

FAMILY = [
    PersonIdentity(
        "Mutter", "Sabine", "Brandhorst", date(1988, 11, 23), "Ahornweg 17, 14513 Teltow"
    ),
    PersonIdentity(
        "Kind 1 (7 J.)", "Ben", "Brandhorst", date(2019, 4, 3), "Ahornweg 17, 14513 Teltow"
    ),
    PersonIdentity("Kind 2 (4 J.)", "Anna-Lena", "Schmidt-Weber", date(2021, 12, 9)),
    PersonIdentity(
        "Vater", "Jürgen", "Müller", date(1985, 3, 14), "Karl-Marx-Straße 12a, 10243 Berlin"
    ),
    PersonIdentity("Großmutter", "Eva", "Weiß", None, "Am Markt 3, 14532 Kleinmachnow"),
    PersonIdentity("Tante", "Ines", "Kraft", None, "Hauptstr. 5, 14469 Potsdam"),
    PersonIdentity("Stiefvater", "Udo", "Rose"),
    PersonIdentity("Onkel", "Kai", "von Bergen"),
    PersonIdentity("Cousin", "Tim"),
    PersonIdentity("Cousine", "Jo"),
    PersonIdentity("Patin", "Katrin", "Hollerbach", date(1985, 3, 4)),
]

NAME, BIRTH, STREET = "name", "birth_date", "street"

RULES = [
    # --- names: whole words, any case, umlauts either way ---
    ("a first name is flagged", "Sabine kam pünktlich.", {(NAME, "Sabine")}),
    ("a last name is flagged", "Frau Brandhorst berichtet.", {(NAME, "Brandhorst")}),
    (
        "first and last name are two hits",
        "Sabine Brandhorst",
        {(NAME, "Sabine"), (NAME, "Brandhorst")},
    ),
    (
        "case does not matter",
        "BRANDHORST und brandhorst",
        {(NAME, "BRANDHORST"), (NAME, "brandhorst")},
    ),
    ("ü written as ue is the same name", "Herr Mueller rief an.", {(NAME, "Mueller")}),
    ("umlaut spelt out in a first name is the same name", "Juergen", {(NAME, "Juergen")}),
    ("capital umlauts are the same name", "MÜLLER", {(NAME, "MÜLLER")}),
    ("ß written as ss is the same name", "Frau Weiss", {(NAME, "Weiss")}),
    (
        "a decomposed umlaut (NFD) is the same name",
        unicodedata.normalize("NFD", "Herr Müller"),
        {(NAME, unicodedata.normalize("NFD", "Müller"))},
    ),
    # --- names inside longer words ---
    (
        "a long name with genitive or plural -s is flagged",
        "Brandhorsts Wohnung",
        {(NAME, "Brandhorst")},
    ),
    (
        "a long name at the start of a compound is flagged",
        "Die Brandhorstfamilie",
        {(NAME, "Brandhorst")},
    ),
    ("a long name after a hyphen is flagged", "die Familie-Brandhorst", {(NAME, "Brandhorst")}),
    (
        "a part of a double last name is flagged with its genitive",
        "Schmidts Tochter",
        {(NAME, "Schmidt")},
    ),
    ("a long name inside a lowercase word is an ordinary word", "kraftvoll und klar", set()),
    ("a long name with capital inside a compound is flagged", "Krafts Wohnung", {(NAME, "Kraft")}),
    ("a name ending another word is not flagged", "Sie macht Budo.", set()),
    # --- short names ---
    ("a short name as a whole word is flagged", "Ben benötigt Hilfe.", {(NAME, "Ben")}),
    ("a short name keeps its genitive -s", "Bens Schule", {(NAME, "Ben")}),
    ("a short first name at the start of a longer word is not flagged", "Die Evaluation", set()),
    ("Kai is not found in Kaiser", "Kaiserschnitt", set()),
    ("Tim is not found in Timing", "Das Timing stimmt.", set()),
    ("a short last name in a longer word is not flagged", "Rosen und Rosemarie", set()),
    ("a short last name as a whole word is flagged", "Herr Rose", {(NAME, "Rose")}),
    ("a short name spelt with ß is still short", "eine weiße Wand", set()),
    ("names shorter than three letters are ignored", "Jo kam mit Jojo.", set()),
    ("name particles alone are no names", "von der Schule", set()),
    ("a name with a particle is flagged as a whole", "Herr von Bergen", {(NAME, "von Bergen")}),
    # --- double names ---
    ("a double first name is one hit", "Anna-Lena malt.", {(NAME, "Anna-Lena")}),
    ("a double name written with a space is one hit", "Anna Lena malt.", {(NAME, "Anna Lena")}),
    ("a part of a double first name is flagged", "Lena malt.", {(NAME, "Lena")}),
    ("a double last name is one hit", "Familie Schmidt-Weber", {(NAME, "Schmidt-Weber")}),
    # --- birth dates ---
    ("a birth date d.m.yyyy is flagged", "geb. 3.4.2019", {(BIRTH, "3.4.2019")}),
    ("a birth date dd.mm.yyyy is flagged", "geb. 03.04.2019", {(BIRTH, "03.04.2019")}),
    ("a birth date d.m.yy is flagged", "geb. 3.4.19", {(BIRTH, "3.4.19")}),
    ("a birth date dd.mm.yy is flagged", "geb. 03.04.19", {(BIRTH, "03.04.19")}),
    ("spaces after the dots do not matter", "geb. 03. 04. 2019", {(BIRTH, "03. 04. 2019")}),
    ("a birth date with month name is flagged", "geb. 3. April 2019", {(BIRTH, "3. April 2019")}),
    (
        "a birth date with abbreviated month is flagged",
        "geb. 3. Apr. 2019",
        {(BIRTH, "3. Apr. 2019")},
    ),
    (
        "a birth date with padded day and month name is flagged",
        "03. April 2019",
        {(BIRTH, "03. April 2019")},
    ),
    ("an ISO birth date is flagged", "2019-04-03", {(BIRTH, "2019-04-03")}),
    (
        "März may be written Maerz",
        "14. März 1985, 14. Maerz 1985",
        {(BIRTH, "14. März 1985"), (BIRTH, "14. Maerz 1985")},
    ),
    ("a two-digit day and month are flagged", "23.11.1988", {(BIRTH, "23.11.1988")}),
    ("another year is another date", "am 3.4.2020", set()),
    ("day and month swapped is another date", "am 4.3.2019 und 2019-03-04", set()),
    ("a longer day is another date", "am 13.04.2019", set()),
    ("a longer year is not the birth date", "Az. 3.4.20190", set()),
    ("another month name is another date", "am 3. März 2019", set()),
    # --- streets ---
    ("a street without number is flagged", "wohnt im Ahornweg", {(STREET, "Ahornweg")}),
    (
        "a street with number is flagged with its number",
        "Ahornweg 17 in Teltow",
        {(STREET, "Ahornweg 17")},
    ),
    ("a street of several words is flagged", "Treffen am Markt 3", {(STREET, "am Markt 3")}),
    (
        "Straße written Str. is the same street",
        "Karl-Marx-Str. 12a",
        {(STREET, "Karl-Marx-Str. 12a")},
    ),
    (
        "Straße written Strasse is the same street",
        "Karl-Marx-Strasse",
        {(STREET, "Karl-Marx-Strasse")},
    ),
    ("Str. stored, Straße written", "Hauptstraße 5", {(STREET, "Hauptstraße 5")}),
    ("Str. stored, Str written without dot", "Hauptstr 5", {(STREET, "Hauptstr 5")}),
    ("part of a street name is no street", "Ahorn, Marktplatz und Karl Marx", set()),
    ("a longer word beginning like the street is no street", "Hauptstrassenfest", set()),
    # --- attacks: invisible characters, look-alikes, spaced-out letters ---
    (
        "a zero-width space inside a name does not hide it",
        "Frau Brand\u200bhorst",
        {(NAME, "Brand\u200bhorst")},
    ),
    ("a soft hyphen inside a name does not hide it", "Sa\u00adbine", {(NAME, "Sa\u00adbine")}),
    (
        "a word joiner inside a short name does not hide it",
        "B\u2060en kam",
        {(NAME, "B\u2060en")},
    ),
    (
        "a name in fullwidth letters is flagged",
        "Ｂｒａｎｄｈｏｒｓｔ",
        {(NAME, "Ｂｒａｎｄｈｏｒｓｔ")},
    ),
    ("a name in mathematical letters is flagged", "𝐒𝐚𝐛𝐢𝐧𝐞", {(NAME, "𝐒𝐚𝐛𝐢𝐧𝐞")}),
    (
        "a name with Cyrillic look-alike letters is flagged",
        "Frau Brаndhоrst",  # Cyrillic а and о
        {(NAME, "Brаndhоrst")},
    ),
    ("a short name written in Cyrillic capitals is flagged", "ВЕN", {(NAME, "ВЕN")}),
    ("a Greek look-alike letter does not hide a name", "Ιnes", {(NAME, "Ιnes")}),
    (
        "a name with spaced-out letters is flagged",
        "Familie B r a n d h o r s t",
        {(NAME, "B r a n d h o r s t")},
    ),
    ("a short name spaced out is flagged", "B e n kommt", {(NAME, "B e n")}),
    ("a name spelt with dots between letters is flagged", "S.a.b.i.n.e", {(NAME, "S.a.b.i.n.e")}),
    ("an umlaut name spaced out is flagged", "M ü l l e r", {(NAME, "M ü l l e r")}),
    (
        "a spaced name with a zero-width joiner is flagged",
        "K r\u200d a f t",
        {(NAME, "K r\u200d a f t")},
    ),
    (
        "a birth date in fullwidth digits is flagged",
        "geb. ３.４.２０１９",
        {(BIRTH, "３.４.２０１９")},
    ),
    ("spaced letters inside a longer spaced word are no name", "a b e n d s", set()),
    ("an abbreviation with spaced letters is no name", "z. B. e. V. u. a.", set()),
    # --- attacks: letters and digits that look like l, I and o ---
    ("a capital I for small l does not hide a name", "Frau HoIIerbach", {(NAME, "HoIIerbach")}),
    (
        "Cyrillic palochka and shha do not hide a name",
        "Frau Ho\u04cf\u04cferbac\u04ba",
        {(NAME, "Ho\u04cf\u04cferbac\u04ba")},
    ),
    (
        "a Ukrainian I does not hide a name",
        "Ho\u0406\u0406erbach",
        {(NAME, "Ho\u0406\u0406erbach")},
    ),
    (
        "a Roman numeral one does not hide a name",
        "Ho\u2160\u2160erbach",
        {(NAME, "Ho\u2160\u2160erbach")},
    ),
    ("a dotless i does not hide a name", "Ho\u0131\u0131erbach", {(NAME, "Ho\u0131\u0131erbach")}),
    ("a dotless i in a first name does not hide it", "Katr\u0131n kam", {(NAME, "Katr\u0131n")}),
    ("vertical bars for l do not hide a name", "Ho||erbach", {(NAME, "Ho||erbach")}),
    ("the digit one for l does not hide a name", "Ho11erbach", {(NAME, "Ho11erbach")}),
    ("the digit zero for o does not hide a name", "H0llerbach", {(NAME, "H0llerbach")}),
    ("a house number is no name", "Zimmer 101, Ahornweg 17", {(STREET, "Ahornweg 17")}),
    # --- attacks: invisible marks ---
    (
        "a variation selector does not hide a name",
        "Holl\ufe0ferbach",
        {(NAME, "Holl\ufe0ferbach")},
    ),
    (
        "a supplementary variation selector does not hide a name",
        "Holl\U000e0100erbach",
        {(NAME, "Holl\U000e0100erbach")},
    ),
    (
        "a Mongolian variation selector does not hide a name",
        "Holl\u180berbach",
        {(NAME, "Holl\u180berbach")},
    ),
    (
        "a Khmer inherent vowel does not hide a name",
        "Holl\u17b4erbach",
        {(NAME, "Holl\u17b4erbach")},
    ),
    (
        "a combining enclosing circle does not hide a name",
        "Holl\u20dderbach",
        {(NAME, "Holl\u20dderbach")},
    ),
    # --- attacks: names spelt out or broken ---
    (
        "first and last name spelt out in one run are both flagged",
        "K a t r i n H o l l e r b a c h kam",
        {(NAME, "K a t r i n"), (NAME, "H o l l e r b a c h")},
    ),
    (
        "a lone letter before a spelt-out long name does not hide it",
        "x H o l l e r b a c h",
        {(NAME, "H o l l e r b a c h")},
    ),
    (
        "a spelt-out word after a spelt-out long name does not hide it",
        "H o l l e r b a c h u n d",
        {(NAME, "H o l l e r b a c h")},
    ),
    (
        "a long name spelt out with commas is flagged",
        "H,o,l,l,e,r,b,a,c,h",
        {(NAME, "H,o,l,l,e,r,b,a,c,h")},
    ),
    (
        "a long name spelt out with four spaces is flagged",
        "H    o    l    l    e    r    b    a    c    h",
        {(NAME, "H    o    l    l    e    r    b    a    c    h")},
    ),
    ("a long name broken by a hyphen is flagged", "Frau Holler-bach kam", {(NAME, "Holler-bach")}),
    ("a long name broken by a dot is flagged", "Frau Holler.bach kam", {(NAME, "Holler.bach")}),
    ("a long name broken by a space is flagged", "Frau Holler bach kam", {(NAME, "Holler bach")}),
    ("a birth date with hyphens is flagged", "geb. 04-03-1985", {(BIRTH, "04-03-1985")}),
    ("a birth date with slashes is flagged", "geb. 4/3/1985", {(BIRTH, "4/3/1985")}),
    # --- everything at once ---
    (
        "all kinds in one text",
        "Ben Brandhorst (3.4.2019), Ahornweg 17",
        {(NAME, "Ben"), (NAME, "Brandhorst"), (BIRTH, "3.4.2019"), (STREET, "Ahornweg 17")},
    ),
    ("a pseudonymised text has no hits", "Kind 1 (7 J.) lebt bei der Mutter in Teltow.", set()),
]


@pytest.mark.parametrize(
    ("text", "expected"), [row[1:] for row in RULES], ids=[row[0] for row in RULES]
)
def test_rule(text, expected):
    hits = identity_hits(text, FAMILY)
    assert {(hit.kind, hit.found) for hit in hits} == expected
    assert len(hits) == len(expected)
    for hit in hits:
        assert text[hit.start : hit.end] == hit.found


def test_hits_are_sorted_by_offset_and_do_not_overlap():
    text = "Anna-Lena Schmidt-Weber, geb. 9. Dezember 2021, Großmutter Eva"
    hits = identity_hits(text, FAMILY)
    assert [(hit.start, hit.end) for hit in hits] == [(0, 9), (10, 23), (30, 46), (59, 62)]
    assert [hit.kind for hit in hits] == [NAME, NAME, BIRTH, NAME]


def test_a_hit_suggests_the_role_label_of_its_person():
    hits = identity_hits("Jürgen holt Ben ab, geb. 23.11.1988", FAMILY)
    assert [(hit.found, hit.suggestion) for hit in hits] == [
        ("Jürgen", "Vater"),
        ("Ben", "Kind 1 (7 J.)"),
        ("23.11.1988", "Mutter"),
    ]


def test_a_shared_street_or_last_name_suggests_the_first_person_listed():
    hits = identity_hits("Brandhorst, Ahornweg", FAMILY)
    assert [hit.suggestion for hit in hits] == ["Mutter", "Mutter"]


def test_offsets_point_into_the_text_as_written_even_when_decomposed():
    text = unicodedata.normalize("NFD", "Frau Weiß und Herr Müller")
    (weiss, mueller) = identity_hits(text, FAMILY)
    assert (weiss.start, weiss.end) == (5, 9)
    assert mueller.found == unicodedata.normalize("NFD", "Müller")
    assert mueller.end == len(text)


def test_a_decomposed_name_in_the_identity_data_is_found_in_composed_text():
    person = PersonIdentity("Mutter", last_name=unicodedata.normalize("NFD", "Jäger"))
    assert [hit.found for hit in identity_hits("Frau Jäger", [person])] == ["Jäger"]


def test_a_person_without_identity_data_and_an_empty_text_give_no_hits():
    assert identity_hits("Mutter und Kind 1 (7 J.)", [PersonIdentity("Mutter")]) == []
    assert identity_hits("", FAMILY) == []


def test_a_hit_is_a_value():
    assert identity_hits("Ben", FAMILY) == [Hit(0, 3, "Ben", NAME, "Kind 1 (7 J.)")]
