"""Reading cases: what each viewer gets to see, built only from the fields they may see."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import select

from fallteam import access
from fallteam.audit.models import AuditAction
from fallteam.audit.operations import record
from fallteam.auth.models import User
from fallteam.cases.diagrams import (
    GenogramPerson,
    GenogramRelation,
    ResourceNode,
    genogram_svg,
    resource_map_svg,
)
from fallteam.cases.models import (
    CATEGORY_LABELS,
    RESOURCE_KIND_LABELS,
    BackgroundStatus,
    Case,
    CaseParticipant,
    FamilyMember,
)
from fallteam.cases.rules import age_on, role_labels
from fallteam.consent.models import Consent
from fallteam.consent.queries import consents_in_force, visible_fields
from fallteam.core.models import utcnow
from fallteam.extensions import db
from fallteam.meetings.models import AgendaItem, Meeting
from fallteam.meetings.rules import meeting_day_end


@dataclass
class MemberView:
    """One family member as this viewer may see them."""

    id: uuid.UUID
    label: str
    role: str
    sex: str
    age: int | None
    name: str | None = None
    birth_date: date | None = None
    address: str | None = None


@dataclass
class CaseView:
    """A case as one viewer may see it; fields they may not see are simply absent."""

    case: Case
    fields: frozenset[str]
    category_label: str
    members: list[MemberView] = field(default_factory=list)
    genogram: str | None = None
    resource_map: str | None = None
    background: str | None = None
    consents: list[Consent] = field(default_factory=list)

    def shows(self, name: str) -> bool:
        """Whether the viewer may see this field."""
        return name in self.fields

    @property
    def is_full(self) -> bool:
        """The fallführende Fachkraft's view."""
        return "file_number" in self.fields


def _text(value) -> str | None:
    return value if isinstance(value, str) else (str(value) if value is not None else None)


def _members(case: Case, fields: frozenset[str]) -> list[MemberView]:
    today = utcnow().date()
    views = []
    for member, label in zip(case.members, role_labels(case.members, today), strict=True):
        name = " ".join(p for p in (_text(member.first_name), _text(member.last_name)) if p)
        views.append(
            MemberView(
                id=member.id,
                label=label,
                role=member.role,
                sex=member.sex,
                age=age_on(member.born, today) if member.born else None,
                name=name or None if "member_names" in fields else None,
                birth_date=member.born if "member_birth_dates" in fields else None,
                address=_text(member.address) if "member_addresses" in fields else None,
            )
        )
    return views


def _genogram(case: Case, members: list[MemberView]) -> str:
    facts = {m.id: m for m in case.members}
    people = [
        GenogramPerson(
            key=str(m.id),
            label=f"{m.label}: {m.name}" if m.name else m.label,
            sex=m.sex,
            deceased=facts[m.id].fact("deceased"),
            in_household=facts[m.id].fact("in_household"),
            is_index=facts[m.id].fact("is_index"),
        )
        for m in members
    ]
    relations = [
        GenogramRelation(kind=r.details["kind"], a=r.details["a"], b=r.details["b"])
        for r in case.relations
        if isinstance(r.details, dict)
    ]
    return genogram_svg(people, relations, title=f"Genogramm {case.pseudonym}")


def _resource_map(case: Case, fields: frozenset[str]) -> str:
    nodes = [
        ResourceNode(
            label=_text(entry.label)
            if "resource_labels" in fields
            else RESOURCE_KIND_LABELS.get(entry.kind, entry.kind),
            kind=entry.kind,
            quality=entry.quality,
        )
        for entry in case.resources
    ]
    return resource_map_svg(
        f"Familie {case.pseudonym}", nodes, title=f"Ressourcenkarte {case.pseudonym}"
    )


def present_case(case: Case, viewer: User) -> CaseView:
    """The case as ``viewer`` may see it now; records that they read it (and what)."""
    fields = visible_fields(viewer, case)
    view = CaseView(
        case=case, fields=fields, category_label=CATEGORY_LABELS.get(case.category, case.category)
    )
    view.members = _members(case, fields)
    view.genogram = _genogram(case, view.members)
    view.resource_map = _resource_map(case, fields)
    released = case.background_status == BackgroundStatus.RELEASED
    if view.is_full or released:
        view.background = _text(case.background)
    if "consents" in fields:
        view.consents = consent_history(case)
    record_read(
        viewer,
        case,
        "case.read_pseudonymised",
        purpose="Fallführung" if view.is_full else "Fallberatung",
        fields=fields,
    )
    return view


def record_read(
    viewer: User, case: Case, permission: str, *, purpose: str, fields=("all",), on=None
) -> None:
    """The one point where reading a case's content is recorded: the query that loads the
    content for ``viewer`` calls it, after checking ``permission`` (on ``on``, the case by
    default). Views never record reads themselves."""
    target = case if on is None else on
    if not access.allowed(viewer, permission, target):
        raise access.AccessRefused(permission, target)
    record(
        AuditAction.READ,
        case,
        case_pseudonym=case.pseudonym,
        purpose=purpose,
        details={"fields": sorted(fields)},
    )


