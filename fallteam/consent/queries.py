"""What each participant may see of a case, computed from the consents in force at that moment.

``visible_fields`` is the single function every view of case data asks. Rules:

- the fallführende Fachkraft sees everything of her own case;
- team members and guests taking part in the case's presentation see the pseudonymised view
  (pseudonym, category, role labels with ages, genogram structure, released background);
- on top of that, a viewer sees a released category of data only while a consent in force
  names them, their institution (by id) or their kind of participation, for a purpose that
  counts for the item at hand (``consent.rules``); an expired, revoked, superseded or not yet
  valid consent releases nothing;
- a consent releases persons, not the family: the grantor's own data and the children's the
  grantor has custody for; a member nobody released stays a role label (per member:
  ``Visibility.of``; the case as a whole only what is released for everyone);
- anyone else — the DPO and administrators included — sees no case content at all.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from types import MappingProxyType
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from fallteam import access
from fallteam.access import active_participation
from fallteam.auth.models import Institution, User
from fallteam.cases.models import Case
from fallteam.cases.rules import role_labels
from fallteam.consent import rules
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
from fallteam.crypto.types import sealed_left_unloaded
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
#: what each released data category adds, for the case as a whole (released for everyone in
#: the family: the resource map's names can name any of them)
CATEGORY_FIELDS: dict[str, frozenset[str]] = {
    DataCategory.IDENTITY: frozenset({"member_names", "member_birth_dates", "resource_labels"}),
    DataCategory.ADDRESS: frozenset({"member_addresses"}),
    DataCategory.HEALTH: frozenset({"health"}),
    DataCategory.SCHOOL: frozenset({"school"}),
    DataCategory.FINANCES: frozenset({"finances"}),
}
#: what each released data category adds for the one family member it is released for
MEMBER_CATEGORY_FIELDS: dict[str, frozenset[str]] = {
    DataCategory.IDENTITY: frozenset({"member_names", "member_birth_dates"}),
    DataCategory.ADDRESS: frozenset({"member_addresses"}),
    DataCategory.HEALTH: frozenset({"health"}),
    DataCategory.SCHOOL: frozenset({"school"}),
    DataCategory.FINANCES: frozenset({"finances"}),
}
ALL_MEMBER_FIELDS = frozenset().union(*MEMBER_CATEGORY_FIELDS.values())
#: only the fallführende Fachkraft: the office's file number and the consent records
OWNER_FIELDS = frozenset({"file_number", "consents", "participants", "background_held"})
ALL_FIELDS = PSEUDONYMISED_FIELDS | OWNER_FIELDS | frozenset().union(*CATEGORY_FIELDS.values())


class Visibility(frozenset):
    """What one viewer may see of one case: the set itself holds the fields of the case as a
    whole; ``of(member_id)`` the fields released for one family member (names, birth date,
    address, health …). A member nobody released has none: they stay a role label."""

    members: Mapping[uuid.UUID, frozenset[str]]
    #: the consents that released data to the viewer (the audit log notes their ids)
    consent_ids: tuple[uuid.UUID, ...]

    def __new__(cls, fields: Iterable[str] = (), members=None, consent_ids=()) -> Visibility:
        self = super().__new__(cls, fields)
        self.members = MappingProxyType(dict(members or {}))
        self.consent_ids = tuple(consent_ids)
        return self

    def of(self, member_id: uuid.UUID) -> frozenset[str]:
        """The fields released to the viewer for one family member."""
        return self.members.get(member_id, frozenset())

    def released(self, category: str, member_id: uuid.UUID | None = None) -> bool:
        """Whether ``category`` is released for that member (None: for the whole family)."""
        fields = MEMBER_CATEGORY_FIELDS.get(category, frozenset())
        if not fields:
            return False
        if member_id is None:
            return fields <= self
        return fields <= self.of(member_id)

    def shown_anywhere(self, field: str) -> bool:
        """Whether the field is shown for the case or for at least one family member."""
        return field in self or any(field in f for f in self.members.values())


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
    versions = db.session.scalars(select(Consent).where(Consent.case_id == case.id)).all()
    return _in_force(versions, at)


def _in_force(versions: Iterable[Consent], at: datetime) -> list[Consent]:
    """Of all versions of one case's consents, those in force at ``at``."""
    versions = list(versions)
    day = at.date()
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


