"""What the team is told by e-mail: invitations with a calendar entry, updates, cancellations,
moved registrations, the day-before reminder and the published moderation plan.

Every mail says when, where, which team and how many agenda items — never a pseudonym, a
name, a question, a method or a reason given for a change (it could name the family). Mails go
only to active, unexpired accounts. Each function flushes and audits; none commits; the mails
leave with ``flask mail send-pending``.
"""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, time, timedelta

from babel.dates import format_date
from flask import current_app, has_request_context, request
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.routing import BuildError

from fallteam.audit.models import AuditAction
from fallteam.audit.operations import record
from fallteam.auth.models import User
from fallteam.core.models import utcnow
from fallteam.extensions import db
from fallteam.mail.calendar import (
    Method,
    item_counts,
    items_text,
    meeting_event_calendar,
    team_title,
)
from fallteam.mail.models import MeetingInvitee, OutgoingMail
from fallteam.mail.operations import MailKind, queue_mail
from fallteam.meetings.models import AgendaGuest, AgendaItem, Meeting, MeetingStatus
from fallteam.meetings.operations.schedule import office_zone
from fallteam.meetings.queries.agenda import unfinished_reasons
from fallteam.teams.models import Team, TeamMember


class InvitationError(ValueError):
    """An invitation the rules do not allow; the message is for the user."""


# --- small helpers ------------------------------------------------------------------------


@contextmanager
def _mail_language() -> Iterator[None]:
    # Mails are German whatever language the person who triggers them reads the pages in.
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        yield


def public_url(endpoint: str, **values) -> str | None:
    """An absolute link for a mail: from ``FALLTEAM_BASE_URL``, else from the current
    request; None when neither tells the address (a CLI run without the setting)."""
    base = current_app.config.get("FALLTEAM_BASE_URL")
    if not base and has_request_context():
        base = request.url_root
    if not base:
        return None
    try:
        path = current_app.url_map.bind("fallteam.invalid").build(endpoint, values)
    except BuildError:
        return None
    return base.rstrip("/") + path


def _meeting_link(meeting: Meeting) -> str | None:
    return public_url("meetings.show_meeting", meeting_id=meeting.id) or public_url("home.start")


def _reachable(user: User | None, at: datetime) -> bool:
    return user is not None and user.active and not user.expired(at) and bool(user.email)


def _day(moment: datetime) -> str:
    return format_date(
        moment.astimezone(office_zone()).date(),
        "EEEE, d. MMMM y",
        locale=current_app.config["BABEL_DEFAULT_LOCALE"],
    )


def _when(meeting: Meeting) -> str:
    zone = office_zone()
    start, end = meeting.starts_dt.astimezone(zone), meeting.ends_dt.astimezone(zone)
    return _(
        "%(day)s, %(start)s–%(end)s Uhr",
        day=_day(start),
        start=f"{start:%H:%M}",
        end=f"{end:%H:%M}",
    )


def _facts(meeting: Meeting, count: int) -> str:
    lines = [_("Termin: %(when)s", when=_when(meeting))]
    if meeting.place:
        lines.append(_("Ort: %(place)s", place=meeting.place))
    lines.append(_("Tagesordnung: %(items)s", items=items_text(count)))
    return "\n".join(lines)


def _body(user: User, *paragraphs: str | None, link: str | None = None) -> str:
    parts = [_("Guten Tag %(name)s,", name=user.display_name)]
    parts += [p for p in paragraphs if p]
    if link:
        parts.append(_("In Fallteam: %(link)s", link=link))
    footer = _(
        "Diese Nachricht wurde von Fallteam automatisch erzeugt. Sie enthält bewusst keine "
        "Falldaten; Tagesordnung und Unterlagen sehen Sie nur nach dem Einloggen in Fallteam."
    )
    parts += [_("Mit freundlichen Grüßen\nFallteam"), "-- \n" + footer]
    return "\n\n".join(parts) + "\n"


def _invitee_ids(meeting: Meeting) -> set[uuid.UUID]:
    return set(
        db.session.scalars(
            select(MeetingInvitee.user_id).where(MeetingInvitee.meeting_id == meeting.id)
        )
    )


def _users(ids: Iterable[uuid.UUID]) -> list[User]:
    ids = list(ids)
    if not ids:
        return []
    return list(
        db.session.scalars(select(User).where(User.id.in_(ids)).order_by(User.display_name))
    )


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


def _members_on_session_day(meeting: Meeting) -> list[uuid.UUID]:
    day = meeting.starts_dt.astimezone(office_zone()).date()
    members = db.session.scalars(select(TeamMember).where(TeamMember.team_id == meeting.team_id))
    return [m.user_id for m in members if m.active_on(day)]


