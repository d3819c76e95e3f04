"""Changes to teams, memberships and absences. They flush and audit; they never commit."""

from __future__ import annotations

from datetime import date, time

from blinker import Namespace
from flask_babel import gettext as _
from sqlalchemy import select

from fallteam import access
from fallteam.audit.models import AuditAction
from fallteam.audit.operations import record
from fallteam.auth.models import User
from fallteam.auth.operations import roles_changed
from fallteam.extensions import db
from fallteam.teams.models import Absence, MemberKind, Team, TeamMember

_signals = Namespace()
#: sent (sender: the team, ``user``) when someone joins a team: the session domain opens the
#: windows of the cases already registered for the team's coming sessions
member_added = _signals.signal("team-member-added")
#: sent (sender: the team, ``user_id``) when a membership ends: the session domain ends the
#: windows it had opened for that person at once
member_removed = _signals.signal("team-member-removed")


class TeamError(ValueError):
    """A change the rules do not allow; the message is for the user."""


def create_team(
    *,
    name: str,
    region: str,
    rhythm: str,
    weekday: int,
    start_time: time,
    duration_minutes: int,
    place: str,
    registration_deadline_days: int,
    rhythm_anchor: date,
) -> Team:
    """A new Fallteam."""
    if db.session.scalar(select(Team.id).where(Team.name == name.strip())):
        raise TeamError(_("Ein Fallteam mit diesem Namen gibt es schon."))
    team = Team(
        name=name.strip(),
        region=region.strip(),
        rhythm=rhythm,
        weekday=weekday,
        start_time=start_time,
        duration_minutes=duration_minutes,
        place=place.strip(),
        registration_deadline_days=registration_deadline_days,
        rhythm_anchor=rhythm_anchor,
    )
    db.session.add(team)
    db.session.flush()
    record(AuditAction.CREATE, team)
    return team


def add_member(team: Team, user: User, *, kind: str, until: date | None = None) -> TeamMember:
    """Make ``user`` a member; temporary memberships need an end date."""
    if not access.may_be_team_member(user):
        raise TeamError(
            _(
                "Diese Person kann nicht Mitglied eines Fallteams sein (nur Fachkräfte und "
                "Fallteam-Mitglieder, keine Gäste, Administration oder Datenschutz)."
            )
        )
    if kind == MemberKind.TEMPORARY and until is None:
        raise TeamError(_("Zeitweilige Mitglieder brauchen ein Enddatum."))
    if any(m.user_id == user.id for m in team.members):
        raise TeamError(_("Diese Person gehört dem Fallteam bereits an."))
    member = TeamMember(
        team_id=team.id,
        user_id=user.id,
        kind=kind,
        until=until if kind == MemberKind.TEMPORARY else None,
    )
    team.members.append(member)
    db.session.flush()
    record(AuditAction.CREATE, member, details={"team": str(team.id), "kind": kind})
    member_added.send(team, user=user)
    return member


def remove_member(team: Team, member: TeamMember) -> None:
    """End a membership."""
    team.members.remove(member)
    db.session.flush()
    record(AuditAction.DELETE, member, details={"team": str(team.id)})
    member_removed.send(team, user_id=member.user_id)


@roles_changed.connect
def leave_teams_not_allowed_any_more(user: User) -> None:
    """An account's new roles no longer allow team membership (a member made a guest): its
    memberships end (audited), and with them the windows the team's sessions had opened."""
    if access.may_be_team_member(user):
        return
    memberships = db.session.scalars(select(TeamMember).where(TeamMember.user_id == user.id))
    for member in memberships.all():
        remove_member(db.session.get(Team, member.team_id), member)


def add_absence(user: User, starts_on: date, ends_on: date) -> Absence:
    """Note that ``user`` is away from ``starts_on`` to ``ends_on`` (inclusive)."""
    if ends_on < starts_on:
        raise TeamError(_("Das Ende der Abwesenheit liegt vor ihrem Beginn."))
    absence = Absence(user_id=user.id, starts_on=starts_on, ends_on=ends_on)
    db.session.add(absence)
    db.session.flush()
    record(AuditAction.CREATE, absence, details={"user": str(user.id)})
    return absence


def remove_absence(absence: Absence) -> None:
    """Withdraw an absence."""
    db.session.delete(absence)
    db.session.flush()
    record(AuditAction.DELETE, absence, details={"user": str(absence.user_id)})


def permanent_members(team: Team, on: date) -> list[TeamMember]:
    """The permanent members on ``on`` (they moderate in rotation)."""
    return sorted(
        (m for m in team.members if m.kind == MemberKind.PERMANENT and m.active_on(on)),
        key=lambda m: str(m.user_id),
    )


def absences_of(user_ids) -> dict:
    """Each user's absences as inclusive (start, end) date ranges."""
    found: dict = {uid: [] for uid in user_ids}
    for absence in db.session.scalars(select(Absence).where(Absence.user_id.in_(list(found)))):
        found[absence.user_id].append((absence.starts_on, absence.ends_on))
    return found
