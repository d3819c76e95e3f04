"""Pure rules of the Wiedervorlage: which week is "this week" in the office's time zone."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from fallteam.core.i18n import office_zone
from fallteam.crypto.blind_index import keyed_digest


def office_today(now: datetime) -> date:
    """The office's calendar day at ``now`` (Europe/Berlin): a Wiedervorlage due yesterday in
    Berlin is overdue from Berlin's midnight, whatever the UTC date says."""
    return now.astimezone(office_zone()).date()


def week_end(today: date) -> date:
    """The Sunday of ``today``'s week."""
    return today + timedelta(days=6 - today.weekday())


def topic_digest(topic: str) -> str:
    """HMAC-SHA256 (hex) of a topic's text under a key of the key ring: what a sealed
    Teamprotokoll holds of an agreed Wiedervorlage's topic, so that the seal outlives the
    case's deletion. Keyed, because topics are short: a plain SHA-256 left on a deleted
    case's tombstone could be tested against guesses by anyone reading the database."""
    return keyed_digest(topic, table="resubmissions", column="topic")
