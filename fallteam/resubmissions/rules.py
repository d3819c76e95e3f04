"""Pure rules of the Wiedervorlage: which week is "this week" in the office's time zone."""

from __future__ import annotations

import hashlib
from datetime import date, datetime, timedelta

from fallteam.core.i18n import office_zone


def office_today(now: datetime) -> date:
    """The office's calendar day at ``now`` (Europe/Berlin): a Wiedervorlage due yesterday in
    Berlin is overdue from Berlin's midnight, whatever the UTC date says."""
    return now.astimezone(office_zone()).date()


def week_end(today: date) -> date:
    """The Sunday of ``today``'s week."""
    return today + timedelta(days=6 - today.weekday())


def topic_digest(topic: str) -> str:
    """SHA-256 (hex) of a topic's text (UTF-8): what a sealed Teamprotokoll holds of an agreed
    Wiedervorlage's topic, so that the seal outlives the case's deletion."""
    return hashlib.sha256(topic.encode("utf-8")).hexdigest()
