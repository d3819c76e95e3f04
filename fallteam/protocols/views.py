"""Pages of the Fallprotokoll: opening it for an agenda item, the writer's edit page with its
JSON autosave, the read view (with the hash and addenda once locked), submit, finalise and
addenda. Views load, check and act; the queries record the reads."""

from __future__ import annotations

import uuid

from flask import current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from fallteam import access
from fallteam.cases.models import Case
from fallteam.core.downloads import send_document
from fallteam.core.forms import choices_from
from fallteam.core.loaders import get_or_404
from fallteam.extensions import db
from fallteam.meetings.models import AgendaItem, Meeting
from fallteam.protocols import operations, queries
from fallteam.protocols.forms import (
    AddendumForm,
    ExcerptForm,
    draft_form_class,
    team_notes_form_class,
)
from fallteam.protocols.models import CaseProtocol, ProtocolStatus
from fallteam.protocols.rules import RISK_FIELDS, is_risk_assessment, sections_for

#: the purposes of the excerpt's export event: with real names is the owner's explicit choice
EXCERPT_ROLE_LABELS = "Protokollauszug (Rollenbezeichnungen)"
EXCERPT_REAL_NAMES = "Protokollauszug mit Klarnamen"


def may_open_protocol(item: AgendaItem) -> bool:
    """For the agenda pages: whether the signed-in user may open or read the item's
    Fallprotokoll (the protocol rules are decided on the item)."""
    if item.writer_id is None:
        return False
    return access.can("protocol.read", item) or access.can("protocol.write", item)


def _protocol(protocol_id: uuid.UUID) -> CaseProtocol:
    return get_or_404(CaseProtocol, protocol_id)


def open_for_item(item_id: uuid.UUID):
    """The item's protocol: opened (created as an empty draft) by its writer or the session's
    moderator, otherwise shown to whoever may read it."""
    item = get_or_404(AgendaItem, item_id)
    protocol = operations.protocol_of(item)
    if protocol is not None and not access.can("protocol.write", protocol):
        access.require("protocol.read", protocol)
    if protocol is None:
        if not (access.can("protocol.write", item) or access.can("protocol.finalise", item)):
            access.require("protocol.read", item)
            flash(_("Zu diesem Punkt gibt es noch kein Fallprotokoll."), "info")
            return redirect(url_for("agenda.show_item", item_id=item.id))
        try:
            protocol = operations.open_protocol(item, current_user)
        except operations.ProtocolError as exc:
            flash(str(exc), "error")
            return redirect(url_for("agenda.show_item", item_id=item.id))
    return redirect(url_for("protocols.show_protocol", protocol_id=protocol.id))


def _draft_form(protocol: CaseProtocol, **kwargs):
    """The draft form of the protocol; a §8a item's offers as participating professionals
    only those recorded present for the item."""
    item = protocol.item
    assessed = is_risk_assessment(item.purpose)
    form = draft_form_class(item.method, assessed=assessed)(**kwargs)
    if assessed:
        form.professionals.choices = choices_from(dict(queries.risk_candidates(item)))
    return form


def _risk_of(form) -> dict | None:
    if not hasattr(form, "risk_level"):
        return None
    return {
        **{key: getattr(form, key).data for key, _label in RISK_FIELDS},
        "risk_level": form.risk_level.data,
        "professionals": form.professionals.data or [],
    }


def _fill(form, view) -> None:
    for section in view.sections:
        getattr(form, section.key).data = section.text
    if view.risk is not None:
        for section in view.risk.fields:
            getattr(form, section.key).data = section.text
        form.risk_level.data = view.risk.risk_level
        form.professionals.data = view.risk.professional_ids
    form.version.data = view.protocol.version


def show_protocol(protocol_id: uuid.UUID):
    """The writer edits a draft here; everyone else who may read it (and the writer once it
    is submitted) sees the read view."""
    protocol = _protocol(protocol_id)
    access.require("protocol.read", protocol)
    access.require_pledge()
    if protocol.status == ProtocolStatus.DRAFT and access.can("protocol.write", protocol):
        form = _draft_form(protocol)
        if form.validate_on_submit():
            sections = {
                key: getattr(form, key).data for key, _h in sections_for(protocol.item.method)
            }
            try:
                operations.save_draft(
                    protocol, sections, form.version.data, current_user, _risk_of(form)
                )
            except operations.VersionConflict as exc:
                # The page shows both texts; saving again from here is a deliberate choice.
                # The 409 shows the protocol's text: its read is kept in the audit log.
                form.form_errors.append(str(exc))
                form.version.data = exc.version
                form.version.raw_data = [str(exc.version)]
                view = queries.protocol_in_conflict(protocol, current_user)
                return render_template(
                    "protocols/edit.html", view=view, form=form, theirs=exc.sections
                ), 409
            except operations.ProtocolError as exc:
                form.form_errors.append(str(exc))
            else:
                flash(_("Entwurf gespeichert."), "success")
                return redirect(url_for("protocols.show_protocol", protocol_id=protocol.id))
        view = queries.protocol_for_writing(protocol, current_user)
        if not form.is_submitted():
            _fill(form, view)
        return render_template("protocols/edit.html", view=view, form=form, theirs=None)
    if request.method == "POST":
        access.require("protocol.write", protocol)
        return _read_view(protocol, error=_("Das Fallprotokoll kann nicht mehr bearbeitet werden."))
    return _read_view(protocol)


