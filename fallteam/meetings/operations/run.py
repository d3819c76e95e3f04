"""Running a session: the agenda's order, attendance, the items' clocks and who writes
each case protocol."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select

from fallteam import access
from fallteam.audit.models import AuditAction
from fallteam.audit.operations import record
from fallteam.auth.models import User
from fallteam.core.models import utcnow
from fallteam.extensions import db
from fallteam.meetings.models import (
    AgendaGuest,
    AgendaItem,
    ItemAttendance,
    Meeting,
    MeetingAttendance,
    MeetingStatus,
    Method,
    Presence,
)
from fallteam.meetings.operations import MeetingError
from fallteam.meetings.operations.windows import end_all_windows_of
from fallteam.meetings.queries import meeting as queries
from fallteam.meetings.queries.agenda import items_of
from fallteam.meetings.rules import before_meeting_day, local_day
from fallteam.protocols.models import CaseProtocol, ProtocolStatus
from fallteam.teams import rotation


def _require_planned(meeting: Meeting) -> None:
    if meeting.status == MeetingStatus.CANCELLED:
        raise MeetingError(_("Die Sitzung ist abgesagt und kann nicht durchgeführt werden."))


def _require_meeting_day(meeting: Meeting, now: datetime) -> None:
    if before_meeting_day(meeting, now):
        raise MeetingError(
            _(
                "Die Sitzung wird erst am Sitzungstag (%(day)s) durchgeführt; die Uhr läuft "
                "erst dann.",
                day=local_day(meeting.starts_dt).strftime("%d.%m.%Y"),
            )
        )


def _require_item_of(meeting: Meeting, item: AgendaItem) -> None:
    if item.meeting_id != meeting.id:
        raise MeetingError(_("Dieser Tagesordnungspunkt gehört nicht zu dieser Sitzung."))


def reorder_agenda(meeting: Meeting, item_ids: Sequence[uuid.UUID]) -> list[AgendaItem]:
    """Put the agenda in the order of ``item_ids``, which must name every item of the session
    exactly once; returns the items in their new order."""
    _require_planned(meeting)
    items = {item.id: item for item in items_of(meeting)}
    if len(item_ids) != len(set(item_ids)) or set(item_ids) != set(items):
        raise MeetingError(
            _(
                "Die Reihenfolge muss jeden Tagesordnungspunkt dieser Sitzung genau einmal nennen. "
                "Die Tagesordnung hat sich vielleicht inzwischen geändert: bitte laden Sie die "
                "Seite neu."
            )
        )
    ordered = [items[item_id] for item_id in item_ids]
    for position, item in enumerate(ordered):
        item.position = position
    db.session.flush()
    record(
        AuditAction.UPDATE,
        meeting,
        purpose="Reihenfolge der Tagesordnung festgelegt",
        details={"order": [str(item.id) for item in ordered]},
    )
    return ordered


def mark_attendance(meeting: Meeting, user: User, *, present: bool) -> MeetingAttendance:
    """Note whether a member of the session's team is there."""
    _require_planned(meeting)
    if not access.team_member_of(user, meeting):
        raise MeetingError(_("Anwesenheit wird hier nur für Mitglieder dieses Fallteams erfasst."))
    attendance = db.session.scalar(
        select(MeetingAttendance).where(
            MeetingAttendance.meeting_id == meeting.id, MeetingAttendance.user_id == user.id
        )
    )
    if attendance is None:
        attendance = MeetingAttendance(meeting_id=meeting.id, user_id=user.id, present=present)
        db.session.add(attendance)
    attendance.present = present
    db.session.flush()
    record(
        AuditAction.UPDATE,
        meeting,
        purpose="Anwesenheit erfasst",
        details={"user": str(user.id), "present": present},
    )
    return attendance


def mark_guest_attendance(
    meeting: Meeting, item: AgendaItem, user: User, *, present: bool
) -> AgendaGuest:
    """Note whether an invited guest came for their item."""
    _require_planned(meeting)
    _require_item_of(meeting, item)
    guest = next((g for g in item.guests if g.user_id == user.id), None)
    if guest is None:
        raise MeetingError(_("Diese Person ist zu diesem Tagesordnungspunkt nicht eingeladen."))
    guest.present = present
    db.session.flush()
    record(
        AuditAction.UPDATE,
        item,
        purpose="Anwesenheit erfasst",
        details={"user": str(user.id), "present": present},
    )
    return guest


