"""The Sitzung domain's tables: the session (``Meeting``) and its agenda items (TOPs)."""

from fallteam.meetings.models.agenda import (
    ITEM_PURPOSE_LABELS,
    METHOD_LABELS,
    AgendaDocument,
    AgendaGuest,
    AgendaItem,
    Method,
)
from fallteam.meetings.models.meeting import Meeting, MeetingAttendance, MeetingStatus

__all__ = [
    "ITEM_PURPOSE_LABELS",
    "METHOD_LABELS",
    "AgendaDocument",
    "AgendaGuest",
    "AgendaItem",
    "Meeting",
    "MeetingAttendance",
    "MeetingStatus",
    "Method",
]
