"""Items without a case (fallunspezifische Themen, Fachfragen, Informationen): a team member
registers one before the deadline, the session's moderator also after it."""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _

from fallteam import access
from fallteam.audit.models import AuditAction
from fallteam.audit.operations import record
from fallteam.auth.models import User
from fallteam.extensions import db
from fallteam.meetings.models import TOPIC_TEXT_MAX, AgendaTopic, Meeting, MeetingStatus
from fallteam.meetings.operations import MeetingError
from fallteam.meetings.operations.agenda import deadline_passed


def register_topic(
    meeting: Meeting,
    *,
    title: str,
    text: str,
    for_regional_team: bool,
    actor: User,
    now: datetime,
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
    title, text = title.strip(), (text or "").strip()
    if not title or len(title) > 200 or len(text) > TOPIC_TEXT_MAX:
        raise MeetingError(
            _(
                "Bitte einen Titel (höchstens 200 Zeichen) und einen kurzen Text (höchstens "
                "%(n)d Zeichen) angeben.",
                n=TOPIC_TEXT_MAX,
            )
        )
    topic = AgendaTopic(
        meeting_id=meeting.id,
        registered_by_id=actor.id,
        title=title,
        text=text,
        for_regional_team=for_regional_team,
    )
    db.session.add(topic)
    db.session.flush()
    record(
        AuditAction.CREATE,
        topic,
        purpose="Fallunspezifisches Thema angemeldet",
        details={"meeting": str(meeting.id), "for_regional_team": for_regional_team},
    )
    return topic
