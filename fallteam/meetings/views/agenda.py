"""Agenda pages: register a case for a session, complete the registration (guests,
documents, confirmation), read an item, and the moderator's late item."""

from __future__ import annotations

import uuid

from flask import flash, redirect, render_template, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from fallteam import access
from fallteam.auth.models import Institution, User
from fallteam.cases.models import Case
from fallteam.cases.queries import present_case
from fallteam.cases.rules import role_labels
from fallteam.consent.models import CATEGORY_LABELS
from fallteam.core.downloads import send_document
from fallteam.core.forms import ActionForm
from fallteam.core.loaders import get_or_404, part_or_404
from fallteam.core.models import utcnow
from fallteam.extensions import db
from fallteam.meetings.forms.agenda import (
    DocumentForm,
    GuestForm,
    ItemForm,
    LateItemForm,
    OutsideGuestForm,
    RegistrationForm,
)
from fallteam.meetings.models import METHOD_LABELS, AgendaDocument, AgendaGuest, AgendaItem, Meeting
from fallteam.meetings.operations import MeetingError
from fallteam.meetings.operations import agenda as operations
from fallteam.meetings.queries import agenda as queries
from fallteam.meetings.rules import meeting_day, method_open, registration_deadline
from fallteam.teams.models import Team


def _meeting_label(meeting: Meeting, team: Team) -> str:
    deadline = registration_deadline(meeting, team)
    return _(
        "%(team)s – %(when)s (Anmeldeschluss %(deadline)s)",
        team=team.name,
        when=format_datetime(meeting.starts_dt, "EEE dd.MM.yyyy, HH:mm"),
        deadline=format_datetime(deadline, "EEE dd.MM., HH:mm"),
    )


def _category_notes(form: ItemForm) -> list[dict]:
    return [
        {
            "category": category,
            "member": getattr(form, f"{category}_member").data or None,
            "text": getattr(form, f"{category}_note").data or "",
        }
        for category in operations.NOTE_CATEGORIES
    ]


def _item_form(case: Case, item: AgendaItem | None = None, form_class=ItemForm) -> ItemForm:
    """The item form with the category notes filled in and the family's persons offered."""
    form = form_class() if item is None else form_class(obj=item)
    if item is not None and not form.is_submitted():
        for note in item.category_notes or []:
            getattr(form, f"{note['category']}_note").data = note["text"]
            getattr(form, f"{note['category']}_member").data = note.get("member") or ""
    persons = [("", _("die ganze Familie / mehrere Personen"))] + [
        (str(m.id), label) for m, label in zip(case.members, role_labels(case.members), strict=True)
    ]
    for category in operations.NOTE_CATEGORIES:
        getattr(form, f"{category}_member").choices = persons
    return form


def _registration(form: ItemForm) -> operations.Registration:
    return operations.Registration(
        category_notes=_category_notes(form),
        purpose=form.purpose.data,
        method=form.method.data,
        question=form.question.data or "",
        presentation=form.presentation.data or "",
        expected_minutes=form.expected_minutes.data,
        include_genogram=form.include_genogram.data,
        include_resource_map=form.include_resource_map.data,
        pseudonymised_confirmed=form.pseudonymised_confirmed.data,
    )


def _put_error(form: ItemForm, exc: MeetingError) -> None:
    if isinstance(exc, operations.IdentityInText):
        getattr(form, exc.field).errors.append(str(exc))
    else:
        form.form_errors.append(str(exc))


def register_case(case_id: uuid.UUID):
    """The fallführende Fachkraft registers her case for a session (before its deadline)."""
    case = get_or_404(Case, case_id)
    access.require("agenda.register", case)
    now = utcnow()
    form = _item_form(case, form_class=RegistrationForm)
    teams = {t.id: t for t in db.session.scalars(select(Team))}
    meetings = queries.meetings_open_for_registration(case.id, now=now)
    form.meeting.choices = [(str(m.id), _meeting_label(m, teams[m.team_id])) for m in meetings]
    if form.validate_on_submit():
        meeting = db.session.get(Meeting, uuid.UUID(form.meeting.data))
        try:
            item = operations.register_case_for_meeting(
                case, meeting, _registration(form), actor=current_user, now=now
            )
        except MeetingError as exc:
            _put_error(form, exc)
        else:
            flash(_("Fall angemeldet. Sie können jetzt Gäste einladen und Unterlagen anhängen."))
            return redirect(url_for("agenda.edit_item", item_id=item.id))
    return render_template("meetings/register.html", case=case, form=form, meetings=meetings)


