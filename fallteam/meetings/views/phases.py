"""The phase guide's buttons in the run view: the moderator moves an item to the next or the
previous phase of its method."""

from __future__ import annotations

import uuid

from flask import flash, redirect, url_for
from flask_babel import gettext as _

from fallteam import access
from fallteam.core.loaders import get_or_404, part_or_404
from fallteam.core.models import utcnow
from fallteam.meetings.forms.meeting import PhaseForm
from fallteam.meetings.models import AgendaItem, Meeting
from fallteam.meetings.operations import MeetingError, phases


def move_phase(meeting_id: uuid.UUID, item_id: uuid.UUID):
    """Next or previous phase of the item (only the session's moderator); back to the item in
    the run view, with the German message if the move is not possible."""
    meeting = get_or_404(Meeting, meeting_id)
    access.require("meeting.moderate", meeting)
    item = part_or_404(meeting, AgendaItem, item_id, via="meeting_id")
    back = url_for("meetings.run_meeting", meeting_id=meeting.id) + f"#top-{item.id}"
    form = PhaseForm()
    if not form.validate_on_submit():
        flash(_("Bitte die nächste oder die vorige Phase wählen."), "error")
        return redirect(back)
    step = 1 if form.direction.data == "next" else -1
    try:
        phases.move_phase(meeting, item, shown=form.shown.data, step=step, now=utcnow())
    except MeetingError as exc:
        flash(str(exc), "error")
    return redirect(back)
