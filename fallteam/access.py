"""The one place that answers "may this user do X (to this object)?".

Static permissions come from ``security/policy.toml``; the relationship rules (fallführend,
team member, invited guest, moderator) live here too and read only models and the domains'
pure rules. Views call ``require``; templates call ``can``. Neither checks a role by name.
"""

from __future__ import annotations

import tomllib
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from flask import Flask, current_app, g, has_request_context, redirect, request, session, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import event as sa_event
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload
from werkzeug.exceptions import Forbidden

from fallteam.cases.models import Case, CaseParticipant, ParticipantKind
from fallteam.core.models import utcnow
from fallteam.extensions import db, login_manager
from fallteam.meetings.models import (
    PRESENT_FOR_ITEM,
    AgendaItem,
    ConfidentialityPledge,
    ItemAttendance,
    Meeting,
    MeetingAttendance,
)
from fallteam.meetings.rules import guest_window_open, local_day, meeting_day, meeting_day_end
from fallteam.protocols.models import ProtocolStatus, TeamProtocol
from fallteam.retention.models import TeamProtocolDeletionProposal
from fallteam.retention.rules import RestrictionState
from fallteam.teams.models import MemberKind, TeamMember

POLICY_PATH = Path(__file__).resolve().parent.parent / "security" / "policy.toml"


class PolicyError(RuntimeError):
    """The policy file contradicts itself or names unknown permissions."""


@dataclass(frozen=True)
class Role:
    """One role of the policy."""

    name: str
    label: str
    description: str
    grants: frozenset[str]
    never: frozenset[str]


@dataclass(frozen=True)
class Policy:
    """Roles x permissions, deny by default."""

    permissions: dict[str, str]
    roles: dict[str, Role]

    @classmethod
    def load(cls, path: Path = POLICY_PATH) -> Policy:
        """Read and check the policy file."""
        with path.open("rb") as fh:
            data = tomllib.load(fh)
        permissions = dict(data.get("permissions", {}))
        roles = {}
        for name, spec in data.get("roles", {}).items():
            role = Role(
                name=name,
                label=spec["label"],
                description=spec.get("description", ""),
                grants=frozenset(spec.get("grants", [])),
                never=frozenset(spec.get("never", [])),
            )
            unknown = (role.grants | role.never) - permissions.keys()
            if unknown:
                raise PolicyError(f"Rolle {name}: unbekannte Berechtigungen {sorted(unknown)}")
            if role.grants & role.never:
                raise PolicyError(
                    f"Rolle {name}: {sorted(role.grants & role.never)} "
                    "zugleich erlaubt und verboten"
                )
            roles[name] = role
        return cls(permissions=permissions, roles=roles)

    def permissions_of(self, role_names: Iterable[str]) -> frozenset[str]:
        """What a holder of these roles may do: all grants minus everything any role forbids."""
        known = [self.roles[r] for r in role_names if r in self.roles]
        granted = frozenset().union(*(r.grants for r in known))
        forbidden = frozenset().union(*(r.never for r in known))
        return granted - forbidden

    def matrix(self) -> list[tuple[str, str, dict[str, str]]]:
        """Rows for display: permission, description, role -> 'ja' / 'nie' / ''."""
        rows = []
        for perm, text in self.permissions.items():
            cells = {}
            for name, role in self.roles.items():
                cells[name] = "ja" if perm in role.grants else "nie" if perm in role.never else ""
            rows.append((perm, text, cells))
        return rows