def _edit_page(item: AgendaItem, form=None, guest_form=None, outside_form=None, doc_form=None):
    # The page shows the question and presentation: a read of the case (recorded there).
    queries.item_for_editing(item, current_user)
    form = form or _item_form(item.case, item)
    guest_form = guest_form or GuestForm(prefix="g")
    guest_form.user.choices = [
        (str(u.id), f"{u.display_name} ({u.institution.name if u.institution else '–'})")
        for u in operations.guest_candidates(item)
    ]
    users = {g.user_id: db.session.get(User, g.user_id) for g in item.guests}
    uncovered = {g.id for g in queries.uncovered_guests(item)}
    meeting = item.meeting
    return render_template(
        "meetings/edit.html",
        item=item,
        meeting=meeting,
        team=db.session.get(Team, meeting.team_id),
        deadline=registration_deadline(meeting, db.session.get(Team, meeting.team_id)),
        form=form,
        guest_form=guest_form,
        outside_form=outside_form or OutsideGuestForm(prefix="o"),
        document_form=doc_form or DocumentForm(prefix="d"),
        action_form=ActionForm(),
        users=users,
        uncovered=uncovered,
        unfinished=queries.unfinished_reasons(item),
    )


def edit_item(item_id: uuid.UUID):
    """The presenter completes or changes the registration until the session begins."""
    item = get_or_404(AgendaItem, item_id)
    access.require("agenda.register", item.case)
    form = _item_form(item.case, item)
    if form.validate_on_submit():
        try:
            operations.update_registration(item, _registration(form), actor=current_user)
        except MeetingError as exc:
            _put_error(form, exc)
        else:
            flash(_("Anmeldung gespeichert."), "success")
            return redirect(url_for("agenda.edit_item", item_id=item.id))
    return _edit_page(item, form=form)


def add_guest(item_id: uuid.UUID):
    """Invite a person with an account to this item."""
    item = get_or_404(AgendaItem, item_id)
    access.require("agenda.register", item.case)
    form = GuestForm(prefix="g")
    form.user.choices = [(str(u.id), u.display_name) for u in operations.guest_candidates(item)]
    if form.validate_on_submit():
        try:
            operations.add_guest(item, db.session.get(User, uuid.UUID(form.user.data)))
        except MeetingError as exc:
            form.user.errors.append(str(exc))
        else:
            flash(_("Gast eingeladen."), "success")
            return redirect(url_for("agenda.edit_item", item_id=item.id) + "#gaeste")
    return _edit_page(item, guest_form=form)


def add_outside_guest(item_id: uuid.UUID):
    """Invite an outside person; shows their one-time password once."""
    item = get_or_404(AgendaItem, item_id)
    access.require("agenda.register", item.case)
    form = OutsideGuestForm(prefix="o")
    if form.validate_on_submit():
        try:
            _, user, password = operations.add_outside_guest(
                item,
                name=form.name.data,
                institution=db.session.get(Institution, uuid.UUID(form.institution.data)),
                email=form.email.data,
            )
        except MeetingError as exc:
            form.name.errors.append(str(exc))
        else:
            return render_template(
                "meetings/guest_account.html",
                item=item,
                user=user,
                password=password,
                day=meeting_day(item.meeting),
            )
    return _edit_page(item, outside_form=form)


def remove_guest(item_id: uuid.UUID, guest_id: uuid.UUID):
    """Withdraw a guest's invitation."""
    item = get_or_404(AgendaItem, item_id)
    access.require("agenda.register", item.case)
    operations.remove_guest(item, part_or_404(item, AgendaGuest, guest_id, via="item_id"))
    flash(_("Einladung zurückgenommen."), "success")
    return redirect(url_for("agenda.edit_item", item_id=item.id) + "#gaeste")


def add_document(item_id: uuid.UUID):
    """Attach a further document."""
    item = get_or_404(AgendaItem, item_id)
    access.require("agenda.register", item.case)
    form = DocumentForm(prefix="d")
    if form.validate_on_submit():
        upload = form.document.data
        with upload.stream:
            content = upload.read()
        try:
            operations.add_document(item, filename=upload.filename, content=content)
        except MeetingError as exc:
            form.document.errors.append(str(exc))
        except ValueError as exc:  # size or type (ConsentError from the shared check)
            form.document.errors.append(str(exc))
        else:
            flash(_("Unterlage angehängt."), "success")
            return redirect(url_for("agenda.edit_item", item_id=item.id) + "#unterlagen")
    return _edit_page(item, doc_form=form)


