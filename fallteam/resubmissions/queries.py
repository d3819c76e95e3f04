"""Reads of Wiedervorlagen: which land on a session's agenda, which are open per case, a
person's dashboard. Each in a constant number of statements; the topic and outcome are case
content and their reads are recorded through ``record_read``."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import aliased, joinedload, load_only

from fallteam import access
from fallteam.audit.operations import kept_on_rollback
from fallteam.auth.models import User
from fallteam.cases.models import Case
from fallteam.cases.queries import record_agenda_read, record_read
from fallteam.core.models import utcnow
from fallteam.crypto.envelope import prime_keys
from fallteam.crypto.types import sealed_left_unloaded
from fallteam.extensions import db
from fallteam.meetings.models import AgendaItem, ItemAttendance, Meeting, MeetingStatus, Presence
from fallteam.meetings.rules import day_start, meeting_day
from fallteam.resubmissions.models import Resubmission, ResubmissionStatus
from fallteam.resubmissions.rules import office_today, week_end
from fallteam.teams.models import Team, TeamMember

#: the purpose recorded with every read of a Wiedervorlage's topic or outcome
PURPOSE = "Wiedervorlage"


def not_conflicted(user_id: uuid.UUID):
    """A condition on ``Resubmission``: its case is none for which ``user_id`` was recorded
    befangen on any agenda item (they know the family and see nothing of it — not its
    pseudonym, due day or responsible person either). A correlated ``NOT EXISTS``: part of
    the caller's statement, so a page keeps its number of statements."""
    return ~exists().where(
        AgendaItem.case_id == Resubmission.case_id,
        ItemAttendance.item_id == AgendaItem.id,
        ItemAttendance.user_id == user_id,
        ItemAttendance.presence == Presence.CONFLICTED,
    )


def teams_for(case: Case) -> list[Team]:
    """The teams a Wiedervorlage of ``case`` may go to: those it was presented in and those
    its owner belongs to."""
    presented = (
        select(Meeting.team_id)
        .join(AgendaItem, AgendaItem.meeting_id == Meeting.id)
        .where(AgendaItem.case_id == case.id)
    )
    owned = select(TeamMember.team_id).where(TeamMember.user_id == case.case_manager_id)
    return list(
        db.session.scalars(
            select(Team).where(or_(Team.id.in_(presented), Team.id.in_(owned))).order_by(Team.name)
        )
    )


def team_member_ids(team: Team, on: date) -> set[uuid.UUID]:
    """The users belonging to ``team`` on the day ``on``."""
    return set(
        db.session.scalars(
            select(TeamMember.user_id).where(
                TeamMember.team_id == team.id,
                or_(TeamMember.until.is_(None), TeamMember.until >= on),
            )
        )
    )


@dataclass(frozen=True)
class DueItem:
    """One Wiedervorlage due on a session's agenda."""

    resubmission: Resubmission
    pseudonym: str
    owner_id: uuid.UUID
    responsible: str
    topic: str | None


def _due_candidates(meeting: Meeting, viewer: User | None) -> list[tuple[Resubmission, Case, str]]:
    due = (
        Resubmission.team_id == meeting.team_id,
        Resubmission.status == ResubmissionStatus.OPEN,
        Resubmission.due <= meeting_day(meeting),
        *([not_conflicted(viewer.id)] if viewer is not None else []),
    )
    # nothing encrypted yet: most viewers see no topic, and those who do see a few of them
    # (``_topics``); a busy team's agenda lists dozens of Wiedervorlagen
    return list(
        db.session.execute(
            # the responsible person by name only: no account (and its roles) to load
            select(Resubmission, Case, User.display_name)
            .join(Case, Case.id == Resubmission.case_id)
            .join(User, User.id == Resubmission.responsible_id)
            .where(*due)
            .order_by(Resubmission.due, Case.pseudonym)
            .options(*sealed_left_unloaded(Resubmission, Case))
        )
    )


def _topics(resubmissions: list[Resubmission]) -> dict[uuid.UUID, str | None]:
    """The topics of ``resubmissions``, loaded and decrypted together: the data keys in one
    statement, the topics in a second."""
    if not resubmissions:
        return {}
    prime_keys(db.session, {r.case_id for r in resubmissions})
    loaded = db.session.scalars(
        select(Resubmission)
        .where(Resubmission.id.in_([r.id for r in resubmissions]))
        .options(load_only(Resubmission.topic))
    )
    return {r.id: r.topic for r in loaded}


def _planned_days(meeting: Meeting, since: date) -> list[date]:
    """The office days of the team's planned sessions from ``since`` up to this session."""
    starts = db.session.scalars(
        select(Meeting.starts_dt).where(
            Meeting.team_id == meeting.team_id,
            Meeting.status == MeetingStatus.PLANNED,
            Meeting.starts_dt >= day_start(since),
            Meeting.starts_dt < day_start(meeting_day(meeting)),
        )
    )
    return sorted(office_today(s) for s in starts)


