"""Reading cases: what each viewer gets to see, built only from the fields they may see."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import load_only, selectinload

from fallteam import access
from fallteam.audit.models import AuditAction
from fallteam.audit.operations import record, record_each
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
    ParticipantKind,
)
from fallteam.cases.rules import age_on, role_labels
from fallteam.consent.models import Consent, Purpose
from fallteam.consent.queries import (
    Visibility,
    consents_in_force_for,
    recipient_users,
    visible_fields,
)
from fallteam.core.models import utcnow
from fallteam.crypto.envelope import prime_keys
from fallteam.extensions import db
from fallteam.meetings.models import AgendaItem, Meeting
from fallteam.meetings.rules import meeting_day_end
from fallteam.teams.models import Team


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
    fields: Visibility
    category_label: str
    members: list[MemberView] = field(default_factory=list)
    genogram: str | None = None
    resource_map: str | None = None
    background: str | None = None
    consents: list[Consent] = field(default_factory=list)
    #: the accounts the consents name (user id -> user)
    recipients: dict = field(default_factory=dict)

    def shows(self, name: str) -> bool:
        """Whether the viewer may see this field (for the case, or for at least one person)."""
        return self.fields.shown_anywhere(name)

    def released(self, category: str, member_id: uuid.UUID | None = None) -> bool:
        """Whether ``category`` is released for that person (None: the whole family)."""
        return self.fields.released(category, member_id)

    @property
    def is_full(self) -> bool:
        """The fallführende Fachkraft's view."""
        return "file_number" in self.fields


def _text(value) -> str | None:
    return value if isinstance(value, str) else (str(value) if value is not None else None)


def _members(case: Case, visibility: Visibility) -> list[MemberView]:
    """Each family member with what was released of that very person: a member nobody
    released stays a role label."""
    today = utcnow().date()
    views = []
    for member, label in zip(case.members, role_labels(case.members, today), strict=True):
        name = " ".join(p for p in (_text(member.first_name), _text(member.last_name)) if p)
        fields = visibility.of(member.id)
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
    return genogram_svg(people, relations, title=_("Genogramm %(case)s", case=case.pseudonym))


def _resource_map(case: Case, fields: frozenset[str]) -> str:
    nodes = [
        ResourceNode(
            label=_text(entry.label)
            if "resource_labels" in fields
            else str(RESOURCE_KIND_LABELS.get(entry.kind, entry.kind)),
            kind=entry.kind,
            quality=entry.quality,
        )
        for entry in case.resources
    ]
    return resource_map_svg(
        _("Familie %(case)s", case=case.pseudonym),
        nodes,
        title=_("Ressourcenkarte %(case)s", case=case.pseudonym),
    )


def present_case(
    case: Case, viewer: User, purpose: str = Purpose.FALLBERATUNG, item: Any = None
) -> CaseView:
    """The case as ``viewer`` may see it now for an item of ``purpose``; records that they
    read it (and what). Through an agenda ``item`` (the item page), seeing the item is what
    entitles; otherwise the case page's permission."""
    fields = visible_fields(viewer, case, purpose=purpose)
    view = CaseView(
        case=case, fields=fields, category_label=CATEGORY_LABELS.get(case.category, case.category)
    )
    view.members = _members(case, fields)
    view.genogram = _genogram(case, view.members)
    view.resource_map = _resource_map(case, fields)
    released = case.background_status == BackgroundStatus.RELEASED
    # The released background is free text that may carry health, school or money matters:
    # team members read it, guests (who see only their agenda item) never do.
    if view.is_full or (released and access.allowed(viewer, "case.read_pseudonymised", case)):
        view.background = _text(case.background)
    if "consents" in fields:
        view.consents = consent_history(case)
        view.recipients = recipient_users(view.consents)
    if item is None:
        permission, on = "case.read_pseudonymised", None
    else:
        permission, on = "agenda.view_item", item
    record_read(
        viewer,
        case,
        permission,
        purpose="Fallführung" if view.is_full else "Fallberatung",
        fields=_read_fields(fields),
        on=on,
        consent_ids=fields.consent_ids,
    )
    return view


def _read_fields(visibility: Visibility) -> set[str]:
    """What was shown, for the audit log: the case's fields and, per person, "member:<id>:…"."""
    shown = set(visibility)
    for member, fields in visibility.members.items():
        shown.update(f"{field}:{member}" for field in fields)
    return shown


