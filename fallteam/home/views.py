"""The start page by role, the language switch and the health check."""

from __future__ import annotations

from flask import redirect, render_template, session
from flask_login import current_user
from sqlalchemy import text

from fallteam import access
from fallteam.auth.session import safe_next
from fallteam.cases.queries import cases_shared_with
from fallteam.core.i18n import LANGUAGE_SESSION_KEY
from fallteam.core.models import utcnow
from fallteam.extensions import db
from fallteam.home.forms import LanguageForm
from fallteam.meetings.queries.meeting import meetings_visible_to


def start():
    """What the signed-in user can do, by what the policy grants them, and the case
    presentations they take part in now."""
    access.require("start.view")
    shared = cases_shared_with(current_user) if access.can("case.read_pseudonymised") else []
    next_meetings = (
        meetings_visible_to(current_user, after=utcnow(), limit=5)
        if access.can("meeting.view")
        else []
    )
    return render_template("home/start.html", shared=shared, next_meetings=next_meetings)


def set_language():
    """Remember the chosen language in the session (works before sign-in too)."""
    form = LanguageForm()
    if not form.validate_on_submit():
        return redirect(safe_next(None))
    session[LANGUAGE_SESSION_KEY] = form.language.data
    return redirect(safe_next(form.next.data))


def check_health():
    """For the reverse proxy and monitoring: the database answers. Reveals nothing else."""
    db.session.execute(text("SELECT 1"))
    return {"status": "ok"}
