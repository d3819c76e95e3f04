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
from datetime import datetime

from babel.dates import format_date
from flask import current_app, has_request_context, request
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.routing import BuildError

from fallteam.audit.models import AuditAction
from fallteam.audit.operations import record
from fallteam.auth.models import User
from fallteam.core.i18n import office_zone
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
from fallteam.meetings.models import AgendaItem, Meeting
from fallteam.meetings.rules import local_day
from fallteam.teams.models import Team

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


def reachable(user: User | None, at: datetime) -> bool:
    return user is not None and user.active and not user.expired(at) and bool(user.email)


def _day(moment: datetime) -> str:
    return format_date(
        local_day(moment),
        "EEEE, d. MMMM y",
        locale=current_app.config["BABEL_DEFAULT_LOCALE"],
    )


def _when(meeting: Meeting) -> str:
    zone = office_zone()
    start, end = meeting.starts_dt.astimezone(zone), meeting.ends_dt.astimezone(zone)
    return _(
        "%(day)s, %(start)s–%(end)s Uhr",
        day=_day(start),
        start=start.strftime("%H:%M"),
        end=end.strftime("%H:%M"),
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


def queue_invitations(
    meeting: Meeting, recipients: dict[uuid.UUID, bool], *, now: datetime
) -> tuple[int, int]:
    """Queue the session's invitation for ``recipients`` (user id -> invited only as a
    guest; the session domain decides who): an invitation for newcomers, an update with the
    same calendar entry for those already invited, a cancellation for those invited before
    who are no longer among them. Returns (mails queued, entries withdrawn)."""
    team = db.session.get(Team, meeting.team_id)
    already = _invitee_ids(meeting)
    users = {u.id: u for u in _users(recipients) if reachable(u, now)}
    queued = 0
    with _mail_language():
        for user in users.values():
            if user.id not in already:
                db.session.add(MeetingInvitee(meeting_id=meeting.id, user_id=user.id))
            _queue_invitation(
                meeting, team, user, update=user.id in already, guest=recipients[user.id], now=now
            )
            queued += 1
        # Invited before but no longer taking part (left the team, guest removed): their
        # calendar entry is withdrawn.
        gone = already - users.keys()
        for user in _users(gone):
            if reachable(user, now):
                _queue_cancellation(meeting, team, user, now)
                queued += 1
    for invitee in db.session.scalars(
        select(MeetingInvitee).where(
            MeetingInvitee.meeting_id == meeting.id, MeetingInvitee.user_id.in_(gone)
        )
    ):
        db.session.delete(invitee)
    db.session.flush()
    return queued, len(gone)


def queue_guest_invitation(meeting: Meeting, user: User, *, now: datetime) -> OutgoingMail | None:
    """Invite a guest added after the session's invitation went out; someone already
    invited to the session gets no second mail."""
    if not reachable(user, now) or user.id in _invitee_ids(meeting):
        return None
    db.session.add(MeetingInvitee(meeting_id=meeting.id, user_id=user.id))
    with _mail_language():
        mail = _queue_invitation(
            meeting, db.session.get(Team, meeting.team_id), user, update=False, guest=True, now=now
        )
    db.session.flush()
    return mail


def _notify_invitees(meeting: Meeting, *, cancelled: bool) -> int:
    now = utcnow()
    team = db.session.get(Team, meeting.team_id)
    users = [u for u in _users(_invitee_ids(meeting)) if reachable(u, now)]
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
    """After a move: everyone invited gets the updated calendar entry (same UID, the
    SEQUENCE the session domain raised, new times). Returns the mails queued."""
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
            if not reachable(user, now):
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


def queue_reminder(
    meeting: Meeting,
    team: Team,
    user: User,
    entries: list[tuple[AgendaItem, list[str]]],
    now: datetime,
) -> OutgoingMail:
    """The day-before reminder to a presenter whose registrations are unfinished."""
    with _mail_language():
        return _queue_reminder(meeting, team, user, entries, now)


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
            if not reachable(user, now):
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


def queue_resubmission_reminder(user: User, count: int, now: datetime) -> OutgoingMail:
    """The reminder to a responsible person that Wiedervorlagen are due: how many, and the
    link to their dashboard — no pseudonym, topic, team or case manager (it could point to
    the family)."""
    with _mail_language():
        return queue_mail(
            kind=MailKind.RESUBMISSION,
            to=user,
            subject=_("Erinnerung: fällige Wiedervorlagen"),
            body=_body(
                user,
                ngettext(
                    "Sie haben %(num)d fällige Wiedervorlage.",
                    "Sie haben %(num)d fällige Wiedervorlagen.",
                    count,
                ),
                _("Was betrachtet werden soll, sehen Sie nach dem Einloggen in Fallteam."),
                link=public_url("resubmissions.dashboard") or public_url("home.start"),
            ),
            now=now,
        )