#: on what basis a read was allowed, as a read event's details name it (``basis``)
BASIS_OWNER = "fallführend"
BASIS_MEMBER = "Teilnahme an der Sitzung"
BASIS_GUEST = "Gast (eingeladen)"
BASIS_WRITER = "Protokollführung"
BASIS_MODERATOR = "Moderation"
BASIS_RESPONSIBLE = "Zuständigkeit (Wiedervorlage)"
#: added to the basis where consents released data to the viewer (their ids: ``consent_ids``)
BASIS_CONSENT = "Schweigepflichtsentbindung"


def read_basis(viewer: User, case: Case, on: Any = None) -> str:
    """Why ``viewer`` may read ``case`` through ``on`` (an agenda item, a protocol, a session,
    a team; None: the case page), once the permission is granted: the relation that granted
    it, for the audit log. Asks only what the access check has just answered (team
    membership is memoised per request)."""
    if case.case_manager_id == viewer.id:
        return BASIS_OWNER
    if isinstance(on, Team):
        return BASIS_RESPONSIBLE
    item = on if isinstance(on, AgendaItem) else getattr(on, "item", None)
    meeting = on if isinstance(on, Meeting) else getattr(item, "meeting", None)
    if item is not None and item.writer_id == viewer.id:
        return BASIS_WRITER
    if meeting is not None and meeting.moderator_id == viewer.id:
        return BASIS_MODERATOR
    if meeting is not None and not access.team_member_of(viewer, meeting):
        # not in the session's team, yet allowed on its item or agenda: an invited guest
        return BASIS_GUEST
    # a member of the session's team, or (the case page) a member taking part in the case
    return BASIS_MEMBER


def _read_details(viewer: User, case: Case, on: Any, fields, consent_ids) -> dict:
    """What the read event notes besides the case: the fields shown, the basis of the read
    and the consents that released data; where the read happened through a session (its
    agenda, an agenda item, a Fallprotokoll), that session's id, so the DPO's access report
    can group reads by session."""
    basis = read_basis(viewer, case, on)
    details: dict[str, Any] = {"fields": sorted(fields), "basis": basis}
    if consent_ids:
        details["basis"] = f"{basis}, {BASIS_CONSENT}"
        details["consent_ids"] = sorted(str(c) for c in consent_ids)
    if isinstance(on, Meeting):
        details["meeting"] = str(on.id)
    elif isinstance(on, AgendaItem):
        details["meeting"] = str(on.meeting_id)
    elif isinstance(getattr(on, "item", None), AgendaItem):
        details["meeting"] = str(on.item.meeting_id)
    return details


def record_read(
    viewer: User,
    case: Case,
    permission: str,
    *,
    purpose: str,
    fields=("all",),
    on=None,
    consent_ids=(),
) -> None:
    """The one point where reading a case's content is recorded: the query that loads the
    content for ``viewer`` calls it, after checking ``permission`` (on ``on``, the case by
    default). Views never record reads themselves. The event names the basis of the read
    (``read_basis``) and the ``consent_ids`` of the consents that released data to the
    viewer (ids only, from ``consent.queries.visible_fields``)."""
    target = case if on is None else on
    if not access.allowed(viewer, permission, target):
        raise access.AccessRefused(permission, target)
    details = _read_details(viewer, case, on, fields, consent_ids)
    if access.restricted(case):
        # Its approved owner reads a restricted case only naming why (asked by the page
        # before; § 84 Abs. 3 SGB X): the reason from the list goes with the read. Never free
        # text: the log is plaintext and outlives the case's deletion, and a note such as a
        # court's file number identifies the family.
        reason = access.read_reason(case)
        if reason is None:
            raise access.AccessRefused(permission, target)
        purpose = f"Gesperrter Fall: {reason}"
        details["restricted_read"] = {"reason": reason}
    record(
        AuditAction.READ,
        case,
        case_pseudonym=case.pseudonym,
        purpose=purpose,
        details=details,
    )