def _read_view(protocol: CaseProtocol, *, error: str | None = None, addendum_form=None):
    """The read view; with ``error`` (a refused change) answered as 409."""
    view = queries.protocol_for_reading(protocol, current_user, refused_change=bool(error))
    page = render_template(
        "protocols/show.html",
        view=view,
        addendum_form=addendum_form or AddendumForm(formdata=None),
        error=error,
    )
    return (page, 409) if error else page


def autosave(protocol_id: uuid.UUID):
    """JSON: ``{"version": n, "sections": {...}}`` -> ``{"version": n + 1}``; 409 with the
    server's version, sections, assessment and who saved it (and the sent ones back) when
    someone saved in between; 400 for a malformed request, 422 with the message when a rule
    refuses it."""
    protocol = _protocol(protocol_id)
    access.require("protocol.write", protocol)
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        return jsonify(error=_("Ungültige Anfrage: erwartet wird ein JSON-Objekt.")), 400
    version, sections = data.get("version"), data.get("sections")
    risk = data.get("risk_assessment")
    # bool is an int to Python, not a version number
    if not isinstance(version, int) or isinstance(version, bool):
        return jsonify(error=_("Ungültige Anfrage: „version“ muss eine ganze Zahl sein.")), 400
    if not isinstance(sections, dict) or not all(isinstance(v, str) for v in sections.values()):
        return jsonify(
            error=_("Ungültige Anfrage: „sections“ muss je Abschnitt einen Text enthalten.")
        ), 400
    if not (risk is None or isinstance(risk, dict)):
        return jsonify(error=_("Ungültige Gefährdungseinschätzung.")), 400
    try:
        operations.save_draft(protocol, sections, version, current_user, risk)
    except operations.VersionConflict as exc:
        # The answer carries the protocol's text: its read is kept in the audit log.
        queries.draft_shown_in_conflict(protocol, current_user)
        return jsonify(
            error=str(exc),
            server={
                "version": exc.version,
                "sections": exc.sections,
                "risk_assessment": exc.risk_assessment,
                "saved_by": exc.saved_by or "",
            },
            yours={"version": version, "sections": sections},
        ), 409
    except operations.ProtocolError as exc:
        return jsonify(error=str(exc)), 422
    return jsonify(version=protocol.version)


def _act(protocol_id: uuid.UUID, action, done: str):
    protocol = _protocol(protocol_id)
    try:
        action(protocol)
    except operations.ProtocolError as exc:
        db.session.rollback()
        return _read_view(protocol, error=str(exc))
    flash(done, "success")
    return redirect(url_for("protocols.show_protocol", protocol_id=protocol.id))


def submit_protocol(protocol_id: uuid.UUID):
    """The writer hands in the draft."""
    access.require("protocol.write", _protocol(protocol_id))
    return _act(
        protocol_id,
        lambda p: operations.submit(p, current_user),
        _("Fallprotokoll eingereicht."),
    )


def finalise_protocol(protocol_id: uuid.UUID):
    """The session's moderator locks the protocol."""
    access.require("protocol.finalise", _protocol(protocol_id))
    return _act(
        protocol_id,
        lambda p: operations.finalise(p, current_user),
        _("Fallprotokoll abgeschlossen."),
    )


def add_addendum(protocol_id: uuid.UUID):
    """A correction under the finalised protocol."""
    protocol = _protocol(protocol_id)
    access.require("protocol.amend", protocol)
    form = AddendumForm()
    if form.validate_on_submit():
        try:
            operations.add_addendum(protocol, form.text.data, form.reason.data, current_user)
        except operations.ProtocolError as exc:
            db.session.rollback()
            return _read_view(protocol, error=str(exc), addendum_form=form)
        flash(_("Nachtrag angefügt."), "success")
        return redirect(url_for("protocols.show_protocol", protocol_id=protocol.id))
    return _read_view(protocol, addendum_form=form)


def show_history(protocol_id: uuid.UUID):
    """The saved drafts and what changed between two of them (``?von=2&bis=3``)."""
    protocol = _protocol(protocol_id)
    access.require("protocol.read", protocol)
    access.require_pledge()
    history = queries.history_of(
        protocol,
        current_user,
        request.args.get("von", type=int),
        request.args.get("bis", type=int),
    )
    return render_template("protocols/history.html", history=history)