def remove_document(item_id: uuid.UUID, document_id: uuid.UUID):
    """Remove an attached document."""
    item = get_or_404(AgendaItem, item_id)
    access.require("agenda.register", item.case)
    operations.remove_document(item, part_or_404(item, AgendaDocument, document_id, via="item_id"))
    flash(_("Unterlage entfernt."), "success")
    return redirect(url_for("agenda.edit_item", item_id=item.id) + "#unterlagen")


def download_document(item_id: uuid.UUID, document_id: uuid.UUID):
    """An attached document, to whoever may see the item (an audited export)."""
    item = get_or_404(AgendaItem, item_id)
    access.require("agenda.view_item", item)
    access.require_pledge()
    document = part_or_404(item, AgendaDocument, document_id, via="item_id")
    # numbered like the neutral names on the item page: the stored name may identify the family
    number = item.documents.index(document) + 1
    return send_document(
        document,
        content=document.content,
        media_type=document.media_type,
        name=f"{item.case.pseudonym}-Unterlage-{number}",
        case_pseudonym=item.case.pseudonym,
        purpose="Unterlage zur Sitzung",
    )


def withdraw_item(item_id: uuid.UUID):
    """Take the case off the agenda."""
    item = get_or_404(AgendaItem, item_id)
    access.require("agenda.register", item.case)
    case_id = item.case_id
    try:
        operations.withdraw_registration(item)
    except MeetingError as exc:
        flash(str(exc), "error")
        return redirect(url_for("agenda.edit_item", item_id=item.id))
    flash(_("Anmeldung zurückgezogen."), "success")
    return redirect(url_for("cases.show_case", case_id=case_id))


def show_item(item_id: uuid.UUID):
    """One TOP as the viewer may see it: method, question, presentation, diagrams, documents."""
    item = get_or_404(AgendaItem, item_id)
    access.require("agenda.view_item", item)
    access.require_pledge()
    view = present_case(item.case, current_user, purpose=item.purpose, item=item)
    return render_template(
        "meetings/item.html",
        item=item,
        view=view,
        notes=_released_notes(item, view),
        documents=[
            (d, d.filename if view.is_full else d.neutral_name(item.case.pseudonym, number))
            for number, d in enumerate(item.documents, start=1)
        ],
        meeting=item.meeting,
        team=db.session.get(Team, item.meeting.team_id),
        presenter=db.session.get(User, item.presenter_id),
        methods=METHOD_LABELS,
        settles_method=access.can("agenda.register", item.case) and method_open(item, item.meeting),
        action_form=ActionForm(),
    )


def _released_notes(item: AgendaItem, view) -> list[tuple[str, str, str]]:
    """(category, person, text) of the notes released to the viewer for the person each
    concerns (a note about the whole family: only where everyone is released)."""
    labels = {str(m.id): m.label for m in view.members}
    notes = []
    for note in item.category_notes or []:
        member = note.get("member")
        if view.released(note["category"], uuid.UUID(member) if member else None):
            notes.append(
                (
                    CATEGORY_LABELS.get(note["category"], note["category"]),
                    labels.get(member, _("ganze Familie")),
                    note["text"],
                )
            )
    return notes


def add_late_item(meeting_id: uuid.UUID):
    """After the deadline, the moderator adds a case by its pseudonym, with a reason."""
    meeting = get_or_404(Meeting, meeting_id)
    access.require("meeting.moderate", meeting)
    form = LateItemForm()
    if form.validate_on_submit():
        case = db.session.scalar(
            select(Case).where(Case.pseudonym == form.pseudonym.data.strip().upper())
        )
        if not operations.deadline_passed(meeting, utcnow()):
            form.form_errors.append(
                _(
                    "Bis zum Anmeldeschluss meldet die fallführende Fachkraft ihren Fall selbst "
                    "an; nachmelden kann die Moderation erst danach."
                )
            )
        elif case is None:
            form.pseudonym.errors.append(_("Einen Fall mit diesem Pseudonym gibt es nicht."))
        else:
            try:
                operations.register_case_for_meeting(
                    case,
                    meeting,
                    operations.Registration(
                        method=form.method.data,
                        question="",
                        presentation="",
                        expected_minutes=form.expected_minutes.data,
                    ),
                    actor=current_user,
                    late_reason=form.reason.data,
                )
            except MeetingError as exc:
                form.form_errors.append(str(exc))
            else:
                flash(
                    _("Fall nachgemeldet; die fallführende Fachkraft ergänzt die Anmeldung."),
                    "success",
                )
                return redirect(url_for("meetings.show_meeting", meeting_id=meeting.id))
    return render_template("meetings/late_item.html", meeting=meeting, form=form)
