"""The Sitzung domain's tables: the session (``Meeting``) and its agenda items (TOPs)."""

from fallteam.meetings.models.agenda import (
    ITEM_PURPOSE_LABELS,
    METHOD_LABELS,
    PRESENCE_LABELS,
    PRESENT_FOR_ITEM,
    AgendaDocument,
    AgendaGuest,
    AgendaItem,
    ItemAttendance,
    Method,
    Presence,
)
from fallteam.meetings.models.meeting import (
    CHANGE_REASON_LABELS,
    ChangeReason,
    Meeting,
    MeetingAttendance,
    MeetingStatus,
)
from fallteam.meetings.models.pledge import ConfidentialityPledge
from fallteam.meetings.models.topic import (
    TOPIC_KIND_LABELS,
    TOPIC_TEXT_MAX,
    AgendaTopic,
    TopicKind,
)

__all__ = [
    "CHANGE_REASON_LABELS",
    "ITEM_PURPOSE_LABELS",
    "ChangeReason",
    "METHOD_LABELS",
    "AgendaDocument",
    "AgendaGuest",
    "AgendaItem",
    "AgendaTopic",
    "TOPIC_KIND_LABELS",
    "TOPIC_TEXT_MAX",
    "TopicKind",
    "ConfidentialityPledge",
    "ItemAttendance",
    "PRESENCE_LABELS",
    "PRESENT_FOR_ITEM",
    "Presence",
    "Meeting",
    "MeetingAttendance",
    "MeetingStatus",
    "Method",
]