def case_for_editing(case: Case, viewer: User) -> dict[str, str]:
    """The case manager's edit page: the members' role labels by id (the page shows the
    whole case); records the read."""
    record_read(viewer, case, "case.edit", purpose="Fallbearbeitung")
    return {
        str(m.id): label for m, label in zip(case.members, role_labels(case.members), strict=True)
    }


def member_for_editing(case: Case, member: FamilyMember, viewer: User) -> dict:
    """One person's data for the edit form; records the read."""
    record_read(viewer, case, "case.edit", purpose="Fallbearbeitung", fields=["member"])
    return {
        "role": member.role,
        "sex": member.sex,
        "first_name": member.first_name,
        "last_name": member.last_name,
        "birth_date": member.born,
        "address": member.address,
        "deceased": member.fact("deceased"),
        "in_household": member.fact("in_household"),
        "is_index": member.fact("is_index"),
    }


def family_for_consent(case: Case, viewer: User) -> list[tuple[str, str]]:
    """The family members by label and name, for choosing who grants a consent; records the
    read."""
    record_read(
        viewer,
        case,
        "consent.record",
        purpose="Schweigepflichtsentbindung",
        fields=["member_names"],
    )
    return [
        (str(m.id), f"{label}: {m.first_name or ''} {m.last_name or ''}".strip())
        for m, label in zip(case.members, role_labels(case.members), strict=True)
    ]


def consent_history(case: Case) -> list[Consent]:
    """Every version of every consent of the case, newest first."""
    return list(
        db.session.scalars(
            select(Consent).where(Consent.case_id == case.id).order_by(Consent.created_dt.desc())
        )
    )


@dataclass
class CaseRow:
    """One line of the Fachkraft's case list."""

    case: Case
    family_names: str
    consents_in_force: int


def case_list_rows(cases: list[Case]) -> list[CaseRow]:
    """Rows for the own-case list; reading the family names is recorded per case."""
    rows = []
    for case in cases:
        names = sorted({m.last_name for m in case.members if isinstance(m.last_name, str)})
        rows.append(CaseRow(case, ", ".join(names), len(consents_in_force(case))))
        record(
            AuditAction.READ,
            case,
            case_pseudonym=case.pseudonym,
            purpose="Fallliste",
            details={"fields": ["member_names"]},
        )
    return rows


def cases_managed_by(user: User, *, category: str | None = None, sort: str = "pseudonym"):
    """The cases ``user`` manages (fallführend), optionally of one category."""
    query = select(Case).where(Case.case_manager_id == user.id)
    if category:
        query = query.where(Case.category == category)
    order = {
        "pseudonym": Case.pseudonym,
        "newest": Case.created_dt.desc(),
        "category": Case.category,
    }.get(sort, Case.pseudonym)
    return list(db.session.scalars(query.order_by(order)))


def cases_shared_with(user: User) -> list[Case]:
    """Cases whose presentation ``user`` may see now (as member or guest)."""
    now = utcnow()
    return list(
        db.session.scalars(
            select(Case)
            .join(CaseParticipant, CaseParticipant.case_id == Case.id)
            .where(
                CaseParticipant.user_id == user.id,
                CaseParticipant.valid_from_dt <= now,
                CaseParticipant.valid_until_dt > now,
            )
            .distinct()
            .order_by(Case.pseudonym)
        )
    )


def case_managers() -> list[User]:
    """Active accounts that may manage cases."""
    users = db.session.scalars(select(User).where(User.active).order_by(User.display_name))
    return [u for u in users if access.allowed(u, "case.register")]


def active_users() -> list[User]:
    """All active accounts, by name (for recipients and participants)."""
    return list(db.session.scalars(select(User).where(User.active).order_by(User.display_name)))


def item_presenting(case: Case, viewer: User) -> AgendaItem | None:
    """The agenda item through which ``viewer`` (not the case manager) sees the case now:
    the item of a session whose day has not ended that they may see, if any. There the
    presenter's switches (genogram, resource map) decide what is shown."""
    now = utcnow()
    items = db.session.scalars(
        select(AgendaItem)
        .join(Meeting, Meeting.id == AgendaItem.meeting_id)
        .where(AgendaItem.case_id == case.id, Meeting.ends_dt > now - timedelta(days=1))
        .order_by(Meeting.starts_dt)
    )
    return next(
        (i for i in items if meeting_day_end(i.meeting) > now and access.may_see_item(viewer, i)),
        None,
    )


def registrations_of(case: Case) -> list[AgendaItem]:
    """The case's registrations for sessions from today on, earliest first."""
    today_start = utcnow().replace(hour=0, minute=0, second=0, microsecond=0)
    return list(
        db.session.scalars(
            select(AgendaItem)
            .join(Meeting, Meeting.id == AgendaItem.meeting_id)
            .where(AgendaItem.case_id == case.id, Meeting.starts_dt >= today_start)
            .order_by(Meeting.starts_dt)
        )
    )