def due_resubmissions(meeting: Meeting, viewer: User | None = None) -> list[DueItem]:
    """The open Wiedervorlagen of the session's team that land on this session: due on or
    before its day, and no earlier planned session of the team on or after the due day (a
    cancelled session passes them on to the next planned one). Two statements.

    The topic is shown only to the case's owner and the session's moderator (``viewer``);
    each shown topic is a recorded read. Nothing of a case ``viewer`` is befangen for; no
    topic of a restricted, deleted or closed case but as ``access.content_listed`` allows."""
    if meeting.status != MeetingStatus.PLANNED:
        return []
    rows = _due_candidates(meeting, viewer)
    if not rows:
        return []
    earliest = min(r.due for r, _c, _u in rows)
    days = _planned_days(meeting, earliest)
    moderating = (
        viewer is not None
        and meeting.moderator_id == viewer.id
        and access.allowed(viewer, "meeting.moderate", meeting)
    )
    # an earlier planned session on or after the due day took it (``days`` is sorted)
    shown = [row for row in rows if not days or days[-1] < row[0].due]
    # the topic: to the session's moderator (permission checked once on the session) and to
    # the case's owner; every shown topic is a recorded read of its case
    # (a restricted, deleted or closed case's topic to nobody else: ``access.content_listed``)
    listed = {
        case.id
        for _r, case, _u in shown
        if viewer is not None and access.content_listed(viewer, case)
    }
    moderated = [case for _r, case, _u in shown if moderating and case.id in listed]
    if moderated:
        moderated = record_agenda_read(
            viewer, moderated, "meeting.moderate", meeting, purpose=PURPOSE, fields=("topic",)
        )
    moderated_ids = {case.id for case in moderated}
    with_topic = []
    for resubmission, case, _user in shown:
        if case.id in moderated_ids:
            with_topic.append(resubmission)
        elif case.id in listed and case.case_manager_id == viewer.id:
            record_read(viewer, case, "resubmission.manage", purpose=PURPOSE, fields=("topic",))
            with_topic.append(resubmission)
    topics = _topics(with_topic)
    return [
        DueItem(
            resubmission,
            case.pseudonym,
            case.case_manager_id,
            responsible,
            topics.get(resubmission.id),
        )
        for resubmission, case, responsible in shown
    ]


def open_resubmissions_for_cases(
    case_ids: Iterable[uuid.UUID],
) -> dict[uuid.UUID, tuple[int, date]]:
    """Per case: how many Wiedervorlagen are open and the next due day. One statement; no
    case content."""
    ids = list(case_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        select(Resubmission.case_id, func.count(), func.min(Resubmission.due))
        .where(Resubmission.case_id.in_(ids), Resubmission.status == ResubmissionStatus.OPEN)
        .group_by(Resubmission.case_id)
    )
    return {case_id: (count, due) for case_id, count, due in rows}


@dataclass(frozen=True)
class DashboardEntry:
    """A line of the dashboard: pseudonyms and dates only."""

    id: uuid.UUID
    case_id: uuid.UUID
    pseudonym: str
    team: str
    due: date
    responsible: str


@dataclass(frozen=True)
class Dashboard:
    """A person's open Wiedervorlagen, by when they are due."""

    overdue: list[DashboardEntry]
    this_week: list[DashboardEntry]
    upcoming: list[DashboardEntry]


def dashboard_for(user: User, now: datetime | None = None) -> Dashboard:
    """The open Wiedervorlagen the user is responsible for or whose case they own: overdue
    (due before today in Berlin), due this week (today until Sunday), upcoming. Nothing of a
    case the user is befangen for (should they still be its responsible person). One
    statement; no case content."""
    today = office_today(now or utcnow())
    responsible = aliased(User)
    rows = db.session.execute(
        select(
            Resubmission.id,
            Case.id,
            Case.pseudonym,
            Team.name,
            Resubmission.due,
            responsible.display_name,
        )
        .join(Case, Case.id == Resubmission.case_id)
        .join(Team, Team.id == Resubmission.team_id)
        .join(responsible, responsible.id == Resubmission.responsible_id)
        .where(
            Resubmission.status == ResubmissionStatus.OPEN,
            or_(Resubmission.responsible_id == user.id, Case.case_manager_id == user.id),
            not_conflicted(user.id),
        )
        .order_by(Resubmission.due, Case.pseudonym)
    )
    entries = [DashboardEntry(*row) for row in rows]
    end = week_end(today)
    return Dashboard(
        overdue=[e for e in entries if e.due < today],
        this_week=[e for e in entries if today <= e.due <= end],
        upcoming=[e for e in entries if e.due > end],
    )


