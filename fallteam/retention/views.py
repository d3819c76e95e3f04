"""Retention pages: the owner's reason before reading a restricted case and request for a
restriction; the DPO's page of deletion dates, proposals, restrictions and certificates."""

from __future__ import annotations

import uuid

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from fallteam import access
from fallteam.auth.session import safe_next
from fallteam.cases.models import CATEGORY_LABELS, Case
from fallteam.core.forms import ActionForm
from fallteam.core.loaders import get_or_404
from fallteam.retention import operations, queries, rules
from fallteam.retention.forms import ReadReasonForm, RejectProposalForm, RestrictionForm
from fallteam.retention.models import DeletionCertificate, TeamProtocolDeletionCertificate
from fallteam.retention.rules import PROPOSAL_STATUS_LABELS, RESTRICTION_REASON_LABELS


def give_reason(case_id: uuid.UUID):
    """Before every read of a restricted case its approved owner names why; then on to the
    page asked for (the case page by default)."""
    case = get_or_404(Case, case_id)
    access.require("case.give_reason", case)
    form = ReadReasonForm()
    default = url_for("cases.show_case", case_id=case.id)
    target = safe_next(request.args.get("next") or default)
    if form.validate_on_submit():
        access.give_read_reason(case, form.reason.data)
        return redirect(target)
    return render_template("retention/reason.html", case=case, form=form)


def request_restriction(case_id: uuid.UUID):
    """The owner asks the DPO to restrict the case instead of deleting it."""
    case = get_or_404(Case, case_id)
    access.require("case.close", case)
    form = RestrictionForm(prefix="sp")
    if form.validate_on_submit():
        try:
            operations.request_restriction(case, reason=form.reason.data, actor=current_user)
        except operations.RetentionError as exc:
            flash(str(exc), "error")
        else:
            flash(_("Sperrung beantragt: der Datenschutz entscheidet."), "success")
    else:
        flash(_("Bitte den Grund der Sperrung wählen."), "error")
    return redirect(url_for("cases.show_case", case_id=case.id) + "#loeschfrist")


def show_retention():
    """The DPO's page: proposals to confirm or reject, restrictions, deletion dates and
    certificates — pseudonyms, classes and dates only."""
    access.require("retention.view")
    page = request.args.get("seite", 1, type=int) or 1
    return render_template(
        "retention/overview.html",
        overview=queries.retention_overview(rules.today(), page),
        reject_form=RejectProposalForm(),
        restrict_form=RestrictionForm(),
        action_form=ActionForm(),
        status_labels=PROPOSAL_STATUS_LABELS,
        restriction_labels=RESTRICTION_REASON_LABELS,
        categories=CATEGORY_LABELS,
    )


def _back():
    return redirect(url_for("retention.show_retention"))


def confirm_proposal(proposal_id: uuid.UUID):
    """The second person confirms a deletion proposal; the next run deletes the case."""
    proposal = queries.proposal_of(proposal_id)
    access.require("retention.confirm", proposal)
    if ActionForm().validate_on_submit():
        try:
            operations.confirm_proposal(proposal, actor=current_user)
        except operations.RetentionError as exc:
            flash(str(exc), "error")
        else:
            flash(
                _(
                    "Löschung von %(p)s bestätigt: sie wird beim nächsten Lauf ausgeführt.",
                    p=proposal.case_pseudonym,
                ),
                "success",
            )
    return _back()


def reject_proposal(proposal_id: uuid.UUID):
    """The DPO rejects a deletion proposal, with a reason."""
    proposal = queries.proposal_of(proposal_id)
    access.require("retention.confirm", proposal)
    form = RejectProposalForm()
    if form.validate_on_submit():
        try:
            operations.reject_proposal(
                proposal,
                reason=form.reason.data,
                keep_until=form.keep_until.data,
                actor=current_user,
            )
        except operations.RetentionError as exc:
            flash(str(exc), "error")
        else:
            flash(_("Löschung von %(p)s abgelehnt.", p=proposal.case_pseudonym), "success")
    else:
        flash(_("Bitte den Grund der Ablehnung angeben."), "error")
    return _back()