#: The policy file's words in the visitor's language: listed here so that ``make messages``
#: extracts them (a test checks that every label and description of the file is listed);
#: templates and forms show them through ``gettext``.
POLICY_TEXTS = (
    _l(
        "Vor dem Lesen eines gesperrten Falls den Grund angeben (nur die vom Datenschutz "
        "zugelassene fallführende Fachkraft)"
    ),
    _l(
        "Ein Thema ohne Fallbezug bis zum Sitzungsbeginn bearbeiten oder zurückziehen (wer es "
        "angemeldet hat, Moderation der Sitzung)"
    ),
    _l("Startseite sehen"),
    _l("Eigenes Konto verwalten (Passwort, zweiter Faktor, Wiederherstellungscodes)"),
    _l("Benutzerkonten anlegen, deaktivieren, Rollen zuweisen, zweiten Faktor zurücksetzen"),
    _l("Berechtigungsmatrix einsehen"),
    _l("Eigene Fälle anlegen und fallführend betreuen"),
    _l(
        "Eigene Fälle bearbeiten, Familie, Genogramm und Ressourcenkarte pflegen, Fallführung"
        " übertragen, Teilnehmende freigeben"
    ),
    _l("Echte Identität eines Falls sehen (nur eigene Fälle, SGB VIII § 64 Abs. 2a, § 65)"),
    _l("Pseudonymisierte Falldarstellungen sehen (nur in eigenen Sitzungen bzw. Einladungen)"),
    _l("Schweigepflichtsentbindungen zu eigenen Fällen erfassen und widerrufen"),
    _l("Fallprotokoll schreiben, wenn zugeteilt"),
    _l(
        "Ein Fallprotokoll lesen (fallführende Fachkraft, Protokollführung, Moderation der "
        "Sitzung, Mitglieder des Fallteams, die bei diesem Punkt anwesend waren; Gäste, die "
        "bei diesem Punkt anwesend waren, nur im Einladungszeitraum; nie bei Befangenheit)"
    ),
    _l(
        "Das Teamprotokoll einer Sitzung lesen (Moderation der Sitzung und anwesende "
        "Mitglieder des Fallteams; nie Gäste)"
    ),
    _l(
        "Das Teamprotokoll führen: Notizen, Abschluss der Sitzung mit allen Fallprotokollen, "
        "Nachträge (die für die Sitzung eingeteilte Moderation, solange sie dem Fallteam "
        "angehört)"
    ),
    _l(
        "Ein Fallprotokoll abschließen (die für die Sitzung eingeteilte Moderation, solange "
        "sie dem Fallteam angehört)"
    ),
    _l(
        "Einem abgeschlossenen Fallprotokoll einen Nachtrag anfügen (Protokollführung, "
        "Moderation, fallführende Fachkraft)"
    ),
    _l(
        "Einen signierten Protokollauszug eines abgeschlossenen Fallprotokolls für die "
        "Fallakte erstellen (nur fallführende Fachkraft)"
    ),
    _l(
        "Den Verlauf eines eigenen Falls über alle Sitzungen sehen: Fallprotokolle, Auszüge, "
        "Wiedervorlagen (nur fallführende Fachkraft)"
    ),
    _l("Protokoll der Zugriffe (Audit-Log) lesen und Auskunftsberichte erstellen"),
    _l(
        "Auskunft nach Art. 15 DSGVO mit Inhalten erstellen: die gespeicherten Daten einer "
        "Person in eigenen Fällen, gefunden über Name und Geburtsdatum (nur fallführende "
        "Fachkraft)"
    ),
    _l("Fallteams, denen man angehört, mit Sitzungen und Moderationsplan sehen"),
    _l(
        "Fallteams anlegen, Mitglieder und Abwesenheiten pflegen, Sitzungen erzeugen, "
        "Moderationsplan erstellen und veröffentlichen"
    ),
    _l(
        "Tagesordnung einer Sitzung sehen (Mitglieder des Fallteams, Vorstellende; Gäste nur "
        "ihren Punkt im Einladungszeitraum)"
    ),
    _l(
        "Eine Sitzung leiten: Reihenfolge, Anwesenheit, Zeit, Protokollführung, Nachmeldungen, "
        "Einladung (nur die für diese Sitzung eingeteilte Moderation)"
    ),
    _l(
        "Eine Sitzung verlegen oder absagen (Moderation dieser Sitzung oder Verwaltung der "
        "Fallteams)"
    ),
    _l("Eigene Fälle zu einer Sitzung anmelden, die Anmeldung bearbeiten und zurückziehen"),
    _l("Wiedervorlagen zu eigenen Fällen setzen, erledigen und erneuern"),
    _l(
        "Im Fallprotokoll Wiedervorlagen vereinbaren und das Ergebnis offener "
        "Wiedervorlagen festhalten (Protokollführung des Punkts, fallführende Fachkraft; "
        "nie befangene Mitglieder)"
    ),
    _l(
        "Wiedervorlagen eines Fallteams sehen (Mitglieder des Fallteams; was betrachtet "
        "werden soll, nur die Verantwortlichen und die fallführende Fachkraft)"
    ),
    _l(
        "Einen Tagesordnungspunkt mit seinen Unterlagen sehen (Mitglieder der Sitzung, "
        "Vorstellende, eingeladene Gäste im Einladungszeitraum)"
    ),
    _l(
        "Eigene Fälle abschließen und wieder öffnen, als bestritten kennzeichnen, die Sperrung "
        "beantragen und vor jedem Lesen eines gesperrten Falls den Grund angeben (nur "
        "fallführende Fachkraft)"
    ),
    _l(
        "Löschfristen, Löschvorschläge, Sperrungen und Löschnachweise sehen (nur Pseudonym, "
        "Klasse, Datum; keine Fallinhalte)"
    ),
    _l(
        "Löschvorschläge bestätigen oder ablehnen (Vier-Augen-Prinzip, nie für einen eigenen "
        "Fall), Sperrungen genehmigen, setzen und aufheben"
    ),
    _l("Fachkraft (ASD)"),
    _l(
        "Fallführende Fachkraft: registriert eigene Fälle, stellt sie vor, erfasst "
        "Schweigepflichtsentbindungen."
    ),
    _l("Fallteam-Mitglied"),
    _l(
        "Ständiges oder zeitweiliges Mitglied: sieht pseudonymisierte Fälle seiner Sitzungen,"
        " schreibt Fallprotokolle."
    ),
    _l("Gast (fallbezogen)"),
    _l(
        "Externe Fachkraft: sieht nur den Tagesordnungspunkt, zu dem sie eingeladen ist, "
        "pseudonymisiert, im Einladungszeitraum."
    ),
    _l("Datenschutzbeauftragte/r"),
    _l("Prüft Zugriffe, erstellt Auskunftsberichte, liest keine Fallinhalte."),
    _l("Administration"),
    _l("Verwaltet Benutzerkonten und Schlüssel, liest keine Fallinhalte."),
)


