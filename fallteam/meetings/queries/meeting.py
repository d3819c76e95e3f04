"""Reading sessions: which sessions a person sees, the agenda's times, attendance and writers.

Nothing here changes data; the agenda and run view record reading case content (pseudonym,
method, question) per case where they load it.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select

from fallteam import access
from fallteam.auth.models import User
from fallteam.cases.models import Case
from fallteam.cases.queries import record_agenda_read
from fallteam.core.models import utcnow
from fallteam.crypto.envelope import prime_keys
from fallteam.extensions import db
from fallteam.meetings.models import (
    CHANGE_REASON_LABELS,
    AgendaGuest,
    AgendaItem,
    AgendaTopic,
    Meeting,
    MeetingAttendance,
    MeetingStatus,
)
from fallteam.meetings.queries.agenda import items_of, visible_items
from fallteam.meetings.rules import meeting_day, meeting_day_end
from fallteam.teams.models import Team, TeamMember


@dataclass
class MeetingRow:
    """One line of "Meine Sitzungen": the session, its team and how the viewer takes part."""

    meeting: Meeting
    team: Team
    item_count: int
    #: the viewer moderates it (and the plan is published)
    moderating: bool
    #: the viewer belongs to its team (only the team reads why it was cancelled)
    member: bool = False

    @property
    def cancelled(self) -> bool:
        """Whether the session was cancelled."""
        return self.meeting.status == MeetingStatus.CANCELLED

    @property
    def reason(self) -> str | None:
        """Why it was cancelled or moved, for the team's members only (never for guests)."""
        if not self.member or not self.meeting.change_reason:
            return None
        return CHANGE_REASON_LABELS.get(self.meeting.change_reason)


def meetings_visible_to(
    user: Any, *, after: datetime, limit: int | None = None
) -> list[MeetingRow]:
    """The sessions ``user`` may open whose day has not ended at ``after``, earliest first:
    sessions of their teams, sessions where they present an item, and sessions where they are
    the invited guest of an item within their window. Cancelled sessions are included (marked).

    The same rule as the access check decides (``may_see_meeting``), so every listed session
    opens for them.
    """
    # Sessions end on their day; one day back catches every session whose day is still on.
    since = after - timedelta(days=1)
    of_teams = select(Meeting.id).join(TeamMember, TeamMember.team_id == Meeting.team_id)
    of_teams = of_teams.where(TeamMember.user_id == user.id)
    presenting = (
        select(AgendaItem.meeting_id)
        .join(Case, Case.id == AgendaItem.case_id)
        .where(or_(AgendaItem.presenter_id == user.id, Case.case_manager_id == user.id))
    )
    guesting = (
        select(AgendaItem.meeting_id)
        .join(AgendaGuest, AgendaGuest.item_id == AgendaItem.id)
        .where(AgendaGuest.user_id == user.id)
    )
    candidates = db.session.scalars(
        select(Meeting)
        .where(
            Meeting.ends_dt > since,
            or_(
                Meeting.id.in_(of_teams),
                Meeting.id.in_(presenting),
                Meeting.id.in_(guesting),
            ),
        )
        .order_by(Meeting.starts_dt)
    ).all()
    # Every fact the rule needs, once for all candidate sessions (not one access check per
    # session): the viewer's memberships, the agendas with cases and guests (their data keys
    # unwrapped at once), the viewer's participations in all those cases.
    memberships = access.memberships_of(user)

    def member_of(meeting: Meeting) -> bool:
        return access.member_on_meeting_day(user, meeting, memberships)

    on_day = [m for m in candidates if meeting_day_end(m) > after]
    # The team's sessions need no agenda; the others are decided by their items.
    outside = [m for m in on_day if not member_of(m)]
    agendas: dict[uuid.UUID, list[AgendaItem]] = {}
    participating: set = set()
    if outside:
        prime_keys(
            db.session,
            select(AgendaItem.case_id).where(AgendaItem.meeting_id.in_([m.id for m in outside])),
        )
        agendas = access.agendas_of(outside)
        participating = access.participating_case_ids(
            user, {item.case_id for items in agendas.values() for item in items}, after
        )
    shown = [
        m
        for m in on_day
        if member_of(m) or access.sees_some_item(user, agendas[m.id], participating, after)
    ]
    if limit is not None:
        shown = shown[:limit]
    return _rows(shown, user, member_of)


def _rows(
    meetings: Sequence[Meeting], user: Any, member_of: Callable[[Meeting], bool]
) -> list[MeetingRow]:
    if not meetings:
        return []
    ids = [m.id for m in meetings]
    teams = {
        t.id: t
        for t in db.session.scalars(select(Team).where(Team.id.in_({m.team_id for m in meetings})))
    }
    counts = dict(
        db.session.execute(
            select(AgendaItem.meeting_id, func.count(AgendaItem.id))
            .where(AgendaItem.meeting_id.in_(ids))
            .group_by(AgendaItem.meeting_id)
        ).all()
    )
    return [
        MeetingRow(
            meeting=m,
            team=teams[m.team_id],
            item_count=counts.get(m.id, 0),
            moderating=m.moderation_published and m.moderator_id == user.id,
            member=member_of(m),
        )
        for m in meetings
    ]