def record_agenda_read(
    viewer: User, cases: list[Case], permission: str, on: Any, *, purpose: str, fields
) -> list[Case]:
    """Reading an agenda that shows content of several cases: the permission is checked once
    on ``on`` (the session), and the read recorded per case, so that "who read case X"
    stays one look at the case's events (an agenda holds a handful of cases, unlike the
    case list, which records one event naming its cases). A case a restriction or its
    deletion keeps ``viewer`` out of (``access.kept_out``) is dropped, whatever the caller
    passed: the cases returned are those recorded, the only ones the page may show. (Pages
    that show more than pseudonyms also leave out what ``access.content_listed`` refuses.)"""
    if not access.allowed(viewer, permission, on):
        raise access.AccessRefused(permission, on)
    cases = [case for case in cases if not access.kept_out(viewer, case)]
    for case in cases:
        record(
            AuditAction.READ,
            case,
            case_pseudonym=case.pseudonym,
            purpose=purpose,
            details=_read_details(viewer, case, on, fields, ()),
        )
    return cases


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


#: how the own-case list can be sorted (URL value -> order); the id makes every order total
CASE_LIST_SORTS = {
    "pseudonym": (Case.pseudonym,),
    "newest": (Case.created_dt.desc(), Case.pseudonym),
    "category": (Case.category, Case.pseudonym),
}
CASE_LIST_PAGE_SIZE = 25


@dataclass
class CaseListPage:
    """One page of the own-case list."""

    rows: list[CaseRow]
    page: int
    pages: int
    total: int


def case_list_page(
    user: User,
    *,
    category: str | None = None,
    sort: str = "pseudonym",
    page: int = 1,
    per_page: int = CASE_LIST_PAGE_SIZE,
) -> CaseListPage:
    """One page of the cases ``user`` manages, in a constant number of queries (count, ids,
    data keys, cases, family members, consents); records one read event per case
    shown."""
    # a deleted case is a tombstone: it leaves the list (its certificate is the DPO's)
    conditions = [Case.case_manager_id == user.id, Case.deleted_dt.is_(None)]
    if category:
        conditions.append(Case.category == category)
    total = db.session.scalar(select(func.count()).select_from(Case).where(*conditions)) or 0
    pages = max(1, -(-total // per_page))
    page = min(max(page, 1), pages)
    order = CASE_LIST_SORTS.get(sort, CASE_LIST_SORTS["pseudonym"])
    ids = list(
        db.session.scalars(
            select(Case.id)
            .where(*conditions)
            .order_by(*order, Case.id)
            .limit(per_page)
            .offset((page - 1) * per_page)
        )
    )
    prime_keys(db.session, ids)
    loaded = {
        case.id: case
        for case in db.session.scalars(
            select(Case)
            .where(Case.id.in_(ids))
            # only what the list shows: the other encrypted fields are not even decrypted
            .options(
                load_only(Case.pseudonym, Case.category, Case.child_protection, Case.restriction),
                selectinload(Case.members).load_only(FamilyMember.case_id, FamilyMember.last_name),
            )
        )
    }
    cases = [loaded[i] for i in ids]
    in_force = consents_in_force_for(cases)
    rows = [
        CaseRow(
            case,
            # a restricted case names its family only on a read with a reason (its page)
            ""
            if access.restricted(case)
            else ", ".join(
                sorted({m.last_name for m in case.members if isinstance(m.last_name, str)})
            ),
            len(in_force[case.id]),
        )
        for case in cases
    ]
    # One read per case shown (the list names the families): "who read case X" and the
    # Art. 15 answer find every read by the case's pseudonym. The events are written in one
    # statement with the request's commit, so a page of 25 costs no more queries than one.
    record_each(
        AuditAction.READ,
        cases,
        purpose="Fallliste",
        details={"fields": ["member_names"], "basis": BASIS_OWNER},
    )
    return CaseListPage(rows=rows, page=page, pages=pages, total=total)


def cases_shared_with(user: User) -> list[Case]:
    """Cases whose page ``user`` may open now as a member taking part (a guest's
    participation opens only the agenda item, reached through the session). Only their
    pseudonyms are loaded — the lists that show them name nothing else — so no field is
    decrypted and no data key unwrapped for them."""
    now = utcnow()
    shared = (
        select(CaseParticipant.case_id)
        .where(
            CaseParticipant.user_id == user.id,
            CaseParticipant.kind == ParticipantKind.MEMBER,
            CaseParticipant.valid_from_dt <= now,
            CaseParticipant.valid_until_dt > now,
        )
        .distinct()
    )
    return list(
        db.session.scalars(
            select(Case)
            .where(Case.id.in_(shared))
            .options(load_only(Case.pseudonym))
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