def mark_item_attendance(
    meeting: Meeting, item: AgendaItem, user: User, presence: Presence
) -> ItemAttendance:
    """Note a team member's attendance for one item. Befangen (they know the family) is a
    disclosure rule: from now on they see nothing of the item (``access.may_see_item``), and
    their window on its case ends now. Neither the presenter nor the moderator can be
    befangen (the moderation is handed over instead); befangen cannot be taken back here."""
    _require_planned(meeting)
    _require_item_of(meeting, item)
    if not access.team_member_of(user, meeting):
        raise MeetingError(_("Anwesenheit wird hier nur für Mitglieder dieses Fallteams erfasst."))
    attendance = next((a for a in item.attendance if a.user_id == user.id), None)
    if presence == Presence.CONFLICTED and user.id in (
        item.presenter_id,
        item.case.case_manager_id,
        meeting.moderator_id,
    ):
        raise MeetingError(
            _(
                "Die vorstellende Fachkraft und die Moderation können nicht als befangen "
                "erfasst werden; bei Befangenheit der Moderation bitte die Moderation "
                "übergeben."
            )
        )
    if attendance is not None and attendance.presence == Presence.CONFLICTED:
        raise MeetingError(
            _(
                "Diese Person ist für diesen Punkt als befangen erfasst; das lässt sich nicht "
                "zurücknehmen, weil sie von diesem Fall nichts sehen darf."
            )
        )
    if attendance is None:
        attendance = ItemAttendance(item_id=item.id, user_id=user.id, presence=presence)
        item.attendance.append(attendance)
    attendance.presence = presence
    db.session.flush()
    record(
        AuditAction.UPDATE,
        item,
        purpose="Anwesenheit zum Tagesordnungspunkt erfasst",
        details={"user": str(user.id), "presence": str(presence)},
    )
    if presence == Presence.CONFLICTED:
        ended = end_all_windows_of(item.case, user.id, now=utcnow())
        db.session.flush()
        record(
            AuditAction.UPDATE,
            item.case,
            purpose="Befangenheit: Zugang zum Fall beendet",
            details={"user": str(user.id), "item": str(item.id), "windows": ended},
        )
    return attendance


def _stop(item: AgendaItem, now: datetime) -> None:
    if item.clock_started_dt is not None:
        used = int((now - item.clock_started_dt).total_seconds())
        item.elapsed_seconds += max(0, used)
        item.clock_started_dt = None


def start_clock(meeting: Meeting, item: AgendaItem, *, now: datetime) -> None:
    """Start the item's clock; a clock running on another item of the session stops (one item
    is discussed at a time). Starting a running clock changes nothing."""
    _require_planned(meeting)
    _require_meeting_day(meeting, now)
    _require_item_of(meeting, item)
    if item.clock_started_dt is not None:
        return
    for other in items_of(meeting):
        if other.id != item.id and other.clock_started_dt is not None:
            _stop(other, now)
            record(AuditAction.UPDATE, other, purpose="Uhr angehalten")
    item.clock_started_dt = now
    db.session.flush()
    record(AuditAction.UPDATE, item, purpose="Uhr gestartet")


def stop_clock(meeting: Meeting, item: AgendaItem, *, now: datetime) -> None:
    """Stop the item's clock and add the time to what it has used."""
    _require_planned(meeting)
    _require_meeting_day(meeting, now)
    _require_item_of(meeting, item)
    if item.clock_started_dt is None:
        return
    _stop(item, now)
    db.session.flush()
    record(AuditAction.UPDATE, item, purpose="Uhr angehalten")


