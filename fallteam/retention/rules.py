"""Retention classes as configured in ``security/retention.toml``, and the dates and words
that follow from them: deletion dates, the reasons of a restriction (Sperrung) and of a
read of a restricted case, the states of a deletion proposal.

Pure rules: the file is read once per process; nothing here touches the database. The one
clock of retention is ``today()``: the CLI passes ``--today``, tests replace it.
"""

from __future__ import annotations

import enum
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from pathlib import Path

from flask_babel import lazy_gettext as _l

from fallteam.core.i18n import office_zone
from fallteam.core.models import utcnow

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


# --- deletion dates -------------------------------------------------------------------------


def today() -> date:
    """The office's calendar day now: the one clock the retention rules read."""
    return office_day(utcnow())


def office_day(moment: datetime) -> date:
    """The office's calendar day at ``moment`` (e.g. the day a case was created)."""
    return moment.astimezone(office_zone()).date()


def add_years(day: date, years: int) -> date:
    """``day`` plus ``years`` calendar years; 29 February becomes 28 February in a common year
    (the year is complete at the end of 28 February, § 188 Abs. 2 BGB)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


@dataclass(frozen=True)
class Person:
    """What the rules need of one family member: no name, only these facts."""

    born: date | None
    is_index: bool = False
    is_child: bool = False


def young_person_born(people: Iterable[Person]) -> date | None:
    """The birth date of the young person the help is for: the index person (Indexkind),
    else the youngest child; None when neither has a birth date."""
    people = list(people)
    index = [p.born for p in people if p.is_index and p.born is not None]
    if index:
        return max(index)
    children = [p.born for p in people if p.is_child and p.born is not None]
    return max(children) if children else None


def case_deletion_date(
    category: str, *, closed_on: date | None, young_person_born: date | None
) -> date | None:
    """The day a case of ``category`` is due for deletion (None: not yet known).

    "birthday" (§ 9b SGB VIII): the end of the calendar year in which the young person
    turns ``years``, whether the case is closed or not (an open case is never proposed for
    deletion, see ``is_due``); "closed": the closing day ``years`` on, known once the case is
    closed.

    Why the end of that year, not the birthday itself: the deletion date is stored in the
    clear on the case and shown to the DPO and on the deletion certificate; the birthday
    ``years`` on would give away the child's birth date (day and month) to anyone who
    reads the database. The year's end gives away only the birth year, and keeps the file
    at most a few months past the birthday, as files are commonly weeded by calendar year.
    """
    item = class_for_case_category(category)
    if item.basis == "birthday":
        if young_person_born is None:
            return None
        return date(add_years(young_person_born, item.years).year, 12, 31)
    if item.basis == "closed":
        return add_years(closed_on, item.years) if closed_on else None
    raise RetentionConfigError(f"Aufbewahrungsklasse {item.key!r}: basis {item.basis!r} für Fälle")


def team_protocol_deletion_date(session_day: date) -> date:
    """The day a session's Teamprotokoll is due for deletion."""
    item = class_for("team_protocol")
    return add_years(session_day, item.years or 0)


def is_due(
    *, closed_on: date | None, deletion_due_on: date | None, restricted: bool, on: date
) -> bool:
    """Whether a case is to be proposed for deletion on the day ``on``: closed (an open case
    is still worked on), its deletion date reached, and not restricted (a Sperrung replaces
    the deletion while it lasts)."""
    return (
        closed_on is not None
        and deletion_due_on is not None
        and deletion_due_on <= on
        and not restricted
    )


# --- restriction (Sperrung) -----------------------------------------------------------------


class RestrictionState(enum.StrEnum):
    """A case's restriction: asked for by its owner, or in force (approved by the DPO)."""

    REQUESTED = "requested"
    RESTRICTED = "restricted"


class RestrictionReason(enum.StrEnum):
    """Why a case is restricted instead of deleted (§ 84 Abs. 3 SGB X, Art. 18 DSGVO)."""

    ACCURACY_DISPUTED = "richtigkeit_bestritten"
    INTERESTS = "schutzwuerdige_interessen"
    LEGAL_CLAIMS = "rechtsansprueche"
    RETENTION_DUTY = "aufbewahrungspflicht"
    DISPROPORTIONATE = "unverhaeltnismaessig"


RESTRICTION_REASON_LABELS = {
    RestrictionReason.ACCURACY_DISPUTED: _l(
        "Die betroffene Person bestreitet die Richtigkeit der Daten (Art. 18 Abs. 1 a DSGVO)"
    ),
    RestrictionReason.INTERESTS: _l(
        "Eine Löschung würde schutzwürdige Interessen der betroffenen Person beeinträchtigen "
        "(§ 84 Abs. 3 SGB X)"
    ),
    RestrictionReason.LEGAL_CLAIMS: _l(
        "Die Daten werden für Rechtsansprüche oder ein Verfahren gebraucht (Art. 18 Abs. 1 c DSGVO)"
    ),
    RestrictionReason.RETENTION_DUTY: _l(
        "Eine Aufbewahrungspflicht steht der Löschung entgegen (§ 84 Abs. 3 SGB X)"
    ),
    RestrictionReason.DISPROPORTIONATE: _l(
        "Löschung wegen der Art der Speicherung nur mit unverhältnismäßigem Aufwand möglich "
        "(§ 84 Abs. 3 SGB X)"
    ),
}


class ReadReason(enum.StrEnum):
    """Why the approved owner opens a restricted case (asked before every read)."""

    SUBJECT_ACCESS = "auskunft"
    ACCURACY = "richtigkeit"
    LEGAL_CLAIMS = "rechtsanspruch"
    CONSENT = "einwilligung"
    REVIEW = "pruefung_sperrung"


READ_REASON_LABELS = {
    ReadReason.SUBJECT_ACCESS: _l("Auskunft an die betroffene Person (Art. 15 DSGVO)"),
    ReadReason.ACCURACY: _l("Klärung der bestrittenen Richtigkeit"),
    ReadReason.LEGAL_CLAIMS: _l("Rechtsansprüche, gerichtliches oder behördliches Verfahren"),
    ReadReason.CONSENT: _l("Die betroffene Person hat eingewilligt"),
    ReadReason.REVIEW: _l("Prüfung, ob die Sperrung aufgehoben werden kann"),
}


# --- deletion proposals -------------------------------------------------------------------


class ProposalStatus(enum.StrEnum):
    """A deletion proposal: made by the run, confirmed or rejected by a second person (the
    DPO), carried out by the next run."""

    PROPOSED = "proposed"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"
    DONE = "done"
    #: the case changed after it was proposed (reopened, restricted, another class or date):
    #: withdrawn with the reason, proposed afresh when it is due again
    WITHDRAWN = "withdrawn"


PROPOSAL_STATUS_LABELS = {
    ProposalStatus.PROPOSED: _l("vorgeschlagen"),
    ProposalStatus.CONFIRMED: _l("bestätigt, wird beim nächsten Lauf gelöscht"),
    ProposalStatus.REJECTED: _l("abgelehnt"),
    ProposalStatus.DONE: _l("gelöscht"),
    ProposalStatus.WITHDRAWN: _l("zurückgezogen"),
}

#: who makes the proposals (the certificate names it)
PROPOSED_BY_RUN = "flask retention run"
