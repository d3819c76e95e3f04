"""Inviting a session and telling its participants about changes: the session domain decides
who is invited and opens the guests' windows; ``fallteam.mail`` only renders and queues the
messages (with their calendar entries)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from fallteam.audit.models import AuditAction
from fallteam.audit.operations import record
from fallteam.auth.models import User
from fallteam.core.models import utcnow
from fallteam.extensions import db
from fallteam.mail import invitations as mail
from fallteam.mail.operations import reminders_due
from fallteam.meetings.models import AgendaGuest, AgendaItem, Meeting, MeetingStatus
from fallteam.meetings.operations import MeetingError
from fallteam.meetings.operations.windows import open_guest_window
from fallteam.meetings.queries.agenda import unfinished_reasons
from fallteam.meetings.queries.meeting import members_on_meeting_day
from fallteam.meetings.rules import day_start, local_day
from fallteam.teams.models import Team


def _guests_of(meeting: Meeting) -> list[AgendaGuest]:
    # AgendaGuest only: loading the items would decrypt their case texts for nothing.
    return list(
        db.session.scalars(
            select(AgendaGuest)
            .join(AgendaItem, AgendaItem.id == AgendaGuest.item_id)
            .where(AgendaItem.meeting_id == meeting.id)
            .order_by(AgendaGuest.created_dt)
        )
    )


def _presenters_of(meeting: Meeting) -> list[uuid.UUID]:
    return list(
        db.session.scalars(
            select(AgendaItem.presenter_id).where(AgendaItem.meeting_id == meeting.id).distinct()
        )
    )


def send_invitation(meeting: Meeting, *, now: datetime) -> int:
    """Invite the session: its team members (on the session day), the presenters of its
    items and the items' guests, each with a calendar entry; open the guests' windows.

    Sent again (after the agenda or the team changed), it is an update: the same calendar
    entry with a higher SEQUENCE for those already invited, an invitation for newcomers, a
    cancellation for those no longer taking part. Returns the number of mails queued.
    """
    if meeting.status != MeetingStatus.PLANNED:
        raise MeetingError(_("Zu einer abgesagten Sitzung kann nicht eingeladen werden."))
    if meeting.starts_dt <= now:
        raise MeetingError(
            _("Die Sitzung hat bereits begonnen; eine Einladung ist nicht mehr möglich.")
        )
    resend = meeting.invitation_sent_dt is not None
    if resend:
        meeting.calendar_sequence += 1
    wanted: dict[uuid.UUID, bool] = {}  # user id -> invited only as a guest
    members = [u.id for u in members_on_meeting_day(meeting)]
    for user_id in [*members, *_presenters_of(meeting)]:
        wanted[user_id] = False
    guests = _guests_of(meeting)
    for guest in guests:
        wanted.setdefault(guest.user_id, True)
    for guest in guests:
        if mail.reachable(db.session.get(User, guest.user_id), now):
            open_guest_window(guest, now=now)
    queued, withdrawn = mail.queue_invitations(meeting, wanted, now=now)
    if not resend:
        meeting.invitation_sent_dt = now
    db.session.flush()
    record(
        AuditAction.UPDATE,
        meeting,
        purpose="Einladung erneut verschickt" if resend else "Einladung verschickt",
        details={
            "recipients": queued - withdrawn,
            "withdrawn": withdrawn,
            "sequence": meeting.calendar_sequence,
        },
    )
    return queued


def invite_guest(guest: AgendaGuest, *, now: datetime):
    """A guest added after the session's invitation went out: open their window and invite
    them. Nothing happens before the invitation (it will include them) or for a cancelled
    session; someone already invited to the session gets no second mail."""
    item = db.session.get(AgendaItem, guest.item_id)
    # By id, not ``item.meeting``: an item just carried over may still hold the old session.
    meeting = db.session.get(Meeting, item.meeting_id)
    if meeting.invitation_sent_dt is None or meeting.status != MeetingStatus.PLANNED:
        return None
    user = db.session.get(User, guest.user_id)
    if not mail.reachable(user, now):
        return None
    open_guest_window(guest, now=now, meeting=meeting)
    sent = mail.queue_guest_invitation(meeting, user, now=now)
    if sent is not None:
        record(
            AuditAction.UPDATE,
            meeting,
            purpose="Gast nachträglich eingeladen",
            details={"guest": str(guest.id), "user": str(user.id)},
        )
    return sent


def announce_change(meeting: Meeting) -> int:
    """After a move: everyone invited gets the updated calendar entry (same UID, higher
    SEQUENCE, new times). Only once the invitation was sent; returns the mails queued."""
    if meeting.invitation_sent_dt is None or meeting.status != MeetingStatus.PLANNED:
        return 0
    meeting.calendar_sequence += 1
    return mail.notify_meeting_changed(meeting)


def announce_cancellation(meeting: Meeting) -> int:
    """After a cancellation: everyone invited gets the calendar cancellation."""
    if meeting.invitation_sent_dt is None:
        return 0
    meeting.calendar_sequence += 1
    return mail.notify_meeting_cancelled(meeting)


def _meetings_of_day(day_start: datetime) -> list[Meeting]:
    return list(
        db.session.scalars(
            select(Meeting)
            .where(
                Meeting.status == MeetingStatus.PLANNED,
                Meeting.starts_dt >= day_start,
                Meeting.starts_dt < day_start + timedelta(days=1),
            )
            .order_by(Meeting.starts_dt)
        )
    )


@reminders_due.connect
def _reminders_due(_sender, *, now: datetime) -> int:
    return queue_due_reminders(now=now)


def queue_due_reminders(*, now: datetime | None = None) -> int:
    """The day before a session (in the office's time zone): one reminder per presenter whose
    registrations for it are unfinished, saying how many and what kind of thing is missing.
    Each item is reminded once. Returns the reminders queued."""
    now = now or utcnow()
    queued = 0
    for meeting in _meetings_of_day(day_start(local_day(now) + timedelta(days=1))):
        items = db.session.scalars(
            select(AgendaItem).where(
                AgendaItem.meeting_id == meeting.id, AgendaItem.reminded_dt.is_(None)
            )
        ).all()
        unfinished: dict[uuid.UUID, list[tuple[AgendaItem, list[str]]]] = defaultdict(list)
        for item in items:
            reasons = unfinished_reasons(item, now)
            if reasons:
                unfinished[item.presenter_id].append((item, reasons))
        team = db.session.get(Team, meeting.team_id)
        presenters = [db.session.get(User, user_id) for user_id in unfinished]
        for user in sorted(presenters, key=lambda u: u.display_name):
            entries = unfinished[user.id]
            if not mail.reachable(user, now):
                continue
            mail.queue_reminder(meeting, team, user, entries, now)
            for item, _reasons in entries:
                item.reminded_dt = now
                record(AuditAction.UPDATE, item, purpose="An unvollständige Anmeldung erinnert")
            queued += 1
    db.session.flush()
    return queued