def _presenters_of(meeting: Meeting) -> list[uuid.UUID]:
    return list(
        db.session.scalars(
            select(AgendaItem.presenter_id).where(AgendaItem.meeting_id == meeting.id).distinct()
        )
    )


def _count(meeting: Meeting) -> int:
    return item_counts([meeting]).get(meeting.id, 0)


# --- one mail per kind --------------------------------------------------------------------


def _queue_invitation(
    meeting: Meeting, team: Team, user: User, *, update: bool, guest: bool, now: datetime
) -> OutgoingMail:
    count = _count(meeting)
    if update:
        subject = _(
            "Aktualisierte Einladung: %(team)s am %(day)s",
            team=team_title(team),
            day=_day(meeting.starts_dt),
        )
        opening = _(
            "die Einladung zur Sitzung „%(team)s“ wurde aktualisiert. Der angehängte "
            "Kalendereintrag ersetzt den bisherigen.",
            team=team_title(team),
        )
    else:
        subject = _(
            "Einladung: %(team)s am %(day)s", team=team_title(team), day=_day(meeting.starts_dt)
        )
        opening = _(
            "Sie sind zur Sitzung „%(team)s“ eingeladen. Den Termin finden Sie als "
            "Kalendereintrag im Anhang.",
            team=team_title(team),
        )
    guest_note = (
        _(
            "Sie sind als Gast zu einem Tagesordnungspunkt eingeladen. Sie sehen ihn in Fallteam "
            "ab jetzt bis zum Ende des Sitzungstages."
        )
        if guest
        else None
    )
    return queue_mail(
        kind=MailKind.UPDATE if update else MailKind.INVITATION,
        to=user,
        subject=subject,
        body=_body(user, opening, _facts(meeting, count), guest_note, link=_meeting_link(meeting)),
        calendar=meeting_event_calendar(meeting, method=Method.REQUEST, recipient=user),
        meeting=meeting,
        now=now,
    )


def _queue_change(meeting: Meeting, team: Team, user: User, now: datetime) -> OutgoingMail:
    return queue_mail(
        kind=MailKind.UPDATE,
        to=user,
        subject=_(
            "Geändert: %(team)s, jetzt am %(day)s",
            team=team_title(team),
            day=_day(meeting.starts_dt),
        ),
        body=_body(
            user,
            _(
                "die Sitzung „%(team)s“ wurde verlegt. Der angehängte Kalendereintrag "
                "ersetzt den bisherigen. Der neue Termin:",
                team=team_title(team),
            ),
            _facts(meeting, _count(meeting)),
            link=_meeting_link(meeting),
        ),
        calendar=meeting_event_calendar(meeting, method=Method.REQUEST, recipient=user),
        meeting=meeting,
        now=now,
    )


def _queue_cancellation(meeting: Meeting, team: Team, user: User, now: datetime) -> OutgoingMail:
    return queue_mail(
        kind=MailKind.CANCELLATION,
        to=user,
        subject=_(
            "Abgesagt: %(team)s am %(day)s", team=team_title(team), day=_day(meeting.starts_dt)
        ),
        body=_body(
            user,
            _(
                "die Sitzung „%(team)s“ am %(when)s findet nicht statt. Mit der "
                "angehängten Absage entfernt Ihr Kalender den Termin.",
                team=team_title(team),
                when=_when(meeting),
            ),
        ),
        calendar=meeting_event_calendar(meeting, method=Method.CANCEL, recipient=user),
        meeting=meeting,
        now=now,
    )


# --- invitations --------------------------------------------------------------------------