#: Relationship rules: permission -> rule(user, obj) -> bool, registered by the domains.
ObjectRule = Callable[[Any, Any], bool]
_object_rules: dict[str, ObjectRule] = {}


def object_rule(permission: str) -> Callable[[ObjectRule], ObjectRule]:
    """Register the relationship rule that decides ``permission`` for a concrete object."""

    def register(rule: ObjectRule) -> ObjectRule:
        _object_rules[permission] = rule
        return rule

    return register


# --- restriction and deletion: one predicate for every permission on case content ----------

#: the permissions that open a case's content (or change it); decided on a case, an agenda
#: item, a protocol (anything ``case_of`` finds a case in). A restricted case opens them to
#: its DPO-approved owner only; a deleted case to nobody.
CASE_CONTENT = frozenset(
    {
        "case.read_pseudonymised",
        "case.read_identity",
        "case.edit",
        "consent.record",
        "agenda.register",
        "agenda.view_item",
        "protocol.read",
        "protocol.write",
        "protocol.finalise",
        "protocol.amend",
        "protocol.excerpt",
        "case.history",
        "resubmission.manage",
        "resubmission.agree",
        "case.art15",
    }
)


def case_of(obj: Any) -> Case | None:
    """The case an object of a case permission belongs to: the case itself, an agenda item's
    or a protocol's case (None for anything else)."""
    if isinstance(obj, Case):
        return obj
    if isinstance(obj, AgendaItem):
        return obj.case if obj.case_id is not None else None
    item = getattr(obj, "item", None)
    if isinstance(item, AgendaItem):
        return item.case if item.case_id is not None else None
    case = getattr(obj, "case", None)
    return case if isinstance(case, Case) else None


def restricted(case: Case) -> bool:
    """Whether the case's processing is restricted (Sperrung in force)."""
    return case.restriction == RestrictionState.RESTRICTED


def kept_out(user: Any, case: Case) -> bool:
    """Whether a restriction or the deletion keeps ``user`` out of the case's content:
    everyone once it is deleted; while it is restricted, everyone but the owner the DPO
    approved (members, guests, moderators, writers, other Fachkräfte alike)."""
    if case.deleted_dt is not None:
        return True
    return restricted(case) and case.restricted_for_id != getattr(user, "id", None)


def content_listed(user: Any, case: Case) -> bool:
    """Whether a list-like page (a session's agenda and run view, the Wiedervorlagen due for a
    session, a team's Wiedervorlagen, the Teamprotokoll's agreed Wiedervorlagen) may show
    ``user`` the case's content beside its pseudonym. Never a deleted or restricted case's,
    not even to its approved owner: such pages ask no reason, so they show the pseudonym and
    "gesperrt" only and the owner opens the case itself, naming why. A closed case's only to
    its owner (closing ends everyone else's part in it)."""
    if case.deleted_dt is not None or restricted(case):
        return False
    return case.closed_on is None or case.case_manager_id == getattr(user, "id", None)


#: where the reasons given for reading restricted cases wait (flask session: case id -> reason)
_READ_REASONS = "fallteam_restricted_read_reasons"
#: where this request keeps the reason it took (``flask.g``: case id -> reason)
_REQUEST_REASONS = "fallteam_restricted_read_reason"


def give_read_reason(case: Case, reason: str) -> None:
    """The approved owner names why they open the restricted case: the next request that
    opens its content takes it (one reason, one request)."""
    waiting = dict(session.get(_READ_REASONS, {}))
    waiting[str(case.id)] = reason
    session[_READ_REASONS] = waiting


def read_reason(case: Case) -> str | None:
    """The reason this request opens the restricted case with: taken from the waiting ones
    on first use, so every further request must give a new one."""
    if not has_request_context():
        return None
    taken = g.setdefault(_REQUEST_REASONS, {})
    key = str(case.id)
    if key not in taken:
        waiting = dict(session.get(_READ_REASONS, {}))
        if key not in waiting:
            return None
        taken[key] = waiting.pop(key)
        session[_READ_REASONS] = waiting
    return taken[key]


def reason_missing(user: Any, permission: str, obj: Any) -> Case | None:
    """The restricted case ``user`` (its approved owner) would open with ``permission`` on
    ``obj`` without having named a reason; None when no reason is needed or one was given."""
    if permission not in CASE_CONTENT or obj is None:
        return None
    case = case_of(obj)
    if case is None or not restricted(case) or kept_out(user, case):
        return None
    return case if read_reason(case) is None else None


# --- relationship predicates ---------------------------------------------------------------
# Who stands in which relation to a case, a team, a session or an agenda item. They read only
# models; views ask ``require``/``can``, operations and queries may ask these directly.


