"""The team's session plan: generating sessions from the rhythm and the moderation plan
(buttons on the team page, for whoever manages the teams)."""

from __future__ import annotations

import uuid
from datetime import timedelta

from flask import flash, redirect, url_for
from flask_babel import gettext as _

from fallteam import access
from fallteam.core.loaders import get_or_404
from fallteam.core.models import utcnow
from fallteam.meetings.operations import schedule
from fallteam.teams.models import Team

#: sessions are generated this far ahead
HORIZON = timedelta(days=92)


def _team_page(team: Team):
    return redirect(url_for("teams.show_team", team_id=team.id))


def generate_meetings(team_id: uuid.UUID):
    """Create the sessions of the next three months from the rhythm."""
    team = get_or_404(Team, team_id)
    access.require("teams.manage")
    today = utcnow().date()
    created = schedule.generate_meetings(team, start=today, until=today + HORIZON)
    flash(_("%(n)d Sitzungen angelegt.", n=len(created)), "success")
    return _team_page(team)


def plan_moderation(team_id: uuid.UUID):
    """Propose moderators for the unpublished sessions, by fair rotation."""
    team = get_or_404(Team, team_id)
    access.require("teams.manage")
    problems = schedule.plan_moderation(team, now=utcnow())
    for problem in problems:
        flash(problem.message, "error")
    if not problems:
        flash(_("Moderationsplan vorgeschlagen; bitte prüfen und veröffentlichen."), "success")
    return _team_page(team)


def publish_moderation(team_id: uuid.UUID):
    """Publish the moderation plan to the team."""
    team = get_or_404(Team, team_id)
    access.require("teams.manage")
    count = schedule.publish_moderation(team, now=utcnow())
    flash(_("Moderationsplan für %(n)d Sitzungen veröffentlicht.", n=count), "success")
    return _team_page(team)