def history_of(case: Case, viewer: User) -> list[tuple[Resubmission, str, str]]:
    """All Wiedervorlagen of the case (newest due first) with topic and outcome, the
    responsible person's and the team's name: for its owner; the read is recorded. One
    statement besides the audit event."""
    record_read(viewer, case, "resubmission.manage", purpose=PURPOSE, fields=("topic", "outcome"))
    return list(
        db.session.execute(
            select(Resubmission, User.display_name, Team.name)
            .join(User, User.id == Resubmission.responsible_id)
            .join(Team, Team.id == Resubmission.team_id)
            .where(Resubmission.case_id == case.id)
            .order_by(Resubmission.due.desc(), Resubmission.created_dt.desc())
        )
    )


def responsible_candidates(case: Case, teams: list[Team]) -> list[User]:
    """Who may be responsible: the case's owner and the members of the case's teams — not a
    member befangen for the case (they see nothing of it, so cannot follow it up)."""
    members = select(TeamMember.user_id).where(TeamMember.team_id.in_([t.id for t in teams]))
    befangen = exists().where(
        AgendaItem.case_id == case.id,
        ItemAttendance.item_id == AgendaItem.id,
        ItemAttendance.user_id == User.id,
        ItemAttendance.presence == Presence.CONFLICTED,
    )
    return list(
        db.session.scalars(
            select(User)
            .where(
                or_(User.id == case.case_manager_id, User.id.in_(members)),
                User.active,
                ~befangen,
            )
            .order_by(User.display_name)
        )
    )


def agreed_in_meeting(meeting_id: uuid.UUID) -> list[Resubmission]:
    """The Wiedervorlagen agreed in the Fallprotokolle of a session's items (for its
    Teamprotokoll), by due day: each with its ``case`` (pseudonym) and ``responsible`` person
    loaded, and its ``topic`` decrypted. Two statements (the cases' keys, the rows). The
    caller shows the topic only to whom may read it and records those reads."""
    agreed = (
        select(Resubmission.id)
        .join(AgendaItem, AgendaItem.id == Resubmission.agreed_in_item_id)
        .where(AgendaItem.meeting_id == meeting_id)
    )
    prime_keys(db.session, select(Resubmission.case_id).where(Resubmission.id.in_(agreed)))
    return list(
        db.session.scalars(
            select(Resubmission)
            .join(Case, Case.id == Resubmission.case_id)
            .where(Resubmission.id.in_(agreed))
            .options(joinedload(Resubmission.case), joinedload(Resubmission.responsible))
            .order_by(Resubmission.due, Case.pseudonym, Resubmission.created_dt)
        ).unique()
    )


@dataclass(frozen=True)
class ProtocolEntry:
    """A Wiedervorlage of the item's case as its Fallprotokoll shows it."""

    resubmission: Resubmission
    responsible: str


@dataclass(frozen=True)
class InProtocol:
    """The item's case's Wiedervorlagen on its Fallprotokoll: agreed in it, dealt with in it,
    and (for those who may record an outcome) the case's other open ones."""

    agreed: list[ProtocolEntry]
    dealt: list[ProtocolEntry]
    open: list[ProtocolEntry]


def in_protocol(
    item: AgendaItem,
    viewer: User,
    permission: str,
    on,
    *,
    with_open: bool,
    refused_change: bool = False,
) -> InProtocol:
    """The Wiedervorlagen of the item's case that belong on its Fallprotokoll page: agreed
    or dealt with on this item, and with ``with_open`` the case's open ones agreed
    elsewhere. ``permission`` on ``on`` is checked, and the read of topic and outcome
    recorded when there is one to show — kept in the audit log with a ``refused_change``
    (the page is answered as 409, its work rolled back, but it shows them). One statement
    besides the audit event."""
    if refused_change:
        with kept_on_rollback():
            return in_protocol(item, viewer, permission, on, with_open=with_open)
    if not access.allowed(viewer, permission, on):
        raise access.AccessRefused(permission, on)
    here = or_(Resubmission.agreed_in_item_id == item.id, Resubmission.dealt_in_item_id == item.id)
    wanted = or_(here, Resubmission.status == ResubmissionStatus.OPEN) if with_open else here
    rows = db.session.execute(
        select(Resubmission, User.display_name)
        .join(User, User.id == Resubmission.responsible_id)
        .where(Resubmission.case_id == item.case_id, wanted)
        .order_by(Resubmission.due, Resubmission.created_dt)
    ).all()
    agreed, dealt, still_open = [], [], []
    for resubmission, name in rows:
        entry = ProtocolEntry(resubmission, name)
        if resubmission.dealt_in_item_id == item.id:
            dealt.append(entry)
        if resubmission.agreed_in_item_id == item.id:
            agreed.append(entry)
        elif resubmission.status == ResubmissionStatus.OPEN:
            still_open.append(entry)
    if rows:
        # recorded only when a topic or outcome is shown (a protocol without Wiedervorlagen
        # stays one recorded read per page view)
        record_read(
            viewer, item.case, permission, purpose=PURPOSE, fields=("topic", "outcome"), on=on
        )
    return InProtocol(agreed, dealt, still_open if with_open else [])


