"""Session pages: my sessions, the agenda as each participant may see it, its order, and the
moderator's run view (attendance, clock, writers)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.exceptions import NotFound

from fallteam import access
from fallteam.auth.models import User
from fallteam.auth.session import safe_next
from fallteam.core.errors import render_error
from fallteam.core.forms import ActionForm
from fallteam.core.loaders import get_or_404, part_or_404
from fallteam.core.models import utcnow
from fallteam.extensions import db
from fallteam.mail.operations import MailKind, mails_for_meeting
from fallteam.meetings.forms.meeting import (
    AttendanceForm,
    CancelForm,
    ClockForm,
    ItemAttendanceForm,
    MethodForm,
    MoveForm,
    OrderForm,
    PhaseForm,
    PledgeForm,
    TopicForm,
    WriterForm,
)
from fallteam.meetings.models import (
    CHANGE_REASON_LABELS,
    METHOD_LABELS,
    PRESENCE_LABELS,
    TOPIC_KIND_LABELS,
    AgendaItem,
    Meeting,
    MeetingStatus,
    Method,
    Presence,
)
from fallteam.meetings.operations import (
    MeetingError,
    invitations,
    pledge,
    run,
    schedule,
    topics,
)
from fallteam.meetings.queries import meeting as queries
from fallteam.meetings.queries.agenda import (
    items_of,
    unfinished_reasons_for,
)
from fallteam.meetings.rules import (
    before_meeting_day,
    local_text,
    meeting_day,
    office_zone,
    phase_guide,
    registration_deadline,
    topic_open,
)
from fallteam.resubmissions.queries import due_resubmissions

#: the moderator's page names the mails of the session by these
MAIL_KIND_LABELS = {
    MailKind.INVITATION: _l("Einladung"),
    MailKind.UPDATE: _l("Aktualisierung"),
    MailKind.CANCELLATION: _l("Absage"),
    MailKind.REMINDER: _l("Erinnerung"),
    MailKind.MOVED: _l("Verschiebung"),
    MailKind.PLAN: _l("Moderationsplan"),
}


def _load(meeting_id: uuid.UUID) -> Meeting:
    return get_or_404(Meeting, meeting_id)


def _item(meeting: Meeting, item_id: uuid.UUID | str | None) -> AgendaItem:
    """The item of this session, or 404 (also for an item of another session)."""
    return part_or_404(meeting, AgendaItem, item_id, via="meeting_id")


def _user(user_id: str | None) -> User | None:
    try:
        return db.session.get(User, uuid.UUID(str(user_id))) if user_id else None
    except ValueError:
        return None


def _wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json"


def _agenda_url(meeting: Meeting) -> str:
    return url_for("meetings.show_meeting", meeting_id=meeting.id) + "#tagesordnung"


def _run_url(meeting: Meeting, anchor: str = "") -> str:
    return url_for("meetings.run_meeting", meeting_id=meeting.id) + anchor


def list_meetings():
    """My sessions ("Meine Sitzungen"): of my teams, my presentations and my invitations."""
    access.require("meeting.view")
    rows = queries.meetings_visible_to(current_user, after=utcnow())
    return render_template("meetings/list.html", rows=rows)


def _orders(items: list[AgendaItem]) -> dict[uuid.UUID, tuple[list[str], list[str]]]:
    """For each item the agenda's order after moving it up and after moving it down (empty
    where it cannot move): the no-JS buttons send these."""
    ids = [str(item.id) for item in items]
    moves = {}
    for i, item in enumerate(items):
        up, down = list(ids), list(ids)
        if i > 0:
            up[i - 1], up[i] = up[i], up[i - 1]
        if i < len(ids) - 1:
            down[i], down[i + 1] = down[i + 1], down[i]
        moves[item.id] = (up if i > 0 else [], down if i < len(ids) - 1 else [])
    return moves


def show_meeting(meeting_id: uuid.UUID):
    """The agenda as the viewer may see it; for the moderator also time, order, invitation."""
    meeting = _load(meeting_id)
    access.require("meeting.view", meeting)
    access.require_pledge()
    moderating = access.can("meeting.moderate", meeting)
    items = queries.agenda_for(meeting, current_user, moderating=moderating)
    team = queries.team_of(meeting)
    users = queries.users_by_id([meeting.moderator_id] + [i.presenter_id for i in items])
    sees_team = moderating or access.team_member_of(current_user, meeting)
    topics_list = queries.topics_of(meeting) if sees_team else []
    return render_template(
        "meetings/show.html",
        due=due_resubmissions(meeting, current_user) if sees_team else [],
        topics=topics_list,
        topic_kinds=TOPIC_KIND_LABELS,
        editable_topics=(
            access.editable_topics(current_user, meeting, topics_list)
            if topic_open(meeting)
            else set()
        ),
        topic_form=TopicForm() if sees_team and meeting.status == MeetingStatus.PLANNED else None,
        registered={i.case_id for i in items},
        meeting=meeting,
        team=team,
        items=items,
        users=users,
        methods=METHOD_LABELS,
        moderating=moderating,
        # the moderator (after the session day too) and the members who were there
        reads_team_protocol=access.can("team_protocol.read", meeting),
        partial=not sees_team,
        show_moderator=meeting.moderation_published or moderating,
        cancelled=meeting.status == MeetingStatus.CANCELLED,
        reason_labels=CHANGE_REASON_LABELS,
        deadline=registration_deadline(meeting, team),
        meeting_minutes=queries.meeting_minutes(meeting),
        planned_minutes=queries.planned_minutes(items),
        unfinished=unfinished_reasons_for(items) if moderating else {},
        orders=_orders(items) if moderating else {},
        mails=mails_for_meeting(meeting) if moderating else [],
        mail_kinds=MAIL_KIND_LABELS,
        action_form=ActionForm(),
    )


def reorder_agenda(meeting_id: uuid.UUID):
    """Save the agenda's order: from the drag-and-drop list (JSON answer) or a move button
    (redirect). An order that is not exactly this session's items changes nothing: 400 with
    the German message for the script, a flashed message for the form."""
    meeting = _load(meeting_id)
    access.require("meeting.moderate", meeting)
    form = OrderForm()
    try:
        if not form.validate_on_submit():
            raise ValueError()
        ordered = run.reorder_agenda(meeting, [uuid.UUID(v) for v in form.order.data or []])
    except (ValueError, MeetingError) as exc:
        message = str(exc) if isinstance(exc, MeetingError) else None
        message = message or _("Die Reihenfolge ist ungültig; bitte laden Sie die Seite neu.")
        if _wants_json():
            return render_error(400, message)
        flash(message, "error")
        return redirect(_agenda_url(meeting))
    message = _("Reihenfolge gespeichert.")
    if _wants_json():
        return {"ok": True, "message": message, "order": [str(item.id) for item in ordered]}
    flash(message, "success")
    return redirect(_agenda_url(meeting))


def run_meeting(meeting_id: uuid.UUID):
    """The moderator's view during the session: attendance, the items with their clocks and
    writers, and the time used against the session's length."""
    meeting = _load(meeting_id)
    access.require("meeting.moderate", meeting)
    if meeting.status == MeetingStatus.CANCELLED:
        flash(_("Die Sitzung ist abgesagt und kann nicht durchgeführt werden."), "error")
        return redirect(url_for("meetings.show_meeting", meeting_id=meeting.id))
    if before_meeting_day(meeting):
        flash(
            _(
                "Der Sitzungsablauf öffnet erst am Sitzungstag (%(day)s).",
                day=format_date(meeting_day(meeting), "dd.MM.yyyy"),
            ),
            "error",
        )
        return redirect(url_for("meetings.show_meeting", meeting_id=meeting.id))
    items = queries.run_agenda(meeting, current_user)
    now = utcnow()
    members = queries.members_on_meeting_day(meeting)
    guest_ids = [g.user_id for item in items for g in item.guests]
    users = queries.users_by_id(
        [i.presenter_id for i in items] + [i.writer_id for i in items] + guest_ids
    )
    writers = queries.writer_candidates(meeting)
    clock = {item.id: queries.clock_seconds(item, now) for item in items}
    writer_forms = {}
    for item in items:
        form = WriterForm(prefix=f"w-{item.id}", data={"writer_id": str(item.writer_id or "")})
        form.writer_id.choices = [("", _("– noch niemand –"))] + [
            (str(u.id), u.display_name) for u in writers if u.id != item.presenter_id
        ]
        writer_forms[item.id] = form
    return render_template(
        "meetings/run.html",
        meeting=meeting,
        team=queries.team_of(meeting),
        items=items,
        users=users,
        members=members,
        attendance=queries.attendance_of(meeting),
        methods=METHOD_LABELS,
        running=queries.running_item(items),
        clock=clock,
        guides={item.id: phase_guide(item, clock[item.id]) for item in items},
        phase_form=PhaseForm(),
        used_seconds=sum(clock.values()),
        meeting_minutes=queries.meeting_minutes(meeting),
        planned_minutes=queries.planned_minutes(items),
        now=now,
        writer_forms=writer_forms,
        item_attendance={
            item.id: {a.user_id: a.presence for a in item.attendance} for item in items
        },
        presence_labels=PRESENCE_LABELS,
        topics=queries.topics_of(meeting),
        action_form=ActionForm(),
    )


