"""Who sees a registered case until when: the session's team members and the item's guests
get a participation window that ends with the session day; withdrawing, removing, cancelling
and moving end or move these windows."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from fallteam import access
from fallteam.auth.models import User
from fallteam.cases.models import Case, CaseParticipant, ParticipantKind
from fallteam.cases.operations import grant_participation
from fallteam.core.models import utcnow
from fallteam.extensions import db
from fallteam.meetings.models import AgendaGuest, AgendaItem, Meeting, MeetingStatus
from fallteam.meetings.queries.agenda import guest_covered, items_of
from fallteam.meetings.rules import meeting_day_end
from fallteam.teams.models import Team, TeamMember
from fallteam.teams.operations import member_added, member_removed


def participations_until(case: Case, until: datetime) -> list[CaseParticipant]:
    """The case's participations that end exactly at ``until`` (a session day's end)."""
    return list(
        db.session.scalars(
            select(CaseParticipant).where(
                CaseParticipant.case_id == case.id, CaseParticipant.valid_until_dt == until
            )
        )
    )


def end_windows(case: Case, until: datetime, *, now: datetime, user_id=None) -> None:
    """End now the windows on ``case`` that were to last until ``until`` (of one person when
    ``user_id`` is given)."""
    for participation in participations_until(case, until):
        if user_id is None or participation.user_id == user_id:
            participation.valid_until_dt = max(now, participation.valid_from_dt)


def end_all_windows_of(case: Case, user_id, *, now: datetime) -> int:
    """End now every window ``user_id`` holds on ``case`` (Befangenheit: they know the
    family, so no session opens the case to them any longer); returns how many ended."""
    windows = db.session.scalars(
        select(CaseParticipant).where(
            CaseParticipant.case_id == case.id,
            CaseParticipant.user_id == user_id,
            CaseParticipant.valid_until_dt > now,
        )
    ).all()
    for participation in windows:
        participation.valid_until_dt = max(now, participation.valid_from_dt)
    return len(windows)


def move_windows(item: AgendaItem, old_end: datetime, new_end: datetime) -> None:
    """The windows of the item's case and its guests' accounts follow a new session day."""
    for participation in participations_until(item.case, old_end):
        participation.valid_until_dt = new_end
    for guest in item.guests:
        if guest.account_for_item:
            db.session.get(User, guest.user_id).expires_dt = new_end


def _sees_until(case: Case, user: User, until: datetime) -> bool:
    return (
        db.session.scalar(
            select(CaseParticipant.id).where(
                CaseParticipant.case_id == case.id,
                CaseParticipant.user_id == user.id,
                CaseParticipant.valid_until_dt >= until,
            )
        )
        is not None
    )


def grant_team(item: AgendaItem, *, actor: User, now: datetime) -> None:
    """The session's team members see the pseudonymised presentation until the end of the
    session day (what a consent releases on top is decided at each view)."""
    meeting = item.meeting
    members = db.session.scalars(
        select(TeamMember).where(TeamMember.team_id == meeting.team_id)
    ).all()
    for member in members:
        _open_member_window(item, db.session.get(User, member.user_id), now=now, actor=actor)


def _open_member_window(item: AgendaItem, user: User, *, now: datetime, actor: User) -> None:
    """A team member sees the item's case until the end of the session day (not its case
    manager, who sees it anyway; nothing new for someone whose window already lasts)."""
    until = meeting_day_end(item.meeting)
    if (
        item.conflicted(user.id)
        or user.id == item.case.case_manager_id
        or not access.team_member_of(user, item.meeting)
        or _sees_until(item.case, user, until)
    ):
        return
    grant_participation(
        item.case,
        user,
        kind=ParticipantKind.MEMBER,
        valid_from=now,
        valid_until=until,
        actor=actor,
    )


def _may_open(item: AgendaItem, guest: AgendaGuest) -> bool:
    # SGB VIII § 65: a guest no consent covers sees the case only once the presenter has
    # confirmed presenting it pseudonymised to them.
    return item.pseudonymised_confirmed or guest_covered(item, db.session.get(User, guest.user_id))


def open_pending_windows(item: AgendaItem, *, now: datetime) -> None:
    """After the presenter's confirmation: open the windows of guests whose invitation has
    gone out but who were waiting for it."""
    if item.meeting.invitation_sent_dt is None:
        return
    for guest in item.guests:
        open_guest_window(guest, now=now)


def open_guest_window(guest: AgendaGuest, *, now: datetime, meeting: Meeting | None = None):
    """The invitation goes out to a guest: from now until the end of the session day they
    see their item (pseudonymised unless a consent in force releases more)."""
    item = guest.item
    meeting = meeting or item.meeting
    if guest.invited_dt is not None or not _may_open(item, guest):
        return
    guest.invited_dt = now
    grant_participation(
        item.case,
        db.session.get(User, guest.user_id),
        kind=ParticipantKind.GUEST,
        valid_from=now,
        valid_until=meeting_day_end(meeting),
        actor=db.session.get(User, item.presenter_id),
    )


# --- the team changes ----------------------------------------------------------------------


def _coming_items(team: Team, now: datetime) -> list[AgendaItem]:
    """The items of the team's planned sessions whose day has not ended."""
    meetings = db.session.scalars(
        select(Meeting).where(
            Meeting.team_id == team.id,
            Meeting.status == MeetingStatus.PLANNED,
            Meeting.ends_dt > now - timedelta(days=1),
        )
    ).all()
    return [item for m in meetings if meeting_day_end(m) > now for item in items_of(m)]


def _opened_to_team(item: AgendaItem) -> bool:
    # An item the case manager registered is open to the team; a moderator's late item only
    # once the case manager completed it (then the team's windows exist).
    if item.late_reason is None:
        return True
    until = meeting_day_end(item.meeting)
    return any(p.kind == ParticipantKind.MEMBER for p in participations_until(item.case, until))


@member_added.connect
def open_windows_of_newcomer(team: Team, *, user: User, now: datetime | None = None) -> None:
    """Someone joins the team: they see the cases registered for its coming sessions, like
    the members who were there at the registration."""
    now = now or utcnow()
    for item in _coming_items(team, now):
        if _opened_to_team(item):
            _open_member_window(item, user, now=now, actor=db.session.get(User, item.presenter_id))


@member_removed.connect
def end_windows_of_leaver(team: Team, *, user_id, now: datetime | None = None) -> None:
    """A membership ends: the windows the team's sessions opened for that person end now."""
    now = now or utcnow()
    for item in _coming_items(team, now):
        for participation in participations_until(item.case, meeting_day_end(item.meeting)):
            if participation.user_id == user_id and participation.kind == ParticipantKind.MEMBER:
                participation.valid_until_dt = max(now, participation.valid_from_dt)
    db.session.flush()
