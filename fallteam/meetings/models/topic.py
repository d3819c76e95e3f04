"""Items without a case: fallunspezifische Themen, Fachfragen, Informationen (source,
6. Fallteam, point 2 b/c). They carry no case data, so nothing of theirs is encrypted with a
case key; the form keeps them short and says that no family is named."""

from __future__ import annotations

import enum
import uuid

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fallteam.core.models import Base, CreatedTimestamp, UUIDPrimaryKey
from fallteam.meetings.models.meeting import Meeting

#: the longest short text of a topic
TOPIC_TEXT_MAX = 600


class TopicKind(enum.StrEnum):
    """What kind of item without a case it is (source, 6. Fallteam, point 2 b/c)."""

    TOPIC = "thema"
    QUESTION = "fachfrage"
    INFORMATION = "information"


TOPIC_KIND_LABELS = {
    TopicKind.TOPIC: _l("Fallunspezifisches Thema"),
    TopicKind.QUESTION: _l("Fachfrage"),
    TopicKind.INFORMATION: _l("Information"),
}


class AgendaTopic(UUIDPrimaryKey, CreatedTimestamp, Base):
    """A topic on a session's agenda that concerns no case."""

    __tablename__ = "agenda_topics"
    __audit_type__ = "agenda_topic"

    #: the session
    meeting_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), index=True
    )
    #: who registered it (a team member before the deadline, the moderator after)
    registered_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    #: short title
    title: Mapped[str] = mapped_column(String(200))
    #: a few sentences
    text: Mapped[str] = mapped_column(String(TOPIC_TEXT_MAX), default="")
    #: ``TopicKind``
    kind: Mapped[str] = mapped_column(String(20), default=TopicKind.TOPIC)
    #: the moderator's short notes on how the topic was dealt with (for the Teamprotokoll)
    notes: Mapped[str] = mapped_column(String(TOPIC_TEXT_MAX), default="")
    #: to be passed on to the Regionalteam (anonymous, case-independent findings)
    for_regional_team: Mapped[bool] = mapped_column(default=False)

    meeting: Mapped[Meeting] = relationship()

    def __repr__(self) -> str:
        return f"<AgendaTopic {self.title!r} in {self.meeting_id}>"