def send_invitation(meeting: Meeting, *, now: datetime) -> int:
    """Invite the session: its team members (on the session day), the presenters of its
    items and the items' guests, each with a calendar entry; open the guests' windows.

    Sent again (after the agenda or the team changed), it is an update: the same calendar
    entry with a higher SEQUENCE for those already invited, an invitation for newcomers, a
    cancellation for those no longer taking part. Returns the number of mails queued.
    """
    # why: import cycle between the session modules (removed by issue 9 §2)
    from fallteam.meetings.operations.agenda import (
        open_guest_window,  # the agenda imports this module
    )

    if meeting.status != MeetingStatus.PLANNED:
        raise InvitationError("Zu einer abgesagten Sitzung kann nicht eingeladen werden.")
    if meeting.starts_dt <= now:
        raise InvitationError(
            "Die Sitzung hat bereits begonnen; eine Einladung ist nicht mehr möglich."
        )
    team = db.session.get(Team, meeting.team_id)
    resend = meeting.invitation_sent_dt is not None
    if resend:
        meeting.calendar_sequence += 1
    already = _invitee_ids(meeting)
    wanted: dict[uuid.UUID, bool] = {}  # user id -> invited only as a guest
    for user_id in [*_members_on_session_day(meeting), *_presenters_of(meeting)]:
        wanted[user_id] = False
    guests = _guests_of(meeting)
    for guest in guests:
        wanted.setdefault(guest.user_id, True)
    users = {u.id: u for u in _users(wanted) if _reachable(u, now)}
    queued = 0
    with _mail_language():
        for guest in guests:
            if guest.user_id in users:
                open_guest_window(guest, now=now)
        for user in users.values():
            if user.id not in already:
                db.session.add(MeetingInvitee(meeting_id=meeting.id, user_id=user.id))
            _queue_invitation(
                meeting, team, user, update=user.id in already, guest=wanted[user.id], now=now
            )
            queued += 1
        # Invited before but no longer taking part (left the team, guest removed): their
        # calendar entry is withdrawn.
        gone = already - users.keys()
        for user in _users(gone):
            if _reachable(user, now):
                _queue_cancellation(meeting, team, user, now)
                queued += 1
    for invitee in db.session.scalars(
        select(MeetingInvitee).where(
            MeetingInvitee.meeting_id == meeting.id, MeetingInvitee.user_id.in_(gone)
        )
    ):
        db.session.delete(invitee)
    if not resend:
        meeting.invitation_sent_dt = now
    db.session.flush()
    record(
        AuditAction.UPDATE,
        meeting,
        purpose="Einladung erneut verschickt" if resend else "Einladung verschickt",
        details={
            "recipients": len(users),
            "withdrawn": len(gone),
            "sequence": meeting.calendar_sequence,
        },
    )
    return queued


def invite_guest(guest: AgendaGuest, *, now: datetime) -> OutgoingMail | None:
    """A guest added after the session's invitation went out: open their window and invite
    them. Nothing happens before the invitation (it will include them) or for a cancelled
    session; someone already invited to the session gets no second mail."""
    # why: import cycle between the session modules (removed by issue 9 §2)
    from fallteam.meetings.operations.agenda import (
        open_guest_window,  # the agenda imports this module
    )

    item = db.session.get(AgendaItem, guest.item_id)
    # By id, not ``item.meeting``: an item just carried over may still hold the old session.
    meeting = db.session.get(Meeting, item.meeting_id)
    if meeting.invitation_sent_dt is None or meeting.status != MeetingStatus.PLANNED:
        return None
    user = db.session.get(User, guest.user_id)
    if not _reachable(user, now):
        return None
    open_guest_window(guest, now=now)
    if user.id in _invitee_ids(meeting):
        return None
    db.session.add(MeetingInvitee(meeting_id=meeting.id, user_id=user.id))
    with _mail_language():
        mail = _queue_invitation(
            meeting, db.session.get(Team, meeting.team_id), user, update=False, guest=True, now=now
        )
    db.session.flush()
    record(
        AuditAction.UPDATE,
        meeting,
        purpose="Gast nachträglich eingeladen",
        details={"guest": str(guest.id), "user": str(user.id)},
    )
    return mail


def _notify_invitees(meeting: Meeting, *, cancelled: bool) -> int:
    if meeting.invitation_sent_dt is None:
        return 0
    now = utcnow()
    team = db.session.get(Team, meeting.team_id)
    meeting.calendar_sequence += 1
    users = [u for u in _users(_invitee_ids(meeting)) if _reachable(u, now)]
    with _mail_language():
        for user in users:
            if cancelled:
                _queue_cancellation(meeting, team, user, now)
            else:
                _queue_change(meeting, team, user, now)
    db.session.flush()
    record(
        AuditAction.UPDATE,
        meeting,
        purpose="Absage verschickt" if cancelled else "Terminänderung verschickt",
        details={"recipients": len(users), "sequence": meeting.calendar_sequence},
    )
    return len(users)


def notify_meeting_changed(meeting: Meeting) -> int:
    """After a move: everyone invited gets the updated calendar entry (same UID, higher
    SEQUENCE, new times). Only once the invitation was sent; returns the mails queued."""
    if meeting.status != MeetingStatus.PLANNED:
        return 0
    return _notify_invitees(meeting, cancelled=False)


def notify_meeting_cancelled(meeting: Meeting) -> int:
    """After a cancellation: everyone invited gets the calendar cancellation (METHOD CANCEL).
    The reason is left out on purpose: it is free text and could name a family."""
    return _notify_invitees(meeting, cancelled=True)