def settle_method(meeting: Meeting, item: AgendaItem, method: Method, *, now: datetime) -> None:
    """At the start of the presentation the presenter (or the moderator) settles the method
    (source, 6. Fallteam: "Klärung durch die fallvorstellende Fachkraft zu Beginn der
    Falldarstellung"): on the session day, while the item's clock has not yet counted time
    (before it is started, or while it runs for the first time)."""
    _require_planned(meeting)
    _require_meeting_day(meeting, now)
    _require_item_of(meeting, item)
    if item.elapsed_seconds > 0:
        raise MeetingError(
            _(
                "Die Methode wird zu Beginn der Falldarstellung geklärt; nach der ersten "
                "Unterbrechung der Uhr lässt sie sich nicht mehr ändern."
            )
        )
    if item.method == method:
        return
    previous = item.method
    item.method = method
    # another method has other phases: the guide starts again from the plan
    item.current_phase = None
    item.phase_started_seconds = None
    db.session.flush()
    record(
        AuditAction.UPDATE,
        item,
        purpose="Methode zu Beginn der Falldarstellung geklärt",
        details={"from": previous, "to": str(method)},
    )


def _check_writer(meeting: Meeting, item: AgendaItem, writer: User) -> None:
    if writer.id == item.presenter_id:
        raise MeetingError(
            _(
                "Wer den Fall vorstellt, schreibt nicht das Fallprotokoll dazu. Bitte jemand "
                "anderen auswählen."
            )
        )
    if not access.team_member_of(writer, meeting) or not access.allowed(writer, "protocol.write"):
        raise MeetingError(_("Fallprotokolle schreiben nur Mitglieder dieses Fallteams."))


def assign_writer(meeting: Meeting, item: AgendaItem, writer: User | None) -> None:
    """Assign who writes the item's case protocol (None: nobody yet); never the presenter,
    and no longer once the protocol is submitted or finalised (its writer is part of the
    record)."""
    _require_planned(meeting)
    _require_item_of(meeting, item)
    status = db.session.scalar(select(CaseProtocol.status).where(CaseProtocol.item_id == item.id))
    if status in (ProtocolStatus.SUBMITTED, ProtocolStatus.FINALISED):
        raise MeetingError(
            _(
                "Das Fallprotokoll zu diesem Punkt ist bereits eingereicht; die "
                "Protokollführung kann nicht mehr geändert werden."
            )
        )
    if writer is not None:
        _check_writer(meeting, item, writer)
    item.writer_id = writer.id if writer is not None else None
    db.session.flush()
    record(
        AuditAction.UPDATE,
        item,
        purpose="Protokollführung zugeteilt",
        details={"writer": str(writer.id) if writer is not None else None},
    )


def propose_writers(meeting: Meeting) -> tuple[int, int]:
    """Fill the items without a writer by rotation: among the members marked present (all
    members while nobody is marked), never the presenter, the moderator (who keeps the
    Teamprotokoll) only where nobody else could write, as even as possible within the
    session, whoever wrote fewest protocols in the team's earlier sessions first. Writers
    already assigned count as a turn taken. Returns (items filled, items left without a
    writer because nobody but their presenter is there)."""
    _require_planned(meeting)
    members = queries.writer_candidates(meeting)
    attendance = queries.attendance_of(meeting)
    present = [u for u in members if attendance.get(u.id)]
    candidates = present or members
    items = items_of(meeting)
    open_items = [item for item in items if item.writer_id is None]
    prior = queries.protocols_written_before(meeting)
    for item in items:
        if item.writer_id is not None:
            prior[str(item.writer_id)] = prior.get(str(item.writer_id), 0) + 1
    proposal = rotation.propose_writers(
        [(str(item.id), str(item.presenter_id)) for item in open_items],
        [str(u.id) for u in candidates],
        prior_counts=prior,
        moderator=str(meeting.moderator_id) if meeting.moderator_id else None,
    )
    filled = 0
    for item in open_items:
        writer = proposal.get(str(item.id))
        if writer is not None:
            item.writer_id = uuid.UUID(writer)
            filled += 1
    db.session.flush()
    record(
        AuditAction.UPDATE,
        meeting,
        purpose="Protokollführung vorgeschlagen",
        details={"filled": filled, "candidates": len(candidates)},
    )
    return filled, len(open_items) - filled