def excerpt(protocol_id: uuid.UUID):
    """The signed Protokollauszug of a finalised protocol for the case file: the form (role
    labels or, by explicit choice, real names) and its download, an audited export."""
    protocol = _protocol(protocol_id)
    access.require("protocol.excerpt", protocol)
    form = ExcerptForm()
    pseudonym = protocol.item.case.pseudonym
    if form.validate_on_submit():
        real_names = bool(form.real_names.data)
        try:
            record, pdf = operations.make_excerpt(
                protocol,
                current_user,
                real_names=real_names,
                instance=current_app.config["FALLTEAM_INSTANCE_NAME"],
            )
        except operations.ProtocolError as exc:
            db.session.rollback()
            form.form_errors.append(str(exc))
            page = render_template(
                "protocols/excerpt.html", protocol=protocol, form=form, pseudonym=pseudonym
            )
            return page, 409
        return send_document(
            record,
            content=pdf,
            media_type="application/pdf",
            name=f"Protokollauszug_{pseudonym}_{record.created_dt:%Y-%m-%d}",
            case_pseudonym=pseudonym,
            purpose=EXCERPT_REAL_NAMES if real_names else EXCERPT_ROLE_LABELS,
        )
    return render_template(
        "protocols/excerpt.html", protocol=protocol, form=form, pseudonym=pseudonym
    )


def case_history(case_id: uuid.UUID):
    """One case across all sessions: every Fallprotokoll, excerpt and Wiedervorlage."""
    case = get_or_404(Case, case_id)
    access.require("case.history", case)
    entries = queries.case_history(case, current_user)
    return render_template("protocols/case_history.html", case=case, entries=entries)


# --- Teamprotokoll ---------------------------------------------------------------------------


def _meeting(meeting_id: uuid.UUID) -> Meeting:
    return get_or_404(Meeting, meeting_id)


def _team_page(meeting: Meeting, *, notes_form=None, addendum_form=None, error=None):
    """The Teamprotokoll page; with ``error`` (a refused change) answered as 409."""
    view = queries.team_protocol_for_reading(meeting, current_user, refused_change=bool(error))
    keeps = access.can("team_protocol.keep", meeting)
    if notes_form is None and keeps and not view.locked:
        notes_form = team_notes_form_class([t.topic_id for t in view.topics])(formdata=None)
        notes_form.notes.data = view.record.notes if view.record is not None else ""
        for topic in view.topics:
            notes_form[f"topic_{topic.topic_id.hex}"].data = topic.notes
    page = render_template(
        "protocols/team.html",
        view=view,
        keeps=keeps,
        notes_form=notes_form,
        addendum_form=addendum_form or AddendumForm(formdata=None),
        error=error,
    )
    return (page, 409) if error else page


def show_team_protocol(meeting_id: uuid.UUID):
    """The session's Teamprotokoll; the moderator saves the notes here (POST)."""
    meeting = _meeting(meeting_id)
    access.require("team_protocol.read", meeting)
    access.require_pledge()
    if request.method == "GET":
        return _team_page(meeting)
    access.require("team_protocol.keep", meeting)
    topics = queries.team_topic_ids(meeting)
    form = team_notes_form_class(topics)()
    if form.validate_on_submit():
        try:
            operations.save_team_notes(
                meeting,
                form.notes.data,
                {t: form[f"topic_{t.hex}"].data for t in topics},
                current_user,
            )
        except operations.ProtocolError as exc:
            db.session.rollback()
            return _team_page(meeting, notes_form=form, error=str(exc))
        flash(_("Notizen gespeichert."), "success")
        return redirect(url_for("protocols.show_team_protocol", meeting_id=meeting.id))
    return _team_page(meeting, notes_form=form)


def finalise_team_protocol(meeting_id: uuid.UUID):
    """The moderator finalises the Teamprotokoll with all its Fallprotokolle."""
    meeting = _meeting(meeting_id)
    access.require("team_protocol.keep", meeting)
    try:
        operations.finalise_session(meeting, current_user)
    except operations.ProtocolError as exc:
        db.session.rollback()
        return _team_page(meeting, error=str(exc))
    flash(_("Teamprotokoll mit allen Fallprotokollen abgeschlossen."), "success")
    return redirect(url_for("protocols.show_team_protocol", meeting_id=meeting.id))


def add_team_addendum(meeting_id: uuid.UUID):
    """A correction under the sealed Teamprotokoll."""
    meeting = _meeting(meeting_id)
    access.require("team_protocol.keep", meeting)
    form = AddendumForm()
    if form.validate_on_submit():
        try:
            operations.add_team_addendum(meeting, form.text.data, form.reason.data, current_user)
        except operations.ProtocolError as exc:
            db.session.rollback()
            return _team_page(meeting, addendum_form=form, error=str(exc))
        flash(_("Nachtrag angefügt."), "success")
        return redirect(url_for("protocols.show_team_protocol", meeting_id=meeting.id))
    return _team_page(meeting, addendum_form=form)
