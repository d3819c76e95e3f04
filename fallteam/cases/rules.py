"""Pure rules of the cases domain: the role labels the team reads instead of names, ages.

Imports only the standard library, models, core and crypto (the blind index of a person), so
forms, queries, access and mail can use them.
"""

from __future__ import annotations

import uuid
from datetime import date

from flask_babel import gettext as _

from fallteam.cases.models import CHILD_ROLES, FAMILY_ROLE_LABELS, FamilyMember
from fallteam.core.models import utcnow
from fallteam.crypto.blind_index import blind_index


def role_labels(members: list[FamilyMember], on: date | None = None) -> list[str]:
    """Labels the team sees instead of names: "Mutter", "Kind 1 (7 J.)", "Großmutter 2".

    People sharing a role are numbered oldest first (in entry order where a birth date is
    missing), so "Kind 1" is the eldest child whatever order they were entered in.
    """
    on = on or utcnow().date()
    by_role: dict[str, list[FamilyMember]] = {}
    for m in members:
        by_role.setdefault(m.role, []).append(m)
    number: dict[uuid.UUID, int] = {}
    for group in by_role.values():
        ordered = sorted(group, key=lambda m: (m.born or date.max, m.position))
        number.update({m.id: i for i, m in enumerate(ordered, start=1)})
    labels = []
    for m in members:
        label = role = str(FAMILY_ROLE_LABELS.get(m.role, m.role))
        if len(by_role[m.role]) > 1 or m.role in CHILD_ROLES:
            label = f"{role} {number[m.id]}"
        if m.role in CHILD_ROLES and m.born:
            label = _("%(label)s (%(age)s J.)", label=label, age=age_on(m.born, on))
        labels.append(label)
    return labels


def age_on(born: date, on: date) -> int:
    """Age in full years."""
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def member_index(first_name: str | None, last_name: str | None, born: date | None) -> str | None:
    """Blind index of one person (surname + first name + birth date), or None if incomplete:
    what registration stores and what the duplicate check and the Art. 15 search compare."""
    if not (first_name and last_name and born):
        return None
    value = f"{last_name}|{first_name}|{born.isoformat()}"
    return blind_index(value, table="family_members", column="identity")