def active_participation(
    user: Any, case: Case, at: datetime | None = None, *, kind: str | None = None
):
    """The user's participation in the case's presentation at ``at`` (of ``kind``, when
    given), if any."""
    if not getattr(user, "is_authenticated", False):
        return None
    at = at or utcnow()
    query = select(CaseParticipant).where(
        CaseParticipant.case_id == case.id,
        CaseParticipant.user_id == user.id,
        CaseParticipant.valid_from_dt <= at,
        CaseParticipant.valid_until_dt > at,
    )
    if kind is not None:
        query = query.where(CaseParticipant.kind == kind)
    return db.session.scalar(query.order_by(CaseParticipant.valid_until_dt.desc()))


def memberships_of(user: Any) -> dict[uuid.UUID, list[TeamMember]]:
    """The user's team memberships by team (one query), for deciding many sessions at once
    with ``member_on_meeting_day``."""
    by_team: dict[uuid.UUID, list[TeamMember]] = {}
    for membership in db.session.scalars(select(TeamMember).where(TeamMember.user_id == user.id)):
        by_team.setdefault(membership.team_id, []).append(membership)
    return by_team


def member_on_meeting_day(
    user: Any, meeting: Meeting, memberships: dict[uuid.UUID, list[TeamMember]]
) -> bool:
    """``team_member_of`` from the user's loaded memberships (``memberships_of``): a
    membership of the session's team holds on the session day, and the account may be a team
    member at all (an account whose roles changed to guest stays out, whatever memberships
    are left)."""
    return may_be_team_member(user) and any(
        m.active_on(meeting_day(meeting)) for m in memberships.get(meeting.team_id, [])
    )


#: where ``_per_request`` keeps its answers (on ``flask.g``: one request)
_MEMO = "fallteam_access_memo"


def _per_request(key: tuple, decide: Callable[[], bool]) -> bool:
    """``decide()``, asked once per request for the same ``key``: a page asks the same
    membership question for every item of an agenda. Any flush forgets the answers (a
    request that changes memberships asks afresh); outside a request nothing is kept."""
    if not has_request_context():
        return decide()
    memo = g.setdefault(_MEMO, {})
    if key not in memo:
        memo[key] = decide()
    return memo[key]


@sa_event.listens_for(Session, "after_flush")
def _forget_answers(session: Session, flush_context) -> None:
    if has_request_context():
        g.pop(_MEMO, None)


def team_member_of(user: Any, meeting: Meeting) -> bool:
    """Whether ``user`` belongs to the session's team on the session day."""

    def decide() -> bool:
        memberships = db.session.scalars(
            select(TeamMember).where(
                TeamMember.team_id == meeting.team_id, TeamMember.user_id == user.id
            )
        ).all()
        return member_on_meeting_day(user, meeting, {meeting.team_id: list(memberships)})

    return _per_request(("member_on_day", user.id, meeting.team_id, meeting_day(meeting)), decide)


def agendas_of(meetings: Iterable[Meeting]) -> dict[uuid.UUID, list[AgendaItem]]:
    """The agendas of several sessions in the agreed order, with each item's case and guests
    (a constant number of queries however many sessions and items)."""
    ids = [m.id for m in meetings]
    agendas: dict[uuid.UUID, list[AgendaItem]] = {i: [] for i in ids}
    if not ids:
        return agendas
    for item in db.session.scalars(
        select(AgendaItem)
        .where(AgendaItem.meeting_id.in_(ids))
        .order_by(AgendaItem.position, AgendaItem.created_dt)
        .options(
            selectinload(AgendaItem.case),
            selectinload(AgendaItem.guests),
            selectinload(AgendaItem.attendance),
        )
    ):
        agendas[item.meeting_id].append(item)
    return agendas


def agenda_of(meeting: Meeting) -> list[AgendaItem]:
    """The agenda of ``meeting`` in the agreed order, with each item's case and guests (a
    constant number of queries however long the agenda)."""
    return agendas_of([meeting])[meeting.id]


def participating_case_ids(user: Any, case_ids: Iterable[uuid.UUID], at: datetime) -> set:
    """The cases among ``case_ids`` whose presentation ``user`` takes part in at ``at``, in
    any kind (one query, however many cases)."""
    wanted = set(case_ids)
    if not wanted or not getattr(user, "is_authenticated", False):
        return set()
    return set(
        db.session.scalars(
            select(CaseParticipant.case_id).where(
                CaseParticipant.user_id == user.id,
                CaseParticipant.case_id.in_(wanted),
                CaseParticipant.valid_from_dt <= at,
                CaseParticipant.valid_until_dt > at,
            )
        )
    )


