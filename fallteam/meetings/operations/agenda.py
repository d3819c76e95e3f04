"""Changes to the agenda: registering a case for a session (TOP), its guests and documents,
and late items.

Every function flushes and writes its audit event; none commits.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from fallteam import access
from fallteam.audit.models import AuditAction
from fallteam.audit.operations import record
from fallteam.auth import operations as accounts
from fallteam.auth.models import Institution, User
from fallteam.cases.guard import Hit, identity_hits
from fallteam.cases.models import Case
from fallteam.cases.operations import identity_of
from fallteam.consent.models import Purpose
from fallteam.consent.operations import check_document
from fallteam.core.models import utcnow
from fallteam.core.text import safe_file_name
from fallteam.extensions import db
from fallteam.meetings.models import (
    ITEM_PURPOSE_LABELS,
    AgendaDocument,
    AgendaGuest,
    AgendaItem,
    Meeting,
    MeetingStatus,
    Method,
)
from fallteam.meetings.operations import MeetingError, invitations, windows
from fallteam.meetings.queries.agenda import items_of
from fallteam.meetings.rules import (
    MAX_ITEM_MINUTES,
    local_text,
    meeting_day_end,
    registration_deadline,
)
from fallteam.teams.models import Team


class IdentityInText(MeetingError):
    """The re-identification guard found identity data in a text the team will read."""

    def __init__(self, field: str, hits: list[Hit]) -> None:
        kinds = sorted({h.kind for h in hits})
        super().__init__(
            _(
                "Der Text enthält Angaben, die die Familie erkennbar machen (%(kinds)s). "
                "Bitte durch Rollen (z. B. „Mutter“, „Kind 1“) ersetzen.",
                kinds=", ".join(str(_HIT_WORDS.get(k, k)) for k in kinds),
            )
        )
        self.field = field
        self.hits = hits


_HIT_WORDS = {"name": _l("Name"), "birth_date": _l("Geburtsdatum"), "street": _l("Anschrift")}


@dataclass
class Registration:
    """What the registration form collects about one TOP."""

    method: str
    question: str
    presentation: str
    expected_minutes: int
    include_genogram: bool = True
    include_resource_map: bool = True
    pseudonymised_confirmed: bool = False
    #: ``ITEM_PURPOSE_LABELS``: which consents count for the item
    purpose: str = Purpose.FALLBERATUNG
    #: [{"category", "member" (id str or None: the whole family), "text"}]
    category_notes: list[dict] = field(default_factory=list)


#: data categories whose free text the presenter enters apart from the presentation
NOTE_CATEGORIES = ("health", "school", "finances")


def _team_of(meeting: Meeting) -> Team:
    return db.session.get(Team, meeting.team_id)


def deadline_passed(meeting: Meeting, now: datetime) -> bool:
    """Whether registration for the session has closed."""
    return now >= registration_deadline(meeting, _team_of(meeting))


def _check_texts(case: Case, data: Registration) -> None:
    persons = identity_of(case)
    texts = [(name, getattr(data, name)) for name in ("question", "presentation")]
    texts += [(f"{n['category']}_note", n["text"]) for n in data.category_notes]
    for name, text in texts:
        text = (text or "").strip()
        hits = identity_hits(text, persons) if text else []
        if hits:
            raise IdentityInText(name, hits)
    members = {str(m.id) for m in case.members}
    for note in data.category_notes:
        if note["category"] not in NOTE_CATEGORIES or (
            note.get("member") is not None and note["member"] not in members
        ):
            raise MeetingError(_("Diese Angabe gehört zu keiner Person des Falls."))


def _check(case: Case, meeting: Meeting, data: Registration, now: datetime) -> None:
    if meeting.status != MeetingStatus.PLANNED:
        raise MeetingError(_("Diese Sitzung ist abgesagt."))
    if meeting.starts_dt <= now:
        raise MeetingError(_("Diese Sitzung hat schon begonnen."))
    if data.method not in set(Method):
        raise MeetingError(_("Bitte eine Methode wählen."))
    if data.purpose not in ITEM_PURPOSE_LABELS:
        raise MeetingError(_("Bitte einen Zweck wählen."))
    if not 5 <= data.expected_minutes <= MAX_ITEM_MINUTES:
        raise MeetingError(
            _("Die Dauer liegt zwischen 5 und %(most)s Minuten.", most=MAX_ITEM_MINUTES)
        )
    _check_texts(case, data)


def _apply(item: AgendaItem, data: Registration) -> None:
    item.method = data.method
    item.purpose = data.purpose
    item.question = data.question.strip() or None
    item.presentation = data.presentation.strip() or None
    item.expected_minutes = data.expected_minutes
    item.include_genogram = data.include_genogram
    item.include_resource_map = data.include_resource_map
    item.pseudonymised_confirmed = data.pseudonymised_confirmed
    item.category_notes = [
        {"category": n["category"], "member": n.get("member"), "text": n["text"].strip()}
        for n in data.category_notes
        if (n.get("text") or "").strip()
    ] or None


def _confirmation(confirmed_before: bool, item: AgendaItem) -> dict:
    """The audit detail of the presenter's confirmation to present the case pseudonymised
    to guests no consent covers, when this change gives it: a disclosure decision the DPO
    lists (``dpo.list_disclosures``)."""
    if item.pseudonymised_confirmed and not confirmed_before:
        return {"disclosure": "pseudonymised_presentation_confirmed"}
    return {}


def _opened_by_case_manager(item: AgendaItem, actor: User) -> bool:
    # A moderator's late item must not open a case to the team: only its case manager does.
    return actor.id == item.case.case_manager_id


def register_case_for_meeting(
    case: Case,
    meeting: Meeting,
    data: Registration,
    *,
    actor: User,
    now: datetime | None = None,
    late_reason: str | None = None,
) -> AgendaItem:
    """Put ``case`` on the agenda of ``meeting``.

    Before the registration deadline the fallführende Fachkraft registers; afterwards only
    the session's moderator can add an item, and only with a reason (the view checks who
    acts; this checks the reason). Question and presentation must pass the
    re-identification guard. The team members get to see the pseudonymised presentation.
    """
    now = now or utcnow()
    if case.closed_on is not None or case.restriction is not None or case.deleted_dt is not None:
        # A closed, restricted or deleted case is no longer presented (its owner reopens it).
        raise MeetingError(
            _("Ein abgeschlossener oder gesperrter Fall kann nicht angemeldet werden.")
        )
    _check(case, meeting, data, now)
    if deadline_passed(meeting, now) and not (late_reason or "").strip():
        deadline = registration_deadline(meeting, _team_of(meeting))
        raise MeetingError(
            _(
                "Die Anmeldefrist für diese Sitzung ist am %(deadline)s Uhr abgelaufen. "
                "Nachmeldungen nimmt nur die Moderation der Sitzung an.",
                deadline=local_text(deadline),
            )
        )
    if db.session.scalar(
        select(AgendaItem.id).where(
            AgendaItem.meeting_id == meeting.id, AgendaItem.case_id == case.id
        )
    ):
        raise MeetingError(_("Dieser Fall ist für diese Sitzung bereits angemeldet."))
    item = AgendaItem(
        meeting_id=meeting.id,
        case_id=case.id,
        presenter_id=case.case_manager_id,
        registered_by_id=actor.id,
        position=len(items_of(meeting)),
        late_reason=(late_reason or "").strip() or None,
    )
    _apply(item, data)
    db.session.add(item)
    db.session.flush()
    record(
        AuditAction.CREATE,
        item,
        actor=actor,
        case_pseudonym=case.pseudonym,
        purpose="Nachmeldung durch die Moderation" if item.late_reason else None,
        details={
            "meeting": str(meeting.id),
            "method": item.method,
            "late": bool(late_reason),
            **_confirmation(False, item),
        },
    )
    if _opened_by_case_manager(item, actor):
        windows.grant_team(item, actor=actor, now=now)
    return item


def update_registration(
    item: AgendaItem, data: Registration, *, actor: User, now: datetime | None = None
) -> None:
    """Change a registration until the session begins (question, presentation, documents;
    the deadline governs only new items). The case manager's save opens the presentation to
    the team if the moderator had added the item."""
    now = now or utcnow()
    _check(item.case, item.meeting, data, now)
    confirmed_before = item.pseudonymised_confirmed
    _apply(item, data)
    db.session.flush()
    record(
        AuditAction.UPDATE,
        item,
        case_pseudonym=item.case.pseudonym,
        details={"meeting": str(item.meeting_id), **_confirmation(confirmed_before, item)},
    )
    if _opened_by_case_manager(item, actor):
        windows.grant_team(item, actor=actor, now=now)
        windows.open_pending_windows(item, now=now)


def withdraw_registration(item: AgendaItem, *, now: datetime | None = None) -> None:
    """Take a case off the agenda before the session; the participations it opened end, and
    so do the accounts made for its outside guests."""
    now = now or utcnow()
    meeting = item.meeting
    if meeting.starts_dt <= now:
        raise MeetingError(_("Die Sitzung hat begonnen; der Punkt bleibt auf der Tagesordnung."))
    windows.end_windows(item.case, meeting_day_end(meeting), now=now)
    for guest in item.guests:
        if guest.account_for_item:
            db.session.get(User, guest.user_id).expires_dt = now
    case = item.case
    db.session.delete(item)
    db.session.flush()
    for position, other in enumerate(items_of(meeting)):
        other.position = position
    db.session.flush()
    record(
        AuditAction.DELETE,
        object_type="agenda_item",
        object_id=item.id,
        case_pseudonym=case.pseudonym,
        details={"meeting": str(meeting.id)},
    )


# --- guests -------------------------------------------------------------------------------


def guest_candidates(item: AgendaItem) -> list[User]:
    """People who can be invited to the item: active accounts that are not the presenter,
    not already invited, and not team members of the session (they take part anyway)."""
    invited = {g.user_id for g in item.guests}
    users = db.session.scalars(
        select(User).where(User.active.is_(True)).order_by(User.display_name)
    ).all()
    return [
        u
        for u in users
        if u.id != item.presenter_id
        and u.id not in invited
        and not u.expired()
        and not access.team_member_of(u, item.meeting)
        and access.allowed(u, "agenda.view_item")
    ]


def add_guest(item: AgendaItem, user: User, *, now: datetime | None = None) -> AgendaGuest:
    """Invite a person with an account to this one item. If the session's invitation has
    already gone out, theirs goes out now (and their window opens)."""
    now = now or utcnow()
    if user.id not in {u.id for u in guest_candidates(item)}:
        raise MeetingError(_("Diese Person kann zu diesem Punkt nicht eingeladen werden."))
    return _add_guest(item, user, now=now, account_for_item=False)


def _add_guest(item: AgendaItem, user: User, *, now: datetime, account_for_item: bool):
    guest = AgendaGuest(item_id=item.id, user_id=user.id, account_for_item=account_for_item)
    item.guests.append(guest)
    # A new guest changes who may see what: the presenter must look at it again.
    item.pseudonymised_confirmed = False
    db.session.flush()
    record(
        AuditAction.CREATE,
        guest,
        case_pseudonym=item.case.pseudonym,
        details={"user": str(user.id), "account_for_item": account_for_item},
    )
    invitations.invite_guest(guest, now=now)
    return guest


def add_outside_guest(
    item: AgendaItem,
    *,
    name: str,
    institution: Institution | None,
    email: str,
    now: datetime | None = None,
) -> tuple[AgendaGuest, User, str]:
    """Invite an outside person (no account yet): they get a guest account for this item
    that ends with the session day. Returns the guest, the account and its one-time
    password (shown once to the presenter, who passes it on in person or by phone)."""
    now = now or utcnow()
    if institution is None or not institution.active:
        raise MeetingError(_("Bitte eine Institution wählen."))
    if not name.strip():
        raise MeetingError(_("Bitte den Namen des Gastes angeben."))
    user, one_time = accounts.create_user(
        username=f"gast-{secrets.token_hex(4)}",
        display_name=name,
        email=email,
        roles=["guest"],
        institution=institution,
    )
    user.expires_dt = meeting_day_end(item.meeting)
    db.session.flush()
    guest = _add_guest(item, user, now=now, account_for_item=True)
    return guest, user, one_time


def remove_guest(item: AgendaItem, guest: AgendaGuest, *, now: datetime | None = None) -> None:
    """Withdraw an invitation; the guest loses the item at once (and an account made for it
    ends)."""
    now = now or utcnow()
    user = db.session.get(User, guest.user_id)
    windows.end_windows(item.case, meeting_day_end(item.meeting), now=now, user_id=user.id)
    if guest.account_for_item:
        user.expires_dt = now
    item.guests.remove(guest)
    db.session.flush()
    record(
        AuditAction.DELETE,
        object_type="agenda_guest",
        object_id=guest.id,
        case_pseudonym=item.case.pseudonym,
        details={"user": str(user.id)},
    )


# --- documents ----------------------------------------------------------------------------


def add_document(item: AgendaItem, *, filename: str, content: bytes) -> AgendaDocument:
    """Attach a further document (PDF or image), encrypted with the case's key."""
    media_type = check_document(content)
    document = AgendaDocument(
        item_id=item.id,
        case_id=item.case_id,
        filename=safe_file_name(filename),
        media_type=media_type,
        size=len(content),
        content=content,
    )
    item.documents.append(document)
    db.session.flush()
    record(
        AuditAction.CREATE,
        document,
        case_pseudonym=item.case.pseudonym,
        details={"size": len(content), "media_type": media_type},
    )
    return document


def remove_document(item: AgendaItem, document: AgendaDocument) -> None:
    """Remove an attached document."""
    item.documents.remove(document)
    db.session.flush()
    record(
        AuditAction.DELETE,
        object_type="agenda_document",
        object_id=document.id,
        case_pseudonym=item.case.pseudonym,
    )
