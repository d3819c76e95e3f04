"""Team pages: teams, members, absences and the team's coming sessions (generating them and
the moderation plan are pages of the Sitzung domain, ``fallteam.meetings.views.plan``)."""

from __future__ import annotations

import uuid

from flask import redirect, render_template, url_for
from sqlalchemy import select

from fallteam import access
from fallteam.auth.models import User
from fallteam.cases.queries import active_users
from fallteam.core.forms import ActionForm
from fallteam.core.loaders import get_or_404, part_or_404
from fallteam.core.models import utcnow
from fallteam.extensions import db
from fallteam.teams import operations
from fallteam.teams.forms import AbsenceForm, MemberForm, TeamForm
from fallteam.teams.models import (
    MEMBER_KIND_LABELS,
    RHYTHM_LABELS,
    WEEKDAYS,
    Absence,
    Team,
    TeamMember,
)
from fallteam.teams.queries import upcoming_meetings


def _load(team_id: uuid.UUID) -> Team:
    return get_or_404(Team, team_id)


def list_teams():
    """Teams one belongs to (all of them for whoever manages teams)."""
    access.require("teams.view")
    teams = db.session.scalars(select(Team).order_by(Team.name)).all()
    return render_template(
        "teams/list.html", teams=[t for t in teams if access.can("teams.view", t)]
    )


def create_team():
    """A new Fallteam."""
    access.require("teams.manage")
    form = TeamForm()
    if form.validate_on_submit():
        try:
            team = operations.create_team(
                name=form.name.data,
                region=form.region.data or "",
                rhythm=form.rhythm.data,
                weekday=int(form.weekday.data),
                start_time=form.start_time.data,
                duration_minutes=form.duration_minutes.data,
                place=form.place.data or "",
                registration_deadline_days=form.registration_deadline_days.data,
                rhythm_anchor=form.rhythm_anchor.data,
            )
        except operations.TeamError as exc:
            form.name.errors.append(str(exc))
        else:
            return redirect(url_for("teams.show_team", team_id=team.id))
    return render_template("teams/form.html", form=form)


def _member_choices() -> list[tuple[str, str]]:
    """People who may be members of a Fallteam (no guests, administration or DPO)."""
    return [(str(u.id), u.display_name) for u in active_users() if access.may_be_team_member(u)]


def show_team(team_id: uuid.UUID, member_form=None, absence_form=None):
    """The team: members, absences, the next sessions with their moderators."""
    team = _load(team_id)
    access.require("teams.view", team)
    users = {u.id: u for u in active_users()}
    member_form = member_form or MemberForm(prefix="m")
    absence_form = absence_form or AbsenceForm(prefix="a")
    member_form.user.choices = _member_choices()
    absence_form.user.choices = [
        (str(m.user_id), users[m.user_id].display_name) for m in team.members if m.user_id in users
    ]
    member_ids = [m.user_id for m in team.members]
    absences = db.session.scalars(
        select(Absence).where(Absence.user_id.in_(member_ids)).order_by(Absence.starts_on)
    ).all()
    return render_template(
        "teams/show.html",
        team=team,
        users=users,
        absences=absences,
        upcoming=upcoming_meetings(team, after=utcnow()),
        member_form=member_form,
        absence_form=absence_form,
        action_form=ActionForm(),
        kinds=MEMBER_KIND_LABELS,
        rhythms=RHYTHM_LABELS,
        weekdays=WEEKDAYS,
    )


def add_member(team_id: uuid.UUID):
    """Take someone into the team."""
    team = _load(team_id)
    access.require("teams.manage")
    form = MemberForm(prefix="m")
    form.user.choices = _member_choices()
    if form.validate_on_submit():
        try:
            operations.add_member(
                team,
                db.session.get(User, uuid.UUID(form.user.data)),
                kind=form.kind.data,
                until=form.until.data,
            )
        except operations.TeamError as exc:
            form.user.errors.append(str(exc))
        else:
            return redirect(url_for("teams.show_team", team_id=team.id))
    return show_team(team.id, member_form=form)


def remove_member(team_id: uuid.UUID, member_id: uuid.UUID):
    """End a membership."""
    team = _load(team_id)
    access.require("teams.manage")
    member = part_or_404(team, TeamMember, member_id, via="team_id")
    operations.remove_member(team, member)
    return redirect(url_for("teams.show_team", team_id=team.id))


def add_absence(team_id: uuid.UUID):
    """Note an absence of a member (the moderation plan respects it)."""
    team = _load(team_id)
    access.require("teams.manage")
    form = AbsenceForm(prefix="a")
    form.user.choices = [(str(m.user_id), str(m.user_id)) for m in team.members]
    if form.validate_on_submit():
        try:
            operations.add_absence(
                db.session.get(User, uuid.UUID(form.user.data)),
                form.starts_on.data,
                form.ends_on.data,
            )
        except operations.TeamError as exc:
            form.ends_on.errors.append(str(exc))
        else:
            return redirect(url_for("teams.show_team", team_id=team.id))
    return show_team(team.id, absence_form=form)