#: what the audit log notes for a case shown on the agenda and in the run view
AGENDA_FIELDS = ("pseudonym", "method", "question")
RUN_FIELDS = ("pseudonym", "method")


def agenda_for(meeting: Meeting, viewer: Any, *, moderating: bool) -> list[AgendaItem]:
    """The agenda as ``viewer`` may see it (the moderator: every item; others: the items
    they may see); records, once per case, that it showed their pseudonym, method and
    question. Restricted and closed cases as ``access.content_listed`` allows: the page
    shows their content only where it does."""
    items = items_of(meeting) if moderating else visible_items(meeting, viewer)
    # A restricted (or deleted) case is left out for everyone it keeps out, the moderator too;
    # its approved owner sees its line with "gesperrt" (the page asks no reason), and a closed
    # case shows its content to its owner only (``access.content_listed``): no read recorded.
    items = [item for item in items if not access.kept_out(viewer, item.case)]
    record_agenda_read(
        viewer,
        [item.case for item in items if access.content_listed(viewer, item.case)],
        "meeting.moderate" if moderating else "meeting.view",
        meeting,
        purpose="Tagesordnung der Sitzung",
        fields=AGENDA_FIELDS,
    )
    return items


def run_agenda(meeting: Meeting, viewer: Any) -> list[AgendaItem]:
    """Every item of the session for the moderator's run view; records the read per case."""
    items = [item for item in items_of(meeting) if not access.kept_out(viewer, item.case)]
    record_agenda_read(
        viewer,
        [item.case for item in items if access.content_listed(viewer, item.case)],
        "meeting.moderate",
        meeting,
        purpose="Sitzungsablauf",
        fields=RUN_FIELDS,
    )
    return items


def meeting_minutes(meeting: Meeting) -> int:
    """The planned length of the session in minutes."""
    return int((meeting.ends_dt - meeting.starts_dt).total_seconds() // 60)


def planned_minutes(items: Iterable[AgendaItem]) -> int:
    """The minutes the items are expected to take together."""
    return sum(item.expected_minutes for item in items)


def clock_seconds(item: AgendaItem, now: datetime | None = None) -> int:
    """The time the item has used so far, including a running clock."""
    seconds = item.elapsed_seconds
    if item.clock_started_dt is not None:
        seconds += max(0, int(((now or utcnow()) - item.clock_started_dt).total_seconds()))
    return seconds


def running_item(items: Iterable[AgendaItem]) -> AgendaItem | None:
    """The item whose clock runs (the one being discussed), if any."""
    return next((item for item in items if item.clock_started_dt is not None), None)


def users_by_id(ids: Iterable[uuid.UUID | None]) -> dict[uuid.UUID, User]:
    """The accounts with these ids (None is skipped)."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(wanted)))}


def team_of(meeting: Meeting) -> Team:
    """The session's team."""
    return db.session.get(Team, meeting.team_id)


def members_on_meeting_day(meeting: Meeting) -> list[User]:
    """The team's members whose membership holds on the session day, by name."""
    day = meeting_day(meeting)
    memberships = db.session.scalars(
        select(TeamMember).where(TeamMember.team_id == meeting.team_id)
    ).all()
    active = [m.user_id for m in memberships if m.active_on(day)]
    users = users_by_id(active).values()
    return sorted(users, key=lambda u: (u.display_name.casefold(), str(u.id)))


def writer_candidates(meeting: Meeting) -> list[User]:
    """Members of the session day who may write a case protocol."""
    return [u for u in members_on_meeting_day(meeting) if access.allowed(u, "protocol.write")]


def attendance_of(meeting: Meeting) -> dict[uuid.UUID, bool]:
    """Who was marked present (True) or absent (False); unmarked people are missing."""
    return {
        a.user_id: a.present
        for a in db.session.scalars(
            select(MeetingAttendance).where(MeetingAttendance.meeting_id == meeting.id)
        )
    }


def protocols_written_before(meeting: Meeting) -> dict[str, int]:
    """How many case protocols each person was assigned in the team's earlier sessions
    (user id as text -> count): the writers' rotation gives the next turn to whoever wrote
    fewest."""
    rows = db.session.execute(
        select(AgendaItem.writer_id, func.count(AgendaItem.id))
        .join(Meeting, Meeting.id == AgendaItem.meeting_id)
        .where(
            Meeting.team_id == meeting.team_id,
            Meeting.starts_dt < meeting.starts_dt,
            Meeting.status == MeetingStatus.PLANNED,
            AgendaItem.writer_id.is_not(None),
        )
        .group_by(AgendaItem.writer_id)
    ).all()
    return {str(writer): count for writer, count in rows}


def topics_of(meeting: Meeting) -> list[AgendaTopic]:
    """The session's topics without a case, in the order they were registered (one query)."""
    return list(
        db.session.scalars(
            select(AgendaTopic)
            .where(AgendaTopic.meeting_id == meeting.id)
            .order_by(AgendaTopic.created_dt)
        )
    )
