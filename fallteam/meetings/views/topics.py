"""Topics without a case after their registration: who registered one (and the session's
moderator) edits or withdraws it until the session begins."""

from __future__ import annotations

import uuid

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from werkzeug.exceptions import NotFound

from fallteam import access
from fallteam.core.loaders import get_or_404
from fallteam.core.models import utcnow
from fallteam.meetings.forms.meeting import TopicEditForm
from fallteam.meetings.models import AgendaTopic
from fallteam.meetings.operations import MeetingError, topics


def _agenda_url(topic: AgendaTopic) -> str:
    return url_for("meetings.show_meeting", meeting_id=topic.meeting_id) + "#themen"


def _load(meeting_id: uuid.UUID, topic_id: uuid.UUID) -> AgendaTopic:
    topic = get_or_404(AgendaTopic, topic_id)
    if topic.meeting_id != meeting_id:
        raise NotFound()
    access.require("topic.edit", topic)
    return topic


def edit_topic(meeting_id: uuid.UUID, topic_id: uuid.UUID):
    """The topic's form; saving keeps what was typed and says in German what is wrong."""
    topic = _load(meeting_id, topic_id)
    form = TopicEditForm(obj=topic)
    if form.validate_on_submit():
        try:
            topics.edit_topic(
                topic,
                title=form.title.data,
                text=form.text.data or "",
                kind=form.kind.data,
                for_regional_team=form.for_regional_team.data,
                now=utcnow(),
            )
        except MeetingError as exc:
            flash(str(exc), "error")
        else:
            flash(_("Das Thema ist gespeichert."), "success")
            return redirect(_agenda_url(topic))
    return render_template("meetings/topic_edit.html", topic=topic, form=form)


def withdraw_topic(meeting_id: uuid.UUID, topic_id: uuid.UUID):
    """Take the topic off the agenda (until the session begins)."""
    topic = _load(meeting_id, topic_id)
    back = _agenda_url(topic)
    try:
        topics.withdraw_topic(topic, now=utcnow())
    except MeetingError as exc:
        flash(str(exc), "error")
        return redirect(back)
    flash(_("Das Thema ist zurückgezogen."), "success")
    return redirect(back)