def _back(meeting: Meeting, anchor: str, error: Exception | str | None = None):
    """Back to the run view (at ``anchor``), with the error message if there is one."""
    if error is not None:
        flash(str(error), "error")
    return redirect(_run_url(meeting, anchor))


def mark_attendance(meeting_id: uuid.UUID):
    """Present or absent: a team member for the session, a guest for their item."""
    meeting = _load(meeting_id)
    access.require("meeting.moderate", meeting)
    form = AttendanceForm()
    if not form.validate_on_submit():
        return _back(meeting, "#anwesenheit", _("Bitte eine Person und anwesend/abwesend angeben."))
    item = _item(meeting, form.item_id.data) if form.item_id.data else None
    person = _user(form.user_id.data)
    if person is None:
        raise NotFound()
    present = form.present.data == "1"
    anchor = f"#top-{item.id}" if item is not None else "#anwesenheit"
    try:
        if item is None:
            run.mark_attendance(meeting, person, present=present)
        else:
            run.mark_guest_attendance(meeting, item, person, present=present)
    except MeetingError as exc:
        return _back(meeting, anchor, exc)
    return _back(meeting, anchor)


def mark_item_attendance(meeting_id: uuid.UUID, item_id: uuid.UUID):
    """A team member's attendance for one item (befangen: they see nothing of it)."""
    meeting = _load(meeting_id)
    access.require("meeting.moderate", meeting)
    item = _item(meeting, item_id)
    form = ItemAttendanceForm()
    anchor = f"#top-{item.id}"
    if not form.validate_on_submit():
        return _back(meeting, anchor, _("Bitte eine Person und ihre Anwesenheit angeben."))
    person = _user(form.user_id.data)
    if person is None:
        raise NotFound()
    try:
        run.mark_item_attendance(meeting, item, person, Presence(form.presence.data))
    except MeetingError as exc:
        return _back(meeting, anchor, exc)
    return _back(meeting, anchor)