def may_see_item(
    user: Any,
    item: AgendaItem,
    at: datetime | None = None,
    *,
    participates: Callable[[], bool] | None = None,
    member: Callable[[], bool] | None = None,
) -> bool:
    """The presenting case manager; team members of the session once the presentation is
    opened to them (a late item the moderator added opens only when the case manager
    completes it); the item's own guests within their window.

    ``participates``/``member``: the two facts that need the database, when a caller has
    read them for a whole agenda at once; they are asked only when needed.

    A member marked befangen for the item (they know the family) sees nothing of it, before
    or after, whatever window they hold."""
    if item.conflicted(user.id) or kept_out(user, item.case):
        return False
    if item.case.case_manager_id == user.id:
        return True
    if participates is None:
        participates = lambda: active_participation(user, item.case, at) is not None  # noqa: E731
    if member is None:
        member = lambda: team_member_of(user, item.meeting)  # noqa: E731
    if not participates():
        return False
    if member():
        return True
    guest = next((g for g in item.guests if g.user_id == user.id), None)
    return guest is not None and guest_window_open(guest, item.meeting, at)


def may_see_meeting(user: Any, meeting: Meeting, at: datetime | None = None) -> bool:
    """Team members, presenters of an item, and guests of an item within their window."""
    if team_member_of(user, meeting):
        return True
    if not getattr(user, "is_authenticated", False):
        return False
    at = at or utcnow()
    items = agenda_of(meeting)
    participating = participating_case_ids(user, {item.case_id for item in items}, at)
    return sees_some_item(user, items, participating, at)


def sees_some_item(
    user: Any, items: Iterable[AgendaItem], participating: set, at: datetime | None = None
) -> bool:
    """``may_see_meeting`` for someone not on the session's team, from facts loaded for many
    sessions at once: the agenda ``items`` (with cases and guests) and the cases the user
    takes part in (``participating_case_ids``). No query."""
    return any(
        may_see_item(
            user,
            item,
            at,
            participates=lambda item=item: item.case_id in participating,
            member=lambda: False,
        )
        for item in items
    )


def _manages(user: Any, case: Any) -> bool:
    return case.case_manager_id == user.id


@object_rule("case.read_pseudonymised")
def _takes_part(user: Any, case: Any) -> bool:
    # The case page (and the background it shows) is the case manager's and the team's: a
    # guest's participation — whatever the guest's account may do elsewhere — opens the
    # agenda item only.
    return (
        _manages(user, case)
        or active_participation(user, case, kind=ParticipantKind.MEMBER) is not None
    )


@object_rule("teams.view")
def _belongs_to(user: Any, team: Any) -> bool:
    return allowed(user, "teams.manage") or any(m.user_id == user.id for m in team.members)


object_rule("case.read_identity")(_manages)
object_rule("case.edit")(_manages)
object_rule("consent.record")(_manages)
object_rule("resubmission.manage")(_manages)
object_rule("case.close")(_manages)


@object_rule("agenda.register")
def _registers(user: Any, case: Any) -> bool:
    # A closed case is no longer presented: its owner reopens it first.
    return _manages(user, case) and case.closed_on is None


@object_rule("retention.confirm")
def _second_person(user: Any, obj: Any) -> bool:
    # Four eyes: whoever decides on a case's deletion or restriction is never its owner; nor
    # does the DPO who lifted or declined the case's restriction (and so cleared the way for
    # its deletion) confirm that deletion as well. A Teamprotokoll's deletion is not decided
    # by the session's moderator, who kept it, nor by whoever sealed it.
    if isinstance(obj, TeamProtocolDeletionProposal):
        return user.id not in (obj.meeting.moderator_id, obj.team_protocol.finalised_by_id)
    case = case_of(obj)
    return (
        case is not None
        and case.case_manager_id != user.id
        and case.restriction_ended_by_id != user.id
    )


@object_rule("case.give_reason")
def _approved_owner(user: Any, case: Any) -> bool:
    # The case's owner, and of a restricted case only the owner the DPO approved (a reason
    # named for a case that is not restricted is never asked for: harmless).
    return _manages(user, case) and not kept_out(user, case)


def sealed(meeting: Meeting) -> bool:
    """Whether the session's Teamprotokoll is finalised: the session is then a sealed record
    (its agenda, attendance, clocks and writers are part of the hash) and is no longer run.
    Asked once per session and request, however often a page asks (``_per_request``)."""
    return _per_request(
        ("sealed", meeting.id),
        lambda: (
            db.session.scalar(
                select(TeamProtocol.status).where(TeamProtocol.meeting_id == meeting.id)
            )
            == ProtocolStatus.FINALISED
        ),
    )


@object_rule("meeting.moderate")
def _moderates(user: Any, meeting: Any) -> bool:
    # The moderator is not a stored role: whoever the plan assigns to this one session, while
    # they belong to its team, until the end of the session day — and not once the session
    # is sealed with its Teamprotokoll.
    return (
        meeting.moderator_id is not None
        and meeting.moderator_id == user.id
        and utcnow() < meeting_day_end(meeting)
        and team_member_of(user, meeting)
        and not sealed(meeting)
    )


@object_rule("topic.edit")
def _edits_topic(user: Any, topic: Any) -> bool:
    # Whoever registered the topic while they belong to the session's team, and the session's
    # moderator (the operation refuses once the session has begun).
    meeting = topic.meeting
    return _moderates(user, meeting) or (
        topic.registered_by_id == user.id and team_member_of(user, meeting)
    )