def notify_items_moved(items: Iterable[AgendaItem], *, old: Meeting, new: Meeting) -> int:
    """Tell each presenter that their registrations moved from the cancelled session to the
    next one (how many and the dates; never which case). Returns the mails queued."""
    now = utcnow()
    per_presenter = Counter(item.presenter_id for item in items)
    team = db.session.get(Team, new.team_id)
    queued = 0
    with _mail_language():
        for user in _users(per_presenter):
            if not _reachable(user, now):
                continue
            count = per_presenter[user.id]
            moved = ngettext(
                "Ihre Anmeldung wurde",
                "Ihre %(num)d Anmeldungen wurden",
                count,
            )
            queue_mail(
                kind=MailKind.MOVED,
                to=user,
                subject=_("Anmeldung verschoben: %(team)s", team=team_title(team)),
                body=_body(
                    user,
                    _(
                        "die Sitzung „%(team)s“ am %(old)s wurde abgesagt. "
                        "%(moved)s auf die Sitzung am %(new)s verschoben.",
                        team=team_title(team),
                        old=_day(old.starts_dt),
                        moved=moved,
                        new=_day(new.starts_dt),
                    ),
                    _facts(new, _count(new)),
                    link=_meeting_link(new),
                ),
                meeting=new,
                now=now,
            )
            queued += 1
    db.session.flush()
    return queued


# --- reminders and the moderation plan ------------------------------------------------------


def _sessions_of_day(day_start: datetime) -> list[Meeting]:
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


def queue_due_reminders(*, now: datetime) -> int:
    """The day before a session (in the office's time zone): one reminder per presenter whose
    registrations for it are unfinished, saying how many and what kind of thing is missing.
    Each item is reminded once. Returns the reminders queued."""
    zone = office_zone()
    tomorrow = now.astimezone(zone).date() + timedelta(days=1)
    day_start = datetime.combine(tomorrow, time(0, 0), tzinfo=zone).astimezone(UTC)
    queued = 0
    for meeting in _sessions_of_day(day_start):
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
        for user in _users(unfinished):
            if not _reachable(user, now):
                continue
            entries = unfinished[user.id]
            with _mail_language():
                _queue_reminder(meeting, team, user, entries, now)
            for item, _reasons in entries:
                item.reminded_dt = now
                record(AuditAction.UPDATE, item, purpose="An unvollständige Anmeldung erinnert")
            queued += 1
    db.session.flush()
    return queued


def _queue_reminder(
    meeting: Meeting,
    team: Team,
    user: User,
    entries: list[tuple[AgendaItem, list[str]]],
    now: datetime,
) -> OutgoingMail:
    # The reasons are fixed general sentences ("Die Fragestellung fehlt."), never case text.
    missing = Counter(reason for _item, reasons in entries for reason in reasons)
    lines = "\n".join(
        f"- {reason}"
        + (f" ({ngettext('%(num)d Anmeldung', '%(num)d Anmeldungen', n)})" if n > 1 else "")
        for reason, n in missing.items()
    )
    return queue_mail(
        kind=MailKind.REMINDER,
        to=user,
        subject=_(
            "Erinnerung: Anmeldung für „%(team)s“ morgen unvollständig", team=team_title(team)
        ),
        body=_body(
            user,
            ngettext(
                "für die Sitzung „%(team)s“ am %(day)s ist Ihre Anmeldung noch unvollständig:",
                "für die Sitzung „%(team)s“ am %(day)s sind %(num)d Ihrer "
                "Anmeldungen noch unvollständig:",
                len(entries),
                team=team_title(team),
                day=_when(meeting),
            ),
            lines,
            _("Bitte ergänzen Sie die Angaben vor der Sitzung."),
            link=_meeting_link(meeting),
        ),
        meeting=meeting,
        now=now,
    )


def notify_plan_published(team: Team, meetings: Iterable[Meeting]) -> int:
    """Each member who moderates one of the newly published sessions gets the list of their
    dates. Returns the mails queued."""
    now = utcnow()
    mine: dict[uuid.UUID, list[Meeting]] = defaultdict(list)
    for meeting in sorted(meetings, key=lambda m: m.starts_dt):
        if meeting.moderator_id is not None:
            mine[meeting.moderator_id].append(meeting)
    queued = 0
    with _mail_language():
        for user in _users(mine):
            if not _reachable(user, now):
                continue
            dates = "\n".join(
                f"- {_when(m)}" + (f", {m.place}" if m.place else "") for m in mine[user.id]
            )
            queue_mail(
                kind=MailKind.PLAN,
                to=user,
                subject=_("Moderationsplan: %(team)s", team=team_title(team)),
                body=_body(
                    user,
                    _(
                        "der Moderationsplan für „%(team)s“ wurde veröffentlicht. Sie "
                        "moderieren diese Sitzungen:",
                        team=team_title(team),
                    ),
                    dates,
                    _(
                        "Bei Verhinderung tauschen Sie bitte rechtzeitig mit einem anderen "
                        "Mitglied."
                    ),
                    link=public_url("teams.show_team", team_id=team.id),
                ),
                now=now,
            )
            queued += 1
    db.session.flush()
    return queued