def settle_method(meeting_id: uuid.UUID, item_id: uuid.UUID):
    """The presenter or the moderator settles the item's method as the presentation starts."""
    meeting = _load(meeting_id)
    item = _item(meeting, item_id)
    moderating = access.can("meeting.moderate", meeting)
    if not moderating:
        access.require("agenda.register", item.case)
    back = (
        _run_url(meeting, f"#top-{item.id}")
        if moderating
        else url_for("agenda.show_item", item_id=item.id)
    )
    form = MethodForm()
    if not form.validate_on_submit():
        flash(_("Bitte eine Methode auswählen."), "error")
        return redirect(back)
    try:
        run.settle_method(meeting, item, Method(form.method.data), now=utcnow())
    except MeetingError as exc:
        flash(str(exc), "error")
    return redirect(back)


def register_topic(meeting_id: uuid.UUID):
    """A topic without a case for the session (a team member; after the deadline the
    moderator)."""
    meeting = _load(meeting_id)
    access.require("meeting.view", meeting)
    if not access.team_member_of(current_user, meeting):
        raise access.AccessRefused("meeting.view", meeting)
    form = TopicForm()
    back = url_for("meetings.show_meeting", meeting_id=meeting.id) + "#themen"
    if not form.validate_on_submit():
        flash(_("Bitte einen Titel und höchstens einen kurzen Text angeben."), "error")
        return redirect(back)
    try:
        topics.register_topic(
            meeting,
            title=form.title.data,
            text=form.text.data or "",
            kind=form.kind.data,
            for_regional_team=form.for_regional_team.data,
            actor=current_user,
            now=utcnow(),
        )
    except MeetingError as exc:
        flash(str(exc), "error")
        return redirect(back)
    flash(_("Das Thema steht auf der Tagesordnung."), "success")
    return redirect(back)


def toggle_clock(meeting_id: uuid.UUID, item_id: uuid.UUID):
    """Start (stopping any other) or stop an item's clock."""
    meeting = _load(meeting_id)
    access.require("meeting.moderate", meeting)
    item = _item(meeting, item_id)
    form = ClockForm()
    anchor = f"#top-{item.id}"
    if not form.validate_on_submit():
        return _back(meeting, anchor, _("Bitte die Uhr starten oder anhalten."))
    try:
        if form.action.data == "start":
            run.start_clock(meeting, item, now=utcnow())
        else:
            run.stop_clock(meeting, item, now=utcnow())
    except MeetingError as exc:
        return _back(meeting, anchor, exc)
    return _back(meeting, anchor)


def assign_writer(meeting_id: uuid.UUID, item_id: uuid.UUID):
    """Assign who writes the item's case protocol (never its presenter)."""
    meeting = _load(meeting_id)
    access.require("meeting.moderate", meeting)
    item = _item(meeting, item_id)
    form = WriterForm(prefix=f"w-{item.id}")
    form.validate_on_submit()  # no field can be wrong here; the operation checks the person
    writer = _user(form.writer_id.data)
    anchor = f"#top-{item.id}"
    if form.writer_id.data and writer is None:
        return _back(meeting, anchor, _("Diese Person gibt es nicht."))
    try:
        run.assign_writer(meeting, item, writer)
    except MeetingError as exc:
        return _back(meeting, anchor, exc)
    flash(_("Protokollführung gespeichert."), "success")
    return _back(meeting, anchor)


