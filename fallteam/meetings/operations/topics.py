"""Items without a case (fallunspezifische Themen, Fachfragen, Informationen): a team member
registers one before the deadline, the session's moderator also after it; who registered it
(and the moderator) edits or withdraws it until the session begins."""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _

from fallteam import access
from fallteam.audit.models import AuditAction
from fallteam.audit.operations import record
from fallteam.auth.models import User
from fallteam.extensions import db
from fallteam.meetings.models import (
    TOPIC_TEXT_MAX,
    AgendaTopic,
    Meeting,
    MeetingStatus,
    TopicKind,
)
from fallteam.meetings.operations import MeetingError
from fallteam.meetings.operations.agenda import deadline_passed


def _checked(title: str, text: str | None, kind: str) -> tuple[str, str, TopicKind]:
    """The topic's fields, trimmed, or a German message on what is wrong."""
    title, text = (title or "").strip(), (text or "").strip()
    if not title or len(title) > 200 or len(text) > TOPIC_TEXT_MAX:
        raise MeetingError(
            _(
                "Bitte einen Titel (höchstens 200 Zeichen) und einen kurzen Text (höchstens "
                "%(n)d Zeichen) angeben.",
                n=TOPIC_TEXT_MAX,
            )
        )
    try:
        return title, text, TopicKind(kind)
    except ValueError:
        raise MeetingError(
            _("Bitte angeben, ob es ein Thema, eine Fachfrage oder eine Information ist.")
        ) from None


def _require_open(topic: AgendaTopic, now: datetime) -> None:
    """A topic changes only until its session begins (and never in a cancelled one)."""
    meeting = topic.meeting
    if meeting.status == MeetingStatus.CANCELLED:
        raise MeetingError(_("Die Sitzung ist abgesagt."))
    if meeting.starts_dt <= now:
        raise MeetingError(
            _(
                "Die Sitzung hat begonnen; das Thema bleibt so auf der Tagesordnung, wie es "
                "angemeldet ist."
            )
        )


def register_topic(
    meeting: Meeting,
    *,
    title: str,
    text: str,
    for_regional_team: bool,
    actor: User,
    now: datetime,
    kind: str = TopicKind.TOPIC,
) -> AgendaTopic:
    """Put a topic without a case on the session's agenda."""
    if meeting.status == MeetingStatus.CANCELLED:
        raise MeetingError(_("Die Sitzung ist abgesagt."))
    if not access.team_member_of(actor, meeting):
        raise MeetingError(_("Themen melden nur Mitglieder dieses Fallteams an."))
    if deadline_passed(meeting, now) and not access.allowed(actor, "meeting.moderate", meeting):
        raise MeetingError(
            _(
                "Die Anmeldefrist ist abgelaufen; nach der Frist nimmt nur die Moderation "
                "Themen auf."
            )
        )
    title, text, kind = _checked(title, text, kind)
    topic = AgendaTopic(
        meeting_id=meeting.id,
        registered_by_id=actor.id,
        title=title,
        text=text,
        kind=kind,
        for_regional_team=for_regional_team,
    )
    db.session.add(topic)
    db.session.flush()
    record(
        AuditAction.CREATE,
        topic,
        purpose="Fallunspezifisches Thema angemeldet",
        details={
            "meeting": str(meeting.id),
            "kind": kind,
            "for_regional_team": for_regional_team,
        },
    )
    return topic


def edit_topic(
    topic: AgendaTopic,
    *,
    title: str,
    text: str,
    kind: str,
    for_regional_team: bool,
    now: datetime,
) -> AgendaTopic:
    """Change a topic's title, text, kind and whether it goes to the Regionalteam, until the
    session begins. The audit event names the changed fields, not their content."""
    _require_open(topic, now)
    title, text, kind = _checked(title, text, kind)
    new = {"title": title, "text": text, "kind": kind, "for_regional_team": for_regional_team}
    changed = sorted(field for field, value in new.items() if getattr(topic, field) != value)
    if not changed:
        return topic
    for field in changed:
        setattr(topic, field, new[field])
    db.session.flush()
    record(
        AuditAction.UPDATE,
        topic,
        purpose="Fallunspezifisches Thema bearbeitet",
        details={"meeting": str(topic.meeting_id), "changed": changed},
    )
    return topic


def withdraw_topic(topic: AgendaTopic, *, now: datetime) -> None:
    """Take a topic off the agenda, until the session begins."""
    _require_open(topic, now)
    topic_id, meeting_id = topic.id, topic.meeting_id
    db.session.delete(topic)
    db.session.flush()
    record(
        AuditAction.DELETE,
        object_type="agenda_topic",
        object_id=topic_id,
        purpose="Fallunspezifisches Thema zurückgezogen",
        details={"meeting": str(meeting_id)},
    )