def editable_topics(user: Any, meeting: Meeting, topics: Iterable[Any]) -> set[uuid.UUID]:
    """The ids of the session's topics ``user`` may edit (``topic.edit``), with the team
    membership decided once for the whole list (the agenda page asks for every topic)."""
    topics = list(topics)
    if not topics or not allowed(user, "topic.edit"):
        return set()
    if _moderates(user, meeting):
        return {topic.id for topic in topics}
    own = {topic.id for topic in topics if topic.registered_by_id == user.id}
    return own if own and team_member_of(user, meeting) else set()


# --- Fallprotokoll: the rules take a protocol (anything with ``item``: its agenda item) ---


def _protocol_item(obj: Any) -> AgendaItem:
    """The agenda item a protocol permission is decided on: the protocol's item, or the item
    itself (asked before its protocol exists)."""
    return obj if isinstance(obj, AgendaItem) else obj.item


@object_rule("protocol.write")
def _writes(user: Any, protocol: Any) -> bool:
    # The item's writer while they belong to the session's team (a writer who left keeps
    # nothing of it); never a member marked befangen for the item: they see nothing of it.
    item = _protocol_item(protocol)
    return (
        item.writer_id is not None
        and item.writer_id == user.id
        and not item.conflicted(user.id)
        and _still_member(user, item.meeting)
    )


def _still_member(user: Any, meeting: Any) -> bool:
    """Whether ``user`` belongs to the session's team today (not only on the session day)."""
    today = local_day(utcnow())

    def decide() -> bool:
        memberships = db.session.scalars(
            select(TeamMember).where(
                TeamMember.team_id == meeting.team_id, TeamMember.user_id == user.id
            )
        )
        return may_be_team_member(user) and any(m.active_on(today) for m in memberships)

    return _per_request(("still_member", user.id, meeting.team_id, today), decide)


def _assigned_moderator(user: Any, meeting: Any) -> bool:
    # Unlike ``meeting.moderate`` not bound to the session day: the assigned moderator
    # finalises protocols later too, while they belong to the team.
    return (
        meeting.moderator_id is not None
        and meeting.moderator_id == user.id
        and _still_member(user, meeting)
    )


@object_rule("protocol.finalise")
def _finalises(user: Any, protocol: Any) -> bool:
    # Never a moderator marked befangen for the item: they see nothing of it.
    item = _protocol_item(protocol)
    return not item.conflicted(user.id) and _assigned_moderator(user, item.meeting)


@object_rule("protocol.amend")
def _amends(user: Any, protocol: Any) -> bool:
    item = _protocol_item(protocol)
    if item.conflicted(user.id):
        return False
    return (
        _writes(user, item) or _manages(user, item.case) or _assigned_moderator(user, item.meeting)
    )


def present_for_item(user: Any, item: AgendaItem) -> bool:
    """Whether ``user`` is recorded present for the item (present, late or left early; not
    absent, not befangen, not unmarked)."""
    return any(a.user_id == user.id and a.presence in PRESENT_FOR_ITEM for a in item.attendance)


def attended_as_guest(user: Any, item: AgendaItem, at: datetime | None = None) -> bool:
    """Whether ``user`` is a guest of the item recorded as having come, whose window is still
    open (their invitation's window and their participation in the case): a guest loses
    the item, its protocol included, when the window ends."""
    guest = next((g for g in item.guests if g.user_id == user.id), None)
    return (
        guest is not None
        and guest.present is True
        and guest_window_open(guest, item.meeting, at)
        and active_participation(user, item.case, at) is not None
    )


@object_rule("protocol.read")
def _reads_protocol(user: Any, protocol: Any) -> bool:
    # The case manager, the writer, the session's moderator; members of the session's team
    # (on the session day and still today) recorded present for this item; the item's guests
    # who came, while their window is open. Never a member marked befangen for the item:
    # they see nothing of it, its protocol included. A member absent for the item, or not
    # marked at all, was not there: the protocol is not theirs to read.
    item = _protocol_item(protocol)
    return _reads(
        user,
        item,
        still=lambda: _still_member(user, item.meeting),
        on_day=lambda: team_member_of(user, item.meeting),
    )


def _reads(
    user: Any, item: AgendaItem, *, still: Callable[[], bool], on_day: Callable[[], bool]
) -> bool:
    """``protocol.read`` on the item, with the two membership facts (still in the session's
    team today; in it on the session day) asked only when needed: the case manager, the
    writer and the moderator while they belong to the team (as ``protocol.amend``), the
    members present for the item, the guests who came while their window is open. Never
    while a restriction keeps the user out (``kept_out``); once the case is closed, nobody
    but its owner (closing ends everyone's part in it)."""
    if item.conflicted(user.id) or kept_out(user, item.case):
        return False
    if _manages(user, item.case):
        return True
    if item.case.closed_on is not None:
        return False
    if user.id in (item.writer_id, item.meeting.moderator_id) and still():
        return True
    if present_for_item(user, item):
        return on_day() and still()
    return attended_as_guest(user, item)