def consents_in_force_for(
    cases: Iterable[Case], at: datetime | None = None
) -> dict[uuid.UUID, list[Consent]]:
    """``consents_in_force`` for many cases with one query: case id -> consents in force.

    For lists: pass the result on to ``visible_fields(..., consents=...)``.
    """
    at = at or utcnow()
    by_case: dict[uuid.UUID, list[Consent]] = {case.id: [] for case in cases}
    if by_case:
        versions = db.session.scalars(
            select(Consent)
            .where(Consent.case_id.in_(list(by_case)))
            # what decides who may learn what is plaintext; the encrypted notes are not
            # needed for that, so a list of 25 cases does not open them
            .options(*sealed_left_unloaded(Consent))
        )
        for consent in versions:
            by_case[consent.case_id].append(consent)
    return {case_id: _in_force(versions, at) for case_id, versions in by_case.items()}


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


#: the words shown for the states of ``consent_state`` (which stay German codes: CSS classes
#: and comparisons use them)
CONSENT_STATE_LABELS = {
    "in Kraft": _l("in Kraft"),
    "künftig": _l("künftig"),
    "abgelaufen": _l("abgelaufen"),
    "widerrufen": _l("widerrufen"),
    "korrigiert": _l("korrigiert"),
}


def names_viewer(consent: Consent, viewer: Any, participation_kind: str | None) -> bool:
    """Whether the consent's recipients include the viewer, their institution or their kind.
    Institutions are compared by id: an account without an institution matches none."""
    institution = getattr(viewer, "institution_id", None)
    for recipient in consent.recipients or []:
        kind, value = recipient.get("type"), recipient.get("value")
        if kind == RecipientType.USER and value == str(viewer.id):
            return True
        if (
            kind == RecipientType.INSTITUTION
            and institution is not None
            and value == str(institution)
        ):
            return True
        if kind == RecipientType.PARTICIPANT_KIND and value == participation_kind:
            return True
    return False


def _counting(
    viewer: Any, consents: Iterable[Consent], purpose: str, participation_kind: str | None
) -> list[Consent]:
    return [
        c
        for c in consents
        if rules.counts_for(c, purpose) and names_viewer(c, viewer, participation_kind)
    ]


def released_by_member(
    viewer: Any,
    case: Case,
    consents: Iterable[Consent],
    purpose: str,
    participation_kind: str | None,
) -> dict[uuid.UUID, frozenset[str]]:
    """Family member id -> the data categories the consents release of that person."""
    return _release(viewer, case, consents, purpose, participation_kind)[0]


def _release(
    viewer: Any,
    case: Case,
    consents: Iterable[Consent],
    purpose: str,
    participation_kind: str | None,
) -> tuple[dict[uuid.UUID, frozenset[str]], list[uuid.UUID]]:
    """``released_by_member``, and the ids of the consents that release anything."""
    members = {m.id: m for m in case.members}
    released: dict[uuid.UUID, set[str]] = {m: set() for m in members}
    releasing = []
    for consent in _counting(viewer, consents, purpose, participation_kind):
        persons = rules.released_persons(consent, members)
        if persons and consent.data_categories:
            releasing.append(consent.id)
        for person in persons:
            released[person].update(consent.data_categories or [])
    return {m: frozenset(c) for m, c in released.items()}, releasing


def visible_fields(
    viewer: Any,
    case: Case,
    at: datetime | None = None,
    purpose: str = Purpose.FALLBERATUNG,
    *,
    consents: Iterable[Consent] | None = None,
) -> Visibility:
    """The fields of ``case`` that ``viewer`` may see at ``at`` for an item of ``purpose``,
    for the case as a whole and per family member.

    ``consents``: the case's consents in force at ``at`` when the caller has loaded them
    already (a list computes this for many cases with one query, ``consents_in_force_for``).
    """
    at = at or utcnow()
    if is_case_manager(viewer, case):
        return Visibility(
            ALL_FIELDS, dict.fromkeys((m.id for m in case.members), ALL_MEMBER_FIELDS)
        )
    if not (
        access.allowed(viewer, "case.read_pseudonymised")
        or access.allowed(viewer, "agenda.view_item")
    ):
        return Visibility()
    participation = active_participation(viewer, case, at)
    if participation is None:
        return Visibility()
    if consents is None:
        consents = consents_in_force(case, at)
    by_member, releasing = _release(viewer, case, consents, purpose, participation.kind)
    members = {
        member: frozenset().union(*(MEMBER_CATEGORY_FIELDS.get(c, frozenset()) for c in cats))
        for member, cats in by_member.items()
    }
    whole_family = frozenset.intersection(*by_member.values()) if by_member else frozenset()
    fields = set(PSEUDONYMISED_FIELDS)
    for category in whole_family:
        fields |= CATEGORY_FIELDS.get(category, frozenset())
    return Visibility(fields, members, releasing)


