"""What each participant may see of a case, computed from the consents in force at that moment.

``visible_fields`` is the single function every view of case data asks. Rules:

- the fallführende Fachkraft sees everything of her own case;
- team members and guests taking part in the case's presentation see the pseudonymised view
  (pseudonym, category, role labels with ages, genogram structure, released background);
- on top of that, a viewer sees a released category of identifying data only while a consent
  in force names them, their institution or their kind of participation, for the purpose at
  hand; an expired, revoked, superseded or not yet valid consent releases nothing;
- anyone else — the DPO and administrators included — sees no case content at all.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import select

from fallteam import access
from fallteam.access import active_participation
from fallteam.auth.models import INSTITUTIONS, User
from fallteam.cases.models import Case
from fallteam.cases.rules import role_labels
from fallteam.consent.models import (
    CATEGORY_LABELS,
    PURPOSE_LABELS,
    Consent,
    DataCategory,
    Purpose,
    RecipientType,
)
from fallteam.consent.rules import PARTICIPANT_KINDS
from fallteam.core.models import utcnow
from fallteam.extensions import db

#: what the team sees of a case it takes part in
PSEUDONYMISED_FIELDS = frozenset(
    {
        "pseudonym",
        "category",
        "child_protection",
        "member_roles",
        "member_ages",
        "genogram",
        "resource_map",
        "background",
    }
)
#: what each released data category adds
CATEGORY_FIELDS: dict[str, frozenset[str]] = {
    DataCategory.IDENTITY: frozenset({"member_names", "member_birth_dates", "resource_labels"}),
    DataCategory.ADDRESS: frozenset({"member_addresses"}),
    DataCategory.HEALTH: frozenset({"health"}),
    DataCategory.SCHOOL: frozenset({"school"}),
    DataCategory.FINANCES: frozenset({"finances"}),
}
#: only the fallführende Fachkraft: the office's file number and the consent records
OWNER_FIELDS = frozenset({"file_number", "consents", "participants", "background_held"})
ALL_FIELDS = PSEUDONYMISED_FIELDS | OWNER_FIELDS | frozenset().union(*CATEGORY_FIELDS.values())


def is_case_manager(viewer: Any, case: Case) -> bool:
    """Whether ``viewer`` is the fallführende Fachkraft of ``case`` (and may be one)."""
    return (
        getattr(viewer, "is_authenticated", False)
        and case.case_manager_id == viewer.id
        and access.allowed(viewer, "case.register")
    )


def consents_in_force(case: Case, at: datetime | None = None) -> list[Consent]:
    """The consents of ``case`` in force at ``at``: started, not ended, not revoked, and not
    replaced by a correction made before ``at``."""
    at = at or utcnow()
    day = at.date()
    versions = db.session.scalars(select(Consent).where(Consent.case_id == case.id)).all()
    corrected = {c.supersedes_id for c in versions if c.supersedes_id and c.created_dt <= at}
    return [
        c
        for c in versions
        if c.id not in corrected
        and c.created_dt <= at
        and c.valid_from <= day
        and (c.valid_until is None or day <= c.valid_until)
        and (c.revoked_dt is None or at < c.revoked_dt)
    ]


def consent_state(consent: Consent, versions: Iterable[Consent], at: datetime | None = None) -> str:
    """A word for the consent's state: in Kraft, künftig, abgelaufen, widerrufen, korrigiert."""
    at = at or utcnow()
    if consent.revoked_dt is not None and consent.revoked_dt <= at:
        return "widerrufen"
    if any(v.supersedes_id == consent.id and v.created_dt <= at for v in versions):
        return "korrigiert"
    if consent.valid_from > at.date():
        return "künftig"
    if consent.valid_until is not None and consent.valid_until < at.date():
        return "abgelaufen"
    return "in Kraft"


def names_viewer(consent: Consent, viewer: Any, participation_kind: str | None) -> bool:
    """Whether the consent's recipients include the viewer, their institution or their kind."""
    for recipient in consent.recipients or []:
        kind, value = recipient.get("type"), recipient.get("value")
        if kind == RecipientType.USER and value == str(viewer.id):
            return True
        if kind == RecipientType.INSTITUTION and value == viewer.institution:
            return True
        if kind == RecipientType.PARTICIPANT_KIND and value == participation_kind:
            return True
    return False


def released_categories(
    viewer: Any, consents: Iterable[Consent], purpose: str, participation_kind: str | None
) -> frozenset[str]:
    """The data categories the given consents release to ``viewer`` for ``purpose``."""
    released: set[str] = set()
    for consent in consents:
        if purpose in (consent.purposes or []) and names_viewer(
            consent, viewer, participation_kind
        ):
            released.update(consent.data_categories or [])
    return frozenset(released)


def visible_fields(
    viewer: Any, case: Case, at: datetime | None = None, purpose: str = Purpose.FALLBERATUNG
) -> frozenset[str]:
    """The fields of ``case`` that ``viewer`` may see at ``at`` for ``purpose``."""
    at = at or utcnow()
    if is_case_manager(viewer, case):
        return ALL_FIELDS
    if not access.allowed(viewer, "case.read_pseudonymised"):
        return frozenset()
    participation = active_participation(viewer, case, at)
    if participation is None:
        return frozenset()
    categories = released_categories(
        viewer, consents_in_force(case, at), purpose, participation.kind
    )
    fields = set(PSEUDONYMISED_FIELDS)
    for category in categories:
        fields |= CATEGORY_FIELDS.get(category, frozenset())
    return frozenset(fields)


def consents_ending_soon(cases: Iterable[Case], days: int = 30) -> list[Consent]:
    """Consents in force whose end lies within ``days`` days (warning for the Fachkraft)."""
    now = utcnow()
    horizon = (now.date()).toordinal() + days
    soon = []
    for case in cases:
        for consent in consents_in_force(case, now):
            if consent.valid_until and consent.valid_until.toordinal() <= horizon:
                soon.append(consent)
    return sorted(soon, key=lambda c: c.valid_until)


def recipients_text(consent: Consent) -> str:
    """The recipients in words, for the Fachkraft's consent table."""
    parts = []
    for recipient in consent.recipients or []:
        kind, value = recipient.get("type"), recipient.get("value")
        if kind == RecipientType.USER:
            user = db.session.get(User, _uuid(value))
            parts.append(user.display_name if user else "?")
        elif kind == RecipientType.INSTITUTION:
            parts.append(INSTITUTIONS.get(value, value))
        else:
            parts.append(PARTICIPANT_KINDS.get(value, value))
    return ", ".join(parts)


def consent_labels(consent: Consent) -> str:
    """Purposes and released data categories in words."""
    purposes = ", ".join(PURPOSE_LABELS.get(p, p) for p in consent.purposes or [])
    categories = ", ".join(CATEGORY_LABELS.get(c, c) for c in consent.data_categories or [])
    return f"{purposes} — {categories}"


def member_label(case: Case, member_id) -> str:
    """The role label and name of a family member of the case (owner's view)."""
    for member, label in zip(case.members, role_labels(case.members), strict=True):
        if member.id == member_id:
            name = " ".join(p for p in (member.first_name, member.last_name) if isinstance(p, str))
            return f"{label}: {name}" if name else label
    return "?"


def consent_helpers() -> dict:
    """What the case page needs to describe consents."""
    return {
        "consent_state": consent_state,
        "recipients_text": recipients_text,
        "consent_labels": consent_labels,
        "member_label": member_label,
    }


def _uuid(value):
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None
