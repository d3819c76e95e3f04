"""Private calendar feeds: a secret URL per person that a calendar application subscribes to.

Only the SHA-256 of the token is stored: a copy of the database opens no feed. The token is
shown once, when it is made; a new one replaces the old, revoking ends it. A feed lists the
same minimal facts as an invitation (date, time, place, team, number of items) and works
only while its owner's account is active and unexpired.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select

from fallteam.audit.models import AuditAction
from fallteam.audit.operations import record
from fallteam.auth.models import User
from fallteam.core.models import utcnow
from fallteam.extensions import db
from fallteam.mail.models import CalendarFeed
from fallteam.meetings.models import AgendaGuest, AgendaItem, Meeting
from fallteam.meetings.rules import guest_window_open, meeting_day
from fallteam.teams.models import TeamMember

#: what a token from ``secrets.token_urlsafe(32)`` can look like
_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{40,64}")
#: how far back and ahead a feed lists the team's sessions
FEED_PAST = timedelta(days=30)
FEED_AHEAD = timedelta(days=183)
#: ``last_used_dt`` is written at most this often (calendars poll every few minutes)
_USE_RESOLUTION = timedelta(hours=1)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def feed_of(user: User) -> CalendarFeed | None:
    """The user's feed, if they have one."""
    return db.session.scalar(select(CalendarFeed).where(CalendarFeed.user_id == user.id))


def create_feed(user: User) -> str:
    """Make a new feed token for ``user`` (replacing an earlier one) and return it: this is
    the only moment it exists in plaintext."""
    token = secrets.token_urlsafe(32)
    feed = feed_of(user)
    renewed = feed is not None
    if feed is None:
        feed = CalendarFeed(user_id=user.id, token_hash=_hash(token))
        db.session.add(feed)
    else:
        feed.token_hash = _hash(token)
        feed.created_dt = utcnow()
        feed.last_used_dt = None
    db.session.flush()
    record(
        AuditAction.UPDATE if renewed else AuditAction.CREATE,
        feed,
        purpose="Kalender-Abo erneuert" if renewed else "Kalender-Abo angelegt",
    )
    return token


def revoke_feed(user: User) -> bool:
    """End the user's feed; False if there was none."""
    feed = feed_of(user)
    if feed is None:
        return False
    db.session.delete(feed)
    db.session.flush()
    record(AuditAction.DELETE, feed, purpose="Kalender-Abo widerrufen")
    return True


def feed_owner(token: str, *, now: datetime | None = None) -> User | None:
    """The owner of the feed with this token, if the token is known and the account may
    still use it; None otherwise (the caller answers 404 either way)."""
    if not _TOKEN_SHAPE.fullmatch(token or ""):
        return None
    digest = _hash(token)
    feed = db.session.scalar(select(CalendarFeed).where(CalendarFeed.token_hash == digest))
    # The lookup by hash reveals nothing about the token; comparing again in constant time
    # keeps that true whatever the database's comparison does.
    if feed is None or not hmac.compare_digest(feed.token_hash, digest):
        return None
    user = db.session.get(User, feed.user_id)
    now = now or utcnow()
    if user is None or not user.active or user.expired(now):
        return None
    if feed.last_used_dt is None or now - feed.last_used_dt >= _USE_RESOLUTION:
        feed.last_used_dt = now
        db.session.flush()
    return user


def feed_meetings(user: User, *, now: datetime | None = None) -> list[Meeting]:
    """The sessions a feed lists: those of the user's teams from 30 days back to six months
    ahead (membership on the session day), those where the user presents an item, and those
    where they are a guest while their window is open. Cancelled ones stay, marked
    cancelled, so subscribed calendars drop them."""
    now = now or utcnow()
    start, end = now - FEED_PAST, now + FEED_AHEAD
    in_range = (Meeting.starts_dt >= start, Meeting.starts_dt <= end)
    found: dict = {}
    for meeting, membership in db.session.execute(
        select(Meeting, TeamMember)
        .join(TeamMember, TeamMember.team_id == Meeting.team_id)
        .where(TeamMember.user_id == user.id, *in_range)
    ):
        if membership.active_on(meeting_day(meeting)):
            found[meeting.id] = meeting
    # Selecting the meeting only: loading the items would decrypt their case texts.
    for meeting in db.session.scalars(
        select(Meeting)
        .join(AgendaItem, AgendaItem.meeting_id == Meeting.id)
        .where(AgendaItem.presenter_id == user.id, *in_range)
    ):
        found[meeting.id] = meeting
    for meeting, guest in db.session.execute(
        select(Meeting, AgendaGuest)
        .join(AgendaItem, AgendaItem.meeting_id == Meeting.id)
        .join(AgendaGuest, AgendaGuest.item_id == AgendaItem.id)
        .where(AgendaGuest.user_id == user.id, AgendaGuest.invited_dt.is_not(None))
    ):
        if guest_window_open(guest, meeting, now):
            found[meeting.id] = meeting
    return sorted(found.values(), key=lambda m: m.starts_dt)
