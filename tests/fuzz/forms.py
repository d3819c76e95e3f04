"""What the form fuzzer knows about forms: the fields a route's forms have (found by watching
which forms the route builds), a valid value for each, and hostile values by field type."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from urllib.parse import quote_from_bytes

from hypothesis import strategies as st
from wtforms import (
    BooleanField,
    DateField,
    DateTimeField,
    DecimalField,
    EmailField,
    FieldList,
    FloatField,
    FormField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectField,
    SelectMultipleField,
    SubmitField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import NumberRange

from tests.documents import valid_pdf


@dataclass(frozen=True)
class FieldSpec:
    """One input of a form: its name, what kind of input it is, the offered choices and a
    value (or values) a person could well send; ``None``: sent only when set (checkbox)."""

    name: str
    kind: str
    choices: tuple[str, ...] = ()
    valid: tuple[str, ...] | None = ()


def _choices(field) -> tuple[str, ...]:
    return tuple(str(choice[0]) for choice in field.iter_choices())


def _number(field) -> str:
    if field.data is not None:
        return str(field.data)
    for validator in field.validators:
        if isinstance(validator, NumberRange) and validator.min is not None:
            return str(validator.min)
    return "1"


def _spec(field, password: str) -> FieldSpec | None:
    """The spec of a plain field (``None`` for the CSRF token)."""
    if field.type == "CSRFTokenField":
        return None
    name = field.name
    if isinstance(field, SubmitField):
        return FieldSpec(name, "submit", valid=("y",))
    if isinstance(field, BooleanField):
        return FieldSpec(name, "boolean", valid=("y",) if field.data else None)
    if isinstance(field, SelectMultipleField):
        choices = _choices(field)
        chosen = tuple(str(v) for v in field.data or ()) or choices[:1]
        return FieldSpec(name, "multi", choices, chosen)
    if isinstance(field, SelectField | RadioField):
        choices = _choices(field)
        current = "" if field.data is None else str(field.data)
        offered = [c for c in choices if c]
        chosen = current if current in choices and current else (offered or [""])[0]
        return FieldSpec(name, "select", choices, (chosen,))
    if isinstance(field, TimeField):
        return FieldSpec(name, "time", valid=(field._value() or "09:00",))
    if isinstance(field, DateTimeField):
        return FieldSpec(name, "datetime", valid=(field._value() or "2027-01-06T09:00",))
    if isinstance(field, DateField):
        return FieldSpec(name, "date", valid=(field._value() or date.today().isoformat(),))
    if isinstance(field, IntegerField | DecimalField | FloatField):
        return FieldSpec(name, "number", valid=(_number(field),))
    if field.type in ("FileField", "MultipleFileField"):
        return FieldSpec(name, "file", valid=("pdf",))
    if isinstance(field, PasswordField):
        # the account's own password confirms; a new one is strong enough and repeated
        own = "new" not in name and "confirm" not in name
        return FieldSpec(name, "password", valid=(password if own else "Neues-Kennwort-77-fuzz",))
    if isinstance(field, EmailField):
        return FieldSpec(name, "email", valid=(field._value() or "fuzz@example.org",))
    if isinstance(field, TextAreaField):
        return FieldSpec(name, "multiline", valid=(field._value() or "Ein Text.",))
    return FieldSpec(name, "text", valid=(field._value() or "Text",))


def field_specs(forms, password: str) -> list[FieldSpec]:
    """Every input of these forms (sub-forms and list rows included), once per name."""
    specs: dict[str, FieldSpec] = {}

    def walk(fields) -> None:
        for field in fields:
            if isinstance(field, FormField):
                walk(field.form)
            elif isinstance(field, FieldList):
                for entry in field.entries:
                    walk(entry.form if isinstance(entry, FormField) else [entry])
            else:
                spec = _spec(field, password)
                if spec is not None and spec.name not in specs:
                    specs[spec.name] = spec

    for form in forms:
        walk(form)
    return list(specs.values())


# --- hostile values --------------------------------------------------------------------

#: characters that have broken applications: NUL and other controls, direction overrides,
#: zero-width and byte-order marks, line separators, combining marks, astral characters
NASTY = [
    "\x00",
    "\x1f",
    "\x7f",
    "\x85",
    "\u202e",
    "\u200b",
    "\ufeff",
    "\u2028",
    "\r\n",
    "\t",
    "e\u0301",
    "\U0001f600",
    "\ufffd",
    "'",
    '"',
    "<script>",
    "%00",
    "../",
]

#: bytes that are no UTF-8: a lone surrogate as CESU/WTF-8 writes it, a cut sequence, an
#: overlong slash, a byte that never starts a character
INVALID_UTF8 = [b"\xed\xa0\x80", b"\xc3", b"\xc0\xaf", b"\xff", b"abc\x80def"]

texts = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)
nasty_texts = st.lists(st.one_of(st.sampled_from(NASTY), texts), min_size=1, max_size=6).map(
    "".join
)
huge = st.sampled_from(["x", "ä", "\x00", "1", "A\u202e"]).map(lambda c: c * 100_000)
wrong_types = st.sampled_from(
    [
        "",
        " ",
        "abc",
        "-1",
        "0",
        "1e309",
        "NaN",
        "inf",
        "99999999999999999999999",
        "2024-13-45",
        "0000-00-00",
        "9999-12-31",
        "0001-01-01",
        "31.12.2024",
        "25:61",
        "00000000-0000-0000-0000-000000000000",
        "not-a-uuid",
        "true",
        "[]",
        "{}",
        "None",
    ]
)


def hostile(spec: FieldSpec):
    """Values a field was not made for: garbage of every kind, and for choices ones that
    are not offered."""
    options = [nasty_texts, huge, wrong_types, texts]
    if spec.choices:
        options.append(st.sampled_from(["zzz", "0", "-1", str(len(spec.choices))]))
    return st.one_of(*options)


def raw_bytes() -> st.SearchStrategy[bytes]:
    """A value that is not UTF-8 at all."""
    return st.sampled_from(INVALID_UTF8)


def urlencoded(pairs: list[tuple[str, str | bytes]]) -> bytes:
    """An ``application/x-www-form-urlencoded`` body, bytes values sent as they are."""

    def enc(value: str | bytes) -> str:
        raw = value if isinstance(value, bytes) else value.encode("utf-8")
        return quote_from_bytes(raw, safe="")

    return "&".join(f"{enc(k)}={enc(v)}" for k, v in pairs).encode("ascii")


def valid_upload() -> bytes:
    """A document the upload accepts."""
    return valid_pdf()