def restrict_case():
    """The DPO restricts a case found by its pseudonym, naming the ground."""
    access.require("retention.confirm")
    form = RestrictionForm()
    case = queries.case_by_pseudonym(request.form.get("pseudonym") or "")
    if case is None or not form.validate_on_submit():
        flash(_("Bitte ein vorhandenes Pseudonym und den Grund angeben."), "error")
        return _back()
    return _decide_restriction(
        case,
        lambda: operations.restrict(case, actor=current_user, reason=form.reason.data),
        _("Fall %(p)s gesperrt."),
        submitted=True,
    )


def approve_restriction(case_id: uuid.UUID):
    """The DPO approves the owner's request for a restriction."""
    case = queries.case_structure(case_id)
    return _decide_restriction(
        case, lambda: operations.restrict(case, actor=current_user), _("Fall %(p)s gesperrt.")
    )


def decline_restriction(case_id: uuid.UUID):
    """The DPO declines the owner's request for a restriction."""
    case = queries.case_structure(case_id)
    return _decide_restriction(
        case,
        lambda: operations.decline_restriction(case, actor=current_user),
        _("Sperrung von %(p)s abgelehnt."),
    )


def lift_restriction(case_id: uuid.UUID):
    """The DPO lifts a restriction."""
    case = queries.case_structure(case_id)
    return _decide_restriction(
        case,
        lambda: operations.lift_restriction(case, actor=current_user),
        _("Sperrung von %(p)s aufgehoben."),
    )


def _decide_restriction(case: Case, decide, message: str, *, submitted: bool = False):
    access.require("retention.confirm", case)
    if submitted or ActionForm().validate_on_submit():
        try:
            decide()
        except operations.RetentionError as exc:
            flash(str(exc), "error")
        else:
            flash(message % {"p": case.pseudonym}, "success")
    return _back()


def show_certificate(certificate_id: uuid.UUID):
    """A deletion certificate (no personal data of the family)."""
    access.require("retention.view")
    certificate = get_or_404(DeletionCertificate, certificate_id)
    return render_template(
        "retention/certificate.html",
        certificate=certificate,
        document=queries.certificate_document(certificate),
    )


def download_certificate(certificate_id: uuid.UUID):
    """The certificate as a JSON file for the DPO's records (the download is recorded)."""
    access.require("retention.view")
    certificate = get_or_404(DeletionCertificate, certificate_id)
    response = Response(queries.export_certificate(certificate), mimetype="application/json")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="Loeschnachweis-{certificate.case_pseudonym}.json"'
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def confirm_team_protocol_proposal(team_proposal_id: uuid.UUID):
    """The DPO (not the session's moderator) confirms a Teamprotokoll's deletion."""
    proposal = queries.team_protocol_proposal_of(team_proposal_id)
    access.require("retention.confirm", proposal)
    if ActionForm().validate_on_submit():
        try:
            operations.confirm_team_protocol_proposal(proposal, actor=current_user)
        except operations.RetentionError as exc:
            flash(str(exc), "error")
        else:
            flash(
                _(
                    "Löschung des Teamprotokolls vom %(d)s bestätigt: sie wird beim nächsten "
                    "Lauf ausgeführt.",
                    d=proposal.session_day.strftime("%d.%m.%Y"),
                ),
                "success",
            )
    return _back()


def reject_team_protocol_proposal(team_proposal_id: uuid.UUID):
    """The DPO rejects a Teamprotokoll's deletion, with a reason."""
    proposal = queries.team_protocol_proposal_of(team_proposal_id)
    access.require("retention.confirm", proposal)
    form = RejectProposalForm()
    if form.validate_on_submit():
        try:
            operations.reject_team_protocol_proposal(
                proposal,
                reason=form.reason.data,
                keep_until=form.keep_until.data,
                actor=current_user,
            )
        except operations.RetentionError as exc:
            flash(str(exc), "error")
        else:
            flash(
                _(
                    "Löschung des Teamprotokolls vom %(d)s abgelehnt.",
                    d=proposal.session_day.strftime("%d.%m.%Y"),
                ),
                "success",
            )
    else:
        flash(_("Bitte den Grund der Ablehnung angeben."), "error")
    return _back()


def show_team_protocol_certificate(team_certificate_id: uuid.UUID):
    """A Teamprotokoll's deletion certificate (nothing of its notes)."""
    access.require("retention.view")
    certificate = get_or_404(TeamProtocolDeletionCertificate, team_certificate_id)
    return render_template(
        "retention/team_protocol_certificate.html",
        certificate=certificate,
        document=queries.team_certificate_document(certificate),
    )
