"""Pure rules of consent coverage (SGB VIII § 65): whose data a consent releases, which
consent purposes count for which purpose of an agenda item, and how a group of participants
is named.

Imports nothing but the standard library, models, other rules and core, so queries,
operations, forms and access can all use it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from fallteam.cases.models import CHILD_ROLES, FamilyMember
from fallteam.cases.rules import age_on
from fallteam.consent.models import Consent, GrantorCapacity, Purpose

#: from this age a young person can release their own data
OWN_CONSENT_AGE = 14
#: custody ends with full age
FULL_AGE = 18
#: capacities in which a grantor can release children's data ("sorgeberechtigt für …")
CUSTODY_CAPACITIES = frozenset({GrantorCapacity.CUSTODIAL_PARENT, GrantorCapacity.GUARDIAN})
#: the kinds of participation a consent can name as recipients
PARTICIPANT_KINDS = {
    "member": _l("alle Fallteam-Mitglieder"),
    "guest": _l("alle fallbezogenen Gäste"),
}

#: purpose of the agenda item -> the consent purposes that count for it. A consent for the
#: Fallberatung im Fallteam covers every consultation there; a § 8a assessment or a
#: Hilfeplanung item also counts a consent given for exactly that purpose.
COUNTING_PURPOSES: dict[str, frozenset[str]] = {
    Purpose.FALLBERATUNG: frozenset({Purpose.FALLBERATUNG}),
    Purpose.GEFAEHRDUNGSEINSCHAETZUNG: frozenset(
        {Purpose.FALLBERATUNG, Purpose.GEFAEHRDUNGSEINSCHAETZUNG}
    ),
    Purpose.HILFEPLANUNG: frozenset({Purpose.FALLBERATUNG, Purpose.HILFEPLANUNG}),
}


def purposes_counting_for(item_purpose: str) -> frozenset[str]:
    """The consent purposes that count for an item of ``item_purpose`` (unknown: none)."""
    return COUNTING_PURPOSES.get(item_purpose, frozenset())


def counts_for(consent: Consent, item_purpose: str) -> bool:
    """Whether ``consent`` was given for a purpose that counts for ``item_purpose``."""
    return bool(purposes_counting_for(item_purpose) & set(consent.purposes or []))


def own_consent_problem(grantor: FamilyMember, capacity: str, on: date) -> str | None:
    """Why ``grantor`` cannot release their own data on ``on`` in ``capacity`` (None: can)."""
    born = grantor.born
    if capacity == GrantorCapacity.YOUNG_PERSON and born is None:
        return _(
            "Für die eigene Schweigepflichtsentbindung eines jungen Menschen bitte das "
            "Geburtsdatum erfassen."
        )
    if born is not None and age_on(born, on) < OWN_CONSENT_AGE:
        return _(
            "Eine Person unter %(age)s Jahren kann nicht selbst einwilligen.", age=OWN_CONSENT_AGE
        )
    return None


def custody_problem(
    grantor: FamilyMember, capacity: str, children: Iterable[FamilyMember], on: date
) -> str | None:
    """Why ``grantor`` cannot release ``children``'s data as custodial parent (None: can)."""
    children = list(children)
    if not children:
        return None
    if capacity not in CUSTODY_CAPACITIES:
        return _(
            "Nur sorgeberechtigte Eltern oder ein Vormund können für Kinder einwilligen; "
            "bitte die Eigenschaft anpassen."
        )
    for child in children:
        if (
            child.case_id != grantor.case_id
            or child.id == grantor.id
            or child.role not in CHILD_ROLES
            or (child.born is not None and age_on(child.born, on) >= FULL_AGE)
        ):
            return _("Sorgeberechtigt sein kann man nur für ein minderjähriges Kind des Falls.")
    return None


def released_persons(
    consent: Consent, members: Mapping[uuid.UUID, FamilyMember]
) -> frozenset[uuid.UUID]:
    """The family members whose data ``consent`` releases: the grantor's own (if they could
    consent on the day it was given) and the children recorded under custody."""
    grantor = members.get(consent.grantor_id)
    if grantor is None:
        return frozenset()
    given_on = consent.valid_from
    if own_consent_problem(grantor, consent.grantor_capacity, given_on) is not None:
        return frozenset()
    children = [members.get(_uuid(value)) for value in consent.custody_for or []]
    children = [
        c
        for c in children
        if c is not None
        and custody_problem(grantor, consent.grantor_capacity, [c], given_on) is None
    ]
    return frozenset({grantor.id, *(c.id for c in children)})


def _uuid(value) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None
