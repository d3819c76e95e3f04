"""Pages of the Wiedervorlage: a person's and a team's dashboard, the case owner's page to set,
close and renew them, and their part of the Fallprotokoll page (agreed in it, dealt with in a
later one). Views load, check and act; the queries record the reads."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from fallteam import access
from fallteam.auth.models import User
from fallteam.cases.models import Case
from fallteam.core.loaders import get_or_404
from fallteam.extensions import db
from fallteam.protocols.models import CaseProtocol
from fallteam.resubmissions import operations, queries
from fallteam.resubmissions.forms import AgreeInProtocolForm, OutcomeForm, SetResubmissionForm
from fallteam.resubmissions.models import STATUS_LABELS, Resubmission
from fallteam.teams.models import Team


def dashboard():
    """Overdue, due this week, upcoming: pseudonyms and dates only."""
    access.require("case.read_pseudonymised")
    return render_template(
        "resubmissions/dashboard.html",
        board=queries.dashboard_for(current_user),
        teams=queries.teams_of(current_user),
    )


def team_dashboard(team_id: uuid.UUID):
    """A team's open Wiedervorlagen for its members: overdue, this week, upcoming; the topic
    only on the lines the viewer is responsible for or whose case they own."""
    team = get_or_404(Team, team_id)
    access.require("resubmission.team_view", team)
    board = queries.team_dashboard_for(team, current_user, request.args.get("seite", 1, type=int))
    return render_template("resubmissions/team.html", team=team, board=board)


def _set_form(case: Case, teams: list[Team]) -> SetResubmissionForm:
    form = SetResubmissionForm(prefix="neu")
    form.team.choices = [(str(t.id), t.name) for t in teams]
    form.responsible.choices = [
        (str(u.id), u.display_name) for u in queries.responsible_candidates(case, teams)
    ]
    if not form.is_submitted():
        form.responsible.data = str(case.case_manager_id)
    return form


def _page(case: Case, form: SetResubmissionForm, outcome_forms=None):
    history = queries.history_of(case, current_user)
    outcome_forms = outcome_forms or {}
    for r, _name, _team in history:
        outcome_forms.setdefault(r.id, OutcomeForm(prefix=f"r-{r.id.hex}", formdata=None))
    return render_template(
        "resubmissions/case.html",
        case=case,
        form=form,
        history=history,
        outcome_forms=outcome_forms,
        statuses=STATUS_LABELS,
    )


def case_resubmissions(case_id: uuid.UUID):
    """The case's Wiedervorlagen with their history, and the form to set a new one."""
    case = get_or_404(Case, case_id)
    access.require("resubmission.manage", case)
    teams = queries.teams_for(case)
    form = _set_form(case, teams)
    if form.validate_on_submit():
        try:
            operations.set_resubmission(
                case,
                db.session.get(Team, uuid.UUID(form.team.data)),
                form.due.data,
                form.topic.data,
                db.session.get(User, uuid.UUID(form.responsible.data)),
                current_user,
            )
        except operations.ResubmissionError as exc:
            form.form_errors.append(str(exc))
        else:
            flash(_("Wiedervorlage gesetzt."), "success")
            return redirect(url_for("resubmissions.case_resubmissions", case_id=case.id))
    return _page(case, form)


def record_outcome(resubmission_id: uuid.UUID):
    """Close the Wiedervorlage, or renew it with a new due day; on bad input the page shows
    the entered text again."""
    resubmission = get_or_404(Resubmission, resubmission_id)
    case = db.session.get(Case, resubmission.case_id)
    access.require("resubmission.manage", case)
    outcome = OutcomeForm(prefix=f"r-{resubmission.id.hex}")
    if outcome.validate_on_submit():
        try:
            if outcome.renew.data:
                if outcome.new_due.data is None:
                    raise operations.ResubmissionError(
                        _("Zum Erneuern bitte ein neues Datum angeben.")
                    )
                operations.renew_resubmission(
                    resubmission, outcome.new_due.data, outcome.outcome.data, current_user
                )
            else:
                operations.close_resubmission(resubmission, outcome.outcome.data, current_user)
        except operations.ResubmissionError as exc:
            outcome.form_errors.append(str(exc))
        else:
            flash(_("Wiedervorlage gespeichert."), "success")
            return redirect(url_for("resubmissions.case_resubmissions", case_id=case.id))
    form = _set_form(case, queries.teams_for(case))
    return _page(case, form, {resubmission.id: outcome})


# --- on the Fallprotokoll page ---------------------------------------------------------------


@dataclass
class ProtocolResubmissions:
    """What ``templates/resubmissions/_in_protocol.html`` shows on a Fallprotokoll page."""

    protocol: CaseProtocol
    entries: queries.InProtocol
    statuses: dict
    #: the writer or case manager, before the protocol is finalised
    may_change: bool
    agree_form: AgreeInProtocolForm | None = None
    outcome_forms: dict = field(default_factory=dict)