def readable_protocols(user: Any, items: Iterable[AgendaItem]) -> set[uuid.UUID]:
    """The ids of the ``items`` whose Fallprotokoll ``user`` may read (``protocol.read``),
    with team membership decided once per session (the Teamprotokoll asks for every item
    a Wiedervorlage was agreed in: a constant number of queries)."""
    items = list(items)
    if not items or not allowed(user, "protocol.read"):
        return set()
    known: dict[tuple[str, uuid.UUID], bool] = {}

    def once(kind: str, meeting: Meeting, fact: Callable[[Any, Meeting], bool]) -> bool:
        if (kind, meeting.id) not in known:
            known[(kind, meeting.id)] = fact(user, meeting)
        return known[(kind, meeting.id)]

    return {
        item.id
        for item in items
        if _reads(
            user,
            item,
            still=lambda item=item: once("still", item.meeting, _still_member),
            on_day=lambda item=item: once("on_day", item.meeting, team_member_of),
        )
    }


def present_at_session(user: Any, meeting: Meeting) -> bool:
    """Whether ``user`` is recorded present at the session, or for one of its items."""
    at_session = db.session.scalar(
        select(MeetingAttendance.present).where(
            MeetingAttendance.meeting_id == meeting.id, MeetingAttendance.user_id == user.id
        )
    )
    if at_session:
        return True
    return (
        db.session.scalar(
            select(ItemAttendance.id)
            .join(AgendaItem, AgendaItem.id == ItemAttendance.item_id)
            .where(
                AgendaItem.meeting_id == meeting.id,
                ItemAttendance.user_id == user.id,
                ItemAttendance.presence.in_([str(p) for p in PRESENT_FOR_ITEM]),
            )
            .limit(1)
        )
        is not None
    )


# --- Teamprotokoll: the rules take the session (``Meeting``) ---


@object_rule("team_protocol.read")
def _reads_team_protocol(user: Any, meeting: Any) -> bool:
    # The moderator, and the members of the session's team (on the session day and still
    # today) who were there. Guests never (the policy forbids it outright).
    if _assigned_moderator(user, meeting):
        return True
    return (
        team_member_of(user, meeting)
        and _still_member(user, meeting)
        and present_at_session(user, meeting)
    )


@object_rule("team_protocol.keep")
def _keeps_team_protocol(user: Any, meeting: Any) -> bool:
    # The moderator keeps the Teamprotokoll: notes, finalising the session, addenda.
    return _assigned_moderator(user, meeting)


# --- Wiedervorlage in the protocols and per team ------------------------------------------


@object_rule("resubmission.agree")
def _agrees(user: Any, obj: Any) -> bool:
    # On the item (or its protocol): its case manager, or its writer while they belong to the
    # session's team; never a member marked befangen for the item.
    item = _protocol_item(obj)
    if item.case_id is None or item.conflicted(user.id):
        return False
    return _manages(user, item.case) or _writes(user, item)


@object_rule("resubmission.team_view")
def _sees_team_resubmissions(user: Any, team: Any) -> bool:
    # Members of the team today (not those who left, never a guest-role account).
    today = local_day(utcnow())
    return may_be_team_member(user) and any(
        m.user_id == user.id and m.active_on(today) for m in team.members
    )


@object_rule("protocol.excerpt")
def _excerpts(user: Any, protocol: Any) -> bool:
    # The excerpt goes into the family's file: only the case's fallführende Fachkraft makes
    # it, and only of a finalised (sealed) protocol; given an agenda item, decided on its
    # protocol being finalised too (the caller passes the protocol).
    if isinstance(protocol, AgendaItem):
        return False
    return protocol.locked and _manages(user, protocol.item.case)


# A case's history across all sessions: its owner only. Members and guests see a protocol
# only of sessions they belonged to, never a cross-session view.
object_rule("case.history")(_manages)
# The Art. 15 answer with content: from the owner's own case, and it finds the person only in
# cases the owner manages (``reports.queries``); everyone else gets the DPO's structural one.
object_rule("case.art15")(_manages)


@object_rule("meeting.reschedule")
def _reschedules(user: Any, meeting: Any) -> bool:
    return allowed(user, "teams.manage") or _moderates(user, meeting)


@object_rule("meeting.view")
def _attends(user: Any, meeting: Any) -> bool:
    return may_see_meeting(user, meeting)


@object_rule("agenda.view_item")
def _sees_item(user: Any, item: Any) -> bool:
    return may_see_item(user, item)


# --- who may hold a relation (the person pickers offer these; the operations refuse others) --


def _usable(user: Any) -> bool:
    return user is not None and user.active and not user.expired()


def may_be_team_member(user: Any) -> bool:
    """A Fallteam member sees the team's pseudonymised cases: Fachkräfte and members, never
    the administration, the DPO or a guest."""
    return (
        _usable(user) and allowed(user, "case.read_pseudonymised") and allowed(user, "meeting.view")
    )


