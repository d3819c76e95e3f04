"""A person's activity over a period (``/datenschutz/personen/<id>``)."""

from __future__ import annotations

import uuid
from datetime import timedelta

from flask import render_template, request

from fallteam import access
from fallteam.auth.models import User
from fallteam.core.loaders import get_or_404
from fallteam.core.models import utcnow
from fallteam.dpo.forms.search import PeriodForm
from fallteam.dpo.queries.activity import person_activity_page
from fallteam.meetings.rules import local_day

#: the period shown when none is asked for
DEFAULT_DAYS = 30


def person_activity(user_id: uuid.UUID):
    """What the person opened, changed, exported or was refused, per case and day."""
    access.require("audit.read")
    person = get_or_404(User, user_id)
    form = PeriodForm(request.args)
    activity = None
    if form.validate():
        until = form.until.data or local_day(utcnow())
        since = form.since.data or until - timedelta(days=DEFAULT_DAYS - 1)
        form.since.data, form.until.data = since, until
        page = request.args.get("seite", 1, type=int)
        activity = person_activity_page(person.id, since, until, page=page)
    return render_template("dpo/person.html", person=person, form=form, activity=activity)
