"""Retention classes as configured in ``security/retention.toml``.

Pure rules: the file is read once per process; nothing here touches the database.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

RETENTION_PATH = Path(__file__).resolve().parent.parent.parent / "security" / "retention.toml"

APPLIES_TO = ("case", "team_protocol", "consent")
BASES = ("closed", "session", "birthday", "with_case")


@dataclass(frozen=True)
class RetentionClass:
    """One retention class: what it covers, from when and how long it is kept, and why."""

    key: str
    label: str
    applies_to: str
    basis: str
    legal_basis: str
    years: int | None = None
    categories: tuple[str, ...] = ()


class RetentionConfigError(ValueError):
    """``security/retention.toml`` is not usable; the message says where."""


def _parse(key: str, raw: dict) -> RetentionClass:
    try:
        item = RetentionClass(
            key=key,
            label=str(raw["label"]),
            applies_to=str(raw["applies_to"]),
            basis=str(raw["basis"]),
            legal_basis=str(raw["legal_basis"]),
            years=int(raw["years"]) if "years" in raw else None,
            categories=tuple(str(c) for c in raw.get("categories", ())),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise RetentionConfigError(f"Aufbewahrungsklasse {key!r}: {exc}") from exc
    if item.applies_to not in APPLIES_TO:
        raise RetentionConfigError(f"Aufbewahrungsklasse {key!r}: applies_to {item.applies_to!r}")
    if item.basis not in BASES:
        raise RetentionConfigError(f"Aufbewahrungsklasse {key!r}: basis {item.basis!r}")
    if item.basis != "with_case" and (item.years is None or item.years <= 0):
        raise RetentionConfigError(f"Aufbewahrungsklasse {key!r}: years fehlt")
    return item


def load_retention_classes(path: Path = RETENTION_PATH) -> tuple[RetentionClass, ...]:
    """Read and check the retention classes; every case category belongs to one case class."""
    with path.open("rb") as fh:
        data = tomllib.load(fh)
    classes = tuple(_parse(key, raw) for key, raw in data.get("classes", {}).items())
    seen: dict[str, str] = {}
    for item in classes:
        for category in item.categories:
            if category in seen:
                raise RetentionConfigError(
                    f"Fallkategorie {category!r} in {seen[category]!r} und {item.key!r}"
                )
            seen[category] = item.key
    return classes


@cache
def retention_classes() -> tuple[RetentionClass, ...]:
    """The configured retention classes (read once per process)."""
    return load_retention_classes()


def class_for_case_category(category: str) -> RetentionClass:
    """The retention class of a case of this category."""
    for item in retention_classes():
        if item.applies_to == "case" and category in item.categories:
            return item
    raise RetentionConfigError(f"Keine Aufbewahrungsklasse für die Fallkategorie {category!r}")


def class_for(applies_to: str) -> RetentionClass:
    """The (single) retention class of a kind of document other than a case."""
    for item in retention_classes():
        if item.applies_to == applies_to:
            return item
    raise RetentionConfigError(f"Keine Aufbewahrungsklasse für {applies_to!r}")