def consents_ending_soon(case_manager: Any, days: int = 30) -> list[tuple[Any, str]]:
    """Consents in force of the cases ``case_manager`` manages whose end lies within ``days``
    days, as (consent facts: ``id``, ``case_id``, ``valid_until``; the case's pseudonym),
    soonest first (warning for the Fachkraft). Two queries, whatever the number of cases;
    nothing is decrypted."""
    now = utcnow()
    today = now.date()
    horizon = date.fromordinal(today.toordinal() + days)
    candidates = db.session.execute(
        select(Consent.id, Consent.case_id, Consent.valid_until, Case.pseudonym)
        .join(Case, Case.id == Consent.case_id)
        .where(
            Case.case_manager_id == case_manager.id,
            Consent.valid_until.is_not(None),
            Consent.valid_until >= today,
            Consent.valid_until <= horizon,
            Consent.valid_from <= today,
            Consent.created_dt <= now,
            or_(Consent.revoked_dt.is_(None), Consent.revoked_dt > now),
        )
    ).all()
    if not candidates:
        return []
    corrected = set(
        db.session.scalars(
            select(Consent.supersedes_id).where(
                Consent.supersedes_id.in_([c.id for c in candidates]), Consent.created_dt <= now
            )
        )
    )
    soon = [(c, c.pseudonym) for c in candidates if c.id not in corrected]
    return sorted(soon, key=lambda pair: (pair[0].valid_until, pair[1]))


def recipient_users(consents: Iterable[Consent]) -> dict[uuid.UUID, Any]:
    """The accounts the consents name, with one query (for ``recipients_text``)."""
    ids = {
        _uuid(r.get("value"))
        for consent in consents
        for r in consent.recipients or []
        if r.get("type") == RecipientType.USER
    } - {None}
    if not ids:
        return {}
    return {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids)))}


def recipients_text(consent: Consent, users: dict[uuid.UUID, Any] | None = None) -> str:
    """The recipients in words, for the Fachkraft's consent table (``users``: the accounts
    named, from ``recipient_users``, when a page shows many consents)."""
    parts = []
    for recipient in consent.recipients or []:
        kind, value = recipient.get("type"), recipient.get("value")
        if kind == RecipientType.USER:
            user_id = _uuid(value)
            user = users.get(user_id) if users is not None else db.session.get(User, user_id)
            parts.append(user.display_name if user else "?")
        elif kind == RecipientType.INSTITUTION:
            institution = db.session.get(Institution, _uuid(value))
            parts.append(institution.name if institution else "?")
        else:
            parts.append(str(PARTICIPANT_KINDS.get(value, value)))
    return ", ".join(parts)


def consent_labels(consent: Consent) -> str:
    """Purposes and released data categories in words."""
    purposes = ", ".join(str(PURPOSE_LABELS.get(p, p)) for p in consent.purposes or [])
    categories = ", ".join(str(CATEGORY_LABELS.get(c, c)) for c in consent.data_categories or [])
    return f"{purposes} — {categories}"


def member_label(case: Case, member_id) -> str:
    """The role label and name of a family member of the case (owner's view)."""
    for member, label in zip(case.members, role_labels(case.members), strict=True):
        if member.id == member_id:
            name = " ".join(p for p in (member.first_name, member.last_name) if isinstance(p, str))
            return f"{label}: {name}" if name else label
    return "?"


def custody_text(case: Case, consent: Consent) -> str:
    """ "sorgeberechtigt für Kind 1 (7 J.), Kind 2 (10 J.)", or "" without custody."""
    labels = dict(zip((m.id for m in case.members), role_labels(case.members), strict=True))
    named = [labels.get(_uuid(v), "?") for v in consent.custody_for or []]
    return _("sorgeberechtigt für %(children)s", children=", ".join(named)) if named else ""


def consent_helpers() -> dict:
    """What the case page needs to describe consents."""
    return {
        "custody_text": custody_text,
        "consent_state": consent_state,
        "consent_state_labels": CONSENT_STATE_LABELS,
        "recipients_text": recipients_text,
        "consent_labels": consent_labels,
        "member_label": member_label,
    }


def _uuid(value):
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None