#: lines per page of a team's Wiedervorlagen
TEAM_PAGE_SIZE = 50


@dataclass(frozen=True)
class TeamEntry:
    """A line of a team's dashboard: the topic only for its responsible person and the
    case's owner."""

    id: uuid.UUID
    pseudonym: str
    due: date
    responsible: str
    topic: str | None


@dataclass(frozen=True)
class TeamDashboard:
    """One page of a team's open Wiedervorlagen, by when they are due."""

    overdue: list[TeamEntry]
    this_week: list[TeamEntry]
    upcoming: list[TeamEntry]
    page: int
    pages: int
    total: int


def team_dashboard_for(
    team: Team, viewer: User, page: int = 1, now: datetime | None = None
) -> TeamDashboard:
    """A team's open Wiedervorlagen (``resubmission.team_view``): overdue, due this week,
    upcoming by the office's day, ``TEAM_PAGE_SIZE`` to a page. Everyone sees pseudonym, due
    day and responsible person; the topic only the responsible person and the case's owner
    (those reads are recorded per case), never a restricted or deleted case's (nor a closed
    one's but to its owner: ``access.content_listed``). Nothing of a case the viewer is
    befangen for: not even its line. A constant number of statements."""
    today = office_today(now or utcnow())
    responsible = aliased(User)
    where = (
        Resubmission.team_id == team.id,
        Resubmission.status == ResubmissionStatus.OPEN,
        not_conflicted(viewer.id),
    )
    total = db.session.scalar(select(func.count()).select_from(Resubmission).where(*where))
    pages = max(1, -(-total // TEAM_PAGE_SIZE))
    page = min(max(page, 1), pages)
    rows = db.session.execute(
        select(
            Resubmission.id,
            Case.pseudonym,
            Resubmission.due,
            responsible.display_name,
            or_(Resubmission.responsible_id == viewer.id, Case.case_manager_id == viewer.id),
        )
        .join(Case, Case.id == Resubmission.case_id)
        .join(responsible, responsible.id == Resubmission.responsible_id)
        .where(*where)
        .order_by(Resubmission.due, Case.pseudonym, Resubmission.id)
        .limit(TEAM_PAGE_SIZE)
        .offset((page - 1) * TEAM_PAGE_SIZE)
    ).all()
    mine = [row[0] for row in rows if row[4]]
    topics: dict[uuid.UUID, str | None] = {}
    if mine:
        # the viewer's own lines: their cases' keys in one statement, then the topics
        prime_keys(db.session, select(Resubmission.case_id).where(Resubmission.id.in_(mine)))
        # whole rows: the topic is decrypted when its row is loaded
        shown = db.session.execute(
            select(Resubmission, Case)
            .join(Case, Case.id == Resubmission.case_id)
            .where(Resubmission.id.in_(mine))
        ).all()
        # a restricted, deleted or closed case's topic to nobody else (``content_listed``)
        cases = {case.id: case for _r, case in shown if access.content_listed(viewer, case)}
        recorded = record_agenda_read(
            viewer,
            list(cases.values()),
            "resubmission.team_view",
            team,
            purpose=PURPOSE,
            fields=("topic",),
        )
        read = {case.id for case in recorded}
        topics = {
            resubmission.id: resubmission.topic for resubmission, case in shown if case.id in read
        }
    entries = [
        TeamEntry(rid, pseudonym, due, name, topics.get(rid))
        for rid, pseudonym, due, name, _mine in rows
    ]
    end = week_end(today)
    return TeamDashboard(
        overdue=[e for e in entries if e.due < today],
        this_week=[e for e in entries if today <= e.due <= end],
        upcoming=[e for e in entries if e.due > end],
        page=page,
        pages=pages,
        total=total,
    )


def teams_of(user: User, now: datetime | None = None) -> list[Team]:
    """The teams ``user`` belongs to today (for the links to their Wiedervorlagen)."""
    today = office_today(now or utcnow())
    return list(
        db.session.scalars(
            select(Team)
            .join(TeamMember, TeamMember.team_id == Team.id)
            .where(
                TeamMember.user_id == user.id,
                or_(TeamMember.until.is_(None), TeamMember.until >= today),
            )
            .order_by(Team.name)
        )
    )