def _agree_form(protocol: CaseProtocol, formdata=True) -> AgreeInProtocolForm:
    item = protocol.item
    form = (
        AgreeInProtocolForm(prefix="wv")
        if formdata
        else AgreeInProtocolForm(prefix="wv", formdata=None)
    )
    team = db.session.get(Team, item.meeting.team_id)
    form.responsible.choices = [
        (str(u.id), u.display_name) for u in queries.responsible_candidates(item.case, [team])
    ]
    if not form.is_submitted() or not formdata:
        form.responsible.data = str(item.case.case_manager_id)
    return form


def _outcome_form(resubmission_id: uuid.UUID, formdata=True) -> OutcomeForm:
    prefix = f"p-{resubmission_id.hex}"
    return OutcomeForm(prefix=prefix) if formdata else OutcomeForm(prefix=prefix, formdata=None)


def resubmissions_in_protocol(
    protocol: CaseProtocol, agree_form=None, outcome_forms=None, refused_change: bool = False
) -> ProtocolResubmissions | None:
    """For the Fallprotokoll pages: the item's case's Wiedervorlagen agreed or dealt with in
    this protocol (to whoever may read it), and for its writer and the case manager the
    forms to agree one and to record the outcome of the case's open ones, until it is
    finalised. None: nothing to show to the signed-in user. ``refused_change``: the page is
    answered as 409 (its reads are kept in the audit log all the same)."""
    item = protocol.item
    if item.case_id is None:
        return None
    agrees = access.can("resubmission.agree", item)
    if agrees:
        permission, on = "resubmission.agree", item
    elif access.can("protocol.read", protocol):
        permission, on = "protocol.read", protocol
    else:
        return None
    may_change = agrees and not protocol.locked
    entries = queries.in_protocol(
        item, current_user, permission, on, with_open=may_change, refused_change=refused_change
    )
    result = ProtocolResubmissions(protocol, entries, STATUS_LABELS, may_change)
    if may_change:
        result.agree_form = agree_form or _agree_form(protocol, formdata=False)
        given = outcome_forms or {}
        result.outcome_forms = {
            e.resubmission.id: given.get(e.resubmission.id)
            or _outcome_form(e.resubmission.id, formdata=False)
            for e in entries.open
        }
    return result


def _back_to(protocol: CaseProtocol):
    return redirect(
        url_for("protocols.show_protocol", protocol_id=protocol.id, _anchor="wiedervorlagen")
    )


def _protocol_page(protocol: CaseProtocol, *, error: str | None = None, **forms):
    """The Wiedervorlagen of the protocol on a page of their own, showing what was entered and
    why it was refused (the protocol page keeps its own draft); 409 when the protocol is
    locked."""
    page = render_template(
        "resubmissions/in_protocol.html",
        rp=resubmissions_in_protocol(protocol, **forms, refused_change=bool(error)),
        protocol=protocol,
        pseudonym=protocol.item.case.pseudonym,
        error=error,
    )
    return (page, 409) if error else page


def _locked(protocol: CaseProtocol):
    return _protocol_page(
        protocol,
        error=_(
            "Das Fallprotokoll ist abgeschlossen; über dieses Protokoll kann keine "
            "Wiedervorlage mehr vereinbart oder erledigt werden."
        ),
    )


def agree_in_protocol(protocol_id: uuid.UUID):
    """The writer or the case manager agrees a Wiedervorlage in the Fallprotokoll."""
    protocol = get_or_404(CaseProtocol, protocol_id)
    access.require("resubmission.agree", protocol.item)
    if protocol.locked:
        return _locked(protocol)
    form = _agree_form(protocol)
    if form.validate_on_submit():
        try:
            operations.agree_in_protocol(
                protocol,
                form.due.data,
                form.topic.data,
                db.session.get(User, uuid.UUID(form.responsible.data)),
                current_user,
            )
        except operations.ResubmissionError as exc:
            form.form_errors.append(str(exc))
        else:
            flash(_("Wiedervorlage vereinbart."), "success")
            return _back_to(protocol)
    return _protocol_page(protocol, agree_form=form)


def deal_in_protocol(protocol_id: uuid.UUID, resubmission_id: uuid.UUID):
    """The writer or the case manager records in a later Fallprotokoll how an open
    Wiedervorlage of the case was dealt with: closed, or renewed with a new due day."""
    protocol = get_or_404(CaseProtocol, protocol_id)
    access.require("resubmission.agree", protocol.item)
    resubmission = get_or_404(Resubmission, resubmission_id)
    if resubmission.case_id != protocol.case_id:
        abort(404)
    if protocol.locked:
        return _locked(protocol)
    outcome = _outcome_form(resubmission.id)
    if outcome.validate_on_submit():
        try:
            if outcome.renew.data:
                if outcome.new_due.data is None:
                    raise operations.ResubmissionError(
                        _("Zum Erneuern bitte ein neues Datum angeben.")
                    )
                operations.renew_resubmission(
                    resubmission,
                    outcome.new_due.data,
                    outcome.outcome.data,
                    current_user,
                    protocol=protocol,
                )
            else:
                operations.close_resubmission(
                    resubmission, outcome.outcome.data, current_user, protocol=protocol
                )
        except operations.ResubmissionError as exc:
            outcome.form_errors.append(str(exc))
        else:
            flash(_("Wiedervorlage gespeichert."), "success")
            return _back_to(protocol)
    return _protocol_page(protocol, outcome_forms={resubmission.id: outcome})
