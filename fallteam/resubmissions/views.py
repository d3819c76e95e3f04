"""Pages of the Wiedervorlage: a person's dashboard, and the case owner's page to set, close
and renew them. Views load, check and act; the queries record the reads."""

from __future__ import annotations

import uuid

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from fallteam import access
from fallteam.auth.models import User
from fallteam.cases.models import Case
from fallteam.core.loaders import get_or_404
from fallteam.extensions import db
from fallteam.resubmissions import operations, queries
from fallteam.resubmissions.forms import OutcomeForm, SetResubmissionForm
from fallteam.resubmissions.models import STATUS_LABELS, Resubmission
from fallteam.teams.models import Team


def dashboard():
    """Overdue, due this week, upcoming: pseudonyms and dates only."""
    access.require("case.read_pseudonymised")
    return render_template(
        "resubmissions/dashboard.html", board=queries.dashboard_for(current_user)
    )


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