def propose_writers(meeting_id: uuid.UUID):
    """Fill the items without a writer by fair rotation among the members present."""
    meeting = _load(meeting_id)
    access.require("meeting.moderate", meeting)
    try:
        filled, left = run.propose_writers(meeting)
    except MeetingError as exc:
        return _back(meeting, "#tagesordnung", exc)
    flash(_("Protokollführung für %(n)d Tagesordnungspunkte vorgeschlagen.", n=filled), "success")
    if left:
        flash(
            _(
                "Für %(n)d Tagesordnungspunkte ist außer der vorstellenden Fachkraft niemand "
                "da, das die Protokollführung übernehmen kann.",
                n=left,
            ),
            "error",
        )
    return _back(meeting, "#tagesordnung")


def send_invitation(meeting_id: uuid.UUID):
    """The moderator invites (or, later, updates the invitation of) the session by e-mail."""
    meeting = _load(meeting_id)
    access.require("meeting.moderate", meeting)
    try:
        queued = invitations.send_invitation(meeting, now=utcnow())
    except MeetingError as exc:
        flash(str(exc), "error")
    else:
        flash(_("Einladung versandt: %(n)d E-Mails in der Warteschlange.", n=queued), "success")
    return redirect(url_for("meetings.show_meeting", meeting_id=meeting.id) + "#einladung")


def _after_reschedule(meeting: Meeting):
    if access.can("meeting.view", meeting):
        return redirect(url_for("meetings.show_meeting", meeting_id=meeting.id))
    return redirect(url_for("teams.show_team", team_id=meeting.team_id))


def cancel_meeting(meeting_id: uuid.UUID):
    """Cancel a session with a reason; its registered cases move to the next session."""
    meeting = _load(meeting_id)
    access.require("meeting.reschedule", meeting)
    if meeting.status == MeetingStatus.CANCELLED:
        flash(_("Die Sitzung ist bereits abgesagt."), "error")
        return _after_reschedule(meeting)
    form = CancelForm()
    if form.validate_on_submit():
        try:
            target = schedule.cancel_meeting(meeting, reason=form.reason.data, now=utcnow())
        except MeetingError as exc:
            form.reason.errors.append(str(exc))
        else:
            flash(
                _("Die Sitzung ist abgesagt; alle Eingeladenen werden benachrichtigt."), "success"
            )
            if target is not None:
                flash(
                    _(
                        "Die angemeldeten Fälle stehen jetzt auf der Tagesordnung der Sitzung "
                        "am %(day)s.",
                        day=local_text(target.starts_dt),
                    ),
                    "success",
                )
            return _after_reschedule(meeting)
    return render_template(
        "meetings/cancel.html",
        meeting=meeting,
        team=queries.team_of(meeting),
        item_count=len(items_of(meeting)),
        form=form,
    )


def move_meeting(meeting_id: uuid.UUID):
    """Move a session to another day and time (Europe/Berlin), with a reason."""
    meeting = _load(meeting_id)
    access.require("meeting.reschedule", meeting)
    local = meeting.starts_dt.astimezone(office_zone())
    form = MoveForm(data={"day": local.date(), "start_time": local.time().replace(tzinfo=None)})
    if form.validate_on_submit():
        starts = datetime.combine(form.day.data, form.start_time.data, office_zone())
        try:
            schedule.move_meeting(meeting, starts=starts.astimezone(UTC), reason=form.reason.data)
        except MeetingError as exc:
            form.day.errors.append(str(exc))
        else:
            flash(_("Die Sitzung ist verlegt; alle Eingeladenen werden benachrichtigt."), "success")
            return _after_reschedule(meeting)
    return render_template(
        "meetings/move.html", meeting=meeting, team=queries.team_of(meeting), form=form
    )


def confirm_pledge():
    """The Verschwiegenheitspflicht, confirmed once by a guest or temporary team member
    before the first page with case content; then back to that page."""
    access.require("start.view")
    form = PledgeForm()
    target = safe_next(request.args.get("next") or form.next.data)
    if not access.pledge_missing(current_user):
        return redirect(target)
    if form.validate_on_submit():
        pledge.confirm_pledge(current_user)
        flash(
            _("Danke – Ihre Bestätigung der Verschwiegenheitspflicht ist gespeichert."), "success"
        )
        return redirect(target)
    form.next.data = target
    return render_template(
        "meetings/pledge.html",
        form=form,
        text=current_app.config["CONFIDENTIALITY_PLEDGE_TEXT"],
    )