def may_take_part_as(user: Any, kind: str) -> bool:
    """Whether ``user`` can take part in a case's presentation as ``kind``: a "member" sees
    the case page (never a guest-role account), a "guest" the agenda item."""
    permission = {"member": "case.read_pseudonymised", "guest": "agenda.view_item"}.get(kind)
    return permission is not None and _usable(user) and allowed(user, permission)


def may_receive_case_content(user: Any) -> bool:
    """Whether a consent can name ``user``: someone who may see case content in some
    capacity; never the administration or the DPO."""
    return _usable(user) and (
        allowed(user, "case.read_pseudonymised") or allowed(user, "agenda.view_item")
    )


def pledge_missing(user: Any) -> bool:
    """Whether ``user`` must first confirm the Verschwiegenheitspflicht: a guest (who may see
    an agenda item but not the team's case pages) or a temporary team member who has not
    confirmed the text now in force (``CONFIDENTIALITY_PLEDGE_TEXT``)."""
    if not getattr(user, "is_authenticated", False):
        return False
    outsider = not allowed(user, "case.read_pseudonymised") or (
        db.session.scalar(
            select(TeamMember.id).where(
                TeamMember.user_id == user.id, TeamMember.kind == MemberKind.TEMPORARY
            )
        )
        is not None
    )
    return outsider and (
        db.session.scalar(
            select(ConfidentialityPledge.id).where(
                ConfidentialityPledge.user_id == user.id,
                ConfidentialityPledge.text == current_app.config["CONFIDENTIALITY_PLEDGE_TEXT"],
            )
        )
        is None
    )


def require_pledge() -> None:
    """Send the signed-in user to the pledge page (and back here) unless they need none or
    have confirmed it; call before a page shows case content."""
    if pledge_missing(current_user):
        raise _PledgeRequired()


def policy() -> Policy:
    """The policy loaded at start."""
    return current_app.extensions["fallteam.policy"]


def role_names() -> list[str]:
    """All roles the policy defines, in file order."""
    return list(policy().roles)


def roles_named(names: Iterable[str]) -> list[Role]:
    """The policy's roles for these names (unknown names are skipped)."""
    roles = policy().roles
    return [roles[n] for n in names if n in roles]


def allowed(user: Any, permission: str, obj: Any = None) -> bool:
    """Whether ``user`` may do ``permission`` (to ``obj``, when given)."""
    if permission not in policy().permissions:
        raise PolicyError(f"Unbekannte Berechtigung {permission!r}")
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if permission not in policy().permissions_of(user.role_names):
        return False
    if obj is None:
        return True
    rule = _object_rules.get(permission)
    if rule is None:
        raise PolicyError(f"Keine Objektregel für {permission!r}; Zugriff verweigert.")
    if permission in CASE_CONTENT:
        case = case_of(obj)
        if case is not None and kept_out(user, case):
            return False
    return bool(rule(user, obj))


def can(permission: str, obj: Any = None) -> bool:
    """For templates and views: whether the signed-in user may do ``permission``."""
    return allowed(current_user, permission, obj)


def require(permission: str, obj: Any = None) -> None:
    """Stop the request unless the signed-in user may do ``permission`` (to ``obj``).

    Anonymous visitors are sent to sign in; signed-in users get 403.
    """
    if not current_user.is_authenticated:
        raise _SignInRequired()
    if not allowed(current_user, permission, obj):
        raise AccessRefused(permission, obj)
    case = reason_missing(current_user, permission, obj)
    if case is not None:
        raise _ReasonRequired(case)


class AccessRefused(Forbidden):
    """A signed-in user asked for something the policy does not allow; audited as refused."""

    def __init__(self, permission: str, obj: Any = None) -> None:
        super().__init__()
        self.permission = permission
        self.obj = obj


class _SignInRequired(Exception):
    """Raised for anonymous visitors; turned into the sign-in redirect."""


class _PledgeRequired(Exception):
    """Raised before case content for someone who has not confirmed the pledge."""


class _ReasonRequired(Exception):
    """Raised before a restricted case's content when its owner has not named a reason."""

    def __init__(self, case: Case) -> None:
        super().__init__()
        self.case = case


def init_app(app: Flask) -> None:
    """Load the policy and expose ``can`` to templates."""
    app.extensions["fallteam.policy"] = Policy.load()
    app.jinja_env.globals["can"] = can
    app.jinja_env.globals["content_listed"] = lambda case: content_listed(current_user, case)
    app.jinja_env.globals["user_roles"] = roles_named

    @app.errorhandler(_SignInRequired)
    def _to_sign_in(exc: _SignInRequired):
        return login_manager.unauthorized()

    @app.errorhandler(_PledgeRequired)
    def _to_pledge(exc: _PledgeRequired):
        return redirect(url_for("meetings.confirm_pledge", next=request.full_path.rstrip("?")))

    @app.errorhandler(_ReasonRequired)
    def _to_reason(exc: _ReasonRequired):
        # A page that changes something comes back to the case page, never replays a form.
        back = request.full_path.rstrip("?") if request.method == "GET" else None
        return redirect(url_for("retention.give_reason", case_id=exc.case.id, next=back))
