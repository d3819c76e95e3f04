"""Case pages: list, registration, the case (full or pseudonymised), editing."""

from __future__ import annotations

import uuid
from zoneinfo import ZoneInfo

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from fallteam import access
from fallteam.auth.models import User
from fallteam.cases import operations, queries
from fallteam.cases.forms import (
    BackgroundForm,
    CloseCaseForm,
    DisputedForm,
    EditCaseForm,
    MemberForm,
    ParticipantForm,
    RegisterCaseForm,
    RelationForm,
    ReopenCaseForm,
    ResourceForm,
    TransferForm,
)
from fallteam.cases.models import (
    CATEGORY_LABELS,
    RELATION_LABELS,
    RESOURCE_KIND_LABELS,
    RESOURCE_QUALITY_LABELS,
    Case,
    CaseParticipant,
    FamilyMember,
    FamilyRelation,
    ResourceEntry,
)
from fallteam.consent.queries import consent_helpers, consents_ending_soon
from fallteam.core.forms import ActionForm
from fallteam.core.loaders import get_or_404, part_or_404
from fallteam.extensions import db
from fallteam.resubmissions.queries import open_resubmissions_for_cases
from fallteam.retention import rules as retention_rules
from fallteam.retention.forms import RestrictionForm
from fallteam.retention.queries import case_retention
from fallteam.retention.rules import RESTRICTION_REASON_LABELS


def list_cases():
    """One page of the Fachkraft's own cases (with family names: she manages them), consents
    ending soon, and the presentations she takes part in. The page records one read event."""
    access.require("case.register")
    category = request.args.get("kategorie") or None
    if category not in CATEGORY_LABELS:
        category = None
    sort = request.args.get("sortierung", "pseudonym")
    if sort not in queries.CASE_LIST_SORTS:
        sort = "pseudonym"
    page = request.args.get("seite", 1, type=int) or 1
    listing = queries.case_list_page(current_user, category=category, sort=sort, page=page)
    return render_template(
        "cases/list.html",
        listing=listing,
        open_resubmissions=open_resubmissions_for_cases(row.case.id for row in listing.rows),
        categories=CATEGORY_LABELS,
        category=category,
        sort=sort,
        ending=consents_ending_soon(current_user),
        shared=queries.cases_shared_with(current_user),
    )


def register_case():
    """A new case with its family; a possible duplicate must be confirmed first."""
    access.require("case.register")
    form = RegisterCaseForm()
    duplicate = False
    if form.validate_on_submit():
        members = form.member_data()
        duplicate = operations.possible_duplicate(form.file_number.data, members)
        if not duplicate or form.confirm_duplicate.data:
            case = operations.register_case(
                current_user,
                category=form.category.data,
                child_protection=form.child_protection.data,
                file_number=form.file_number.data,
                members=members,
            )
            flash(_("Fall %(p)s angelegt.", p=case.pseudonym), "success")
            return redirect(url_for("cases.edit_case", case_id=case.id))
    return render_template("cases/register.html", form=form, duplicate=duplicate)


def show_case(case_id: uuid.UUID):
    """The case as this viewer may see it (the read is audited)."""
    case = get_or_404(Case, case_id)
    access.require("case.read_pseudonymised", case)
    if case.case_manager_id != current_user.id:
        access.require_pledge()
        # Team members and guests see the case as its agenda item presents it (with the
        # presenter's switches for genogram and resource map).
        item = queries.item_presenting(case, current_user)
        if item is not None:
            return redirect(url_for("agenda.show_item", item_id=item.id))
    registrations = queries.registrations_of(case) if access.can("agenda.register", case) else []
    return render_template(
        "cases/show.html",
        view=queries.present_case(case, current_user),
        action_form=ActionForm(),
        registrations=registrations,
        open_resubmissions=open_resubmissions_for_cases([case.id]).get(case.id)
        if access.can("resubmission.manage", case)
        else None,
        **_retention_forms(case),
        **consent_helpers(),
    )


def _retention_forms(case: Case) -> dict:
    """The owner's part of the case page: its retention class and deletion date, closing or
    reopening, the disputed mark, the request for a restriction."""
    if not access.can("case.close", case):
        return {"retention": None}
    return {
        "retention": case_retention(case),
        "close_form": CloseCaseForm(data={"closed_on": retention_rules.today()}),
        "reopen_form": ReopenCaseForm(prefix="wo"),
        "disputed_form": DisputedForm(prefix="be", data={"disputed_on": case.disputed_on}),
        "restriction_form": RestrictionForm(prefix="sp"),
        "restriction_labels": RESTRICTION_REASON_LABELS,
    }


def close_case(case_id: uuid.UUID):
    """The owner closes the case (day, reason, note): the retention clock starts and every
    participation window ends."""
    case = get_or_404(Case, case_id)
    access.require("case.close", case)
    form = CloseCaseForm()
    if form.validate_on_submit():
        try:
            ended = operations.close_case(
                case,
                closed_on=form.closed_on.data,
                reason=form.reason.data,
                note=form.note.data,
                actor=current_user,
            )
        except operations.CaseError as exc:
            flash(str(exc), "error")
        else:
            flash(
                _(
                    "Fall abgeschlossen; %(n)d Teilnahme-Zeitfenster beendet.",
                    n=ended,
                ),
                "success",
            )
    else:
        flash(_("Bitte Datum und Grund des Abschlusses angeben."), "error")
    return redirect(url_for("cases.show_case", case_id=case.id) + "#loeschfrist")


def reopen_case(case_id: uuid.UUID):
    """The owner reopens a closed case (only until its deletion is proposed)."""
    case = get_or_404(Case, case_id)
    access.require("case.close", case)
    form = ReopenCaseForm(prefix="wo")
    if form.validate_on_submit():
        try:
            operations.reopen_case(case, reason=form.reason.data, actor=current_user)
        except operations.CaseError as exc:
            flash(str(exc), "error")
        else:
            flash(_("Fall wieder geöffnet."), "success")
    return redirect(url_for("cases.show_case", case_id=case.id) + "#loeschfrist")


def mark_disputed(case_id: uuid.UUID):
    """The owner marks the case's data as disputed by the family (or clears the mark)."""
    case = get_or_404(Case, case_id)
    access.require("case.close", case)
    form = DisputedForm(prefix="be")
    if form.validate_on_submit():
        try:
            operations.set_disputed(case, form.disputed_on.data, actor=current_user)
        except operations.CaseError as exc:
            flash(str(exc), "error")
        else:
            flash(_("Gespeichert."), "success")
    else:
        flash(_("Das Datum ist ungültig."), "error")
    return redirect(url_for("cases.show_case", case_id=case.id) + "#loeschfrist")


def edit_case(case_id: uuid.UUID):
    """Frame data, background (with the guard), and the forms for everything else."""
    case = get_or_404(Case, case_id)
    access.require("case.edit", case)
    form = EditCaseForm(obj=case)
    background = BackgroundForm(obj=case, prefix="bg")
    hits = []
    if form.submit.data and form.validate_on_submit():
        operations.update_case(
            case,
            category=form.category.data,
            child_protection=form.child_protection.data,
            file_number=form.file_number.data,
        )
        flash(_("Gespeichert."), "success")
        return redirect(url_for("cases.edit_case", case_id=case.id))
    if background.submit.data and background.validate_on_submit():
        hits = operations.set_background(
            case, background.background.data, release_reason=background.release_reason.data
        )
        if not hits or case.background_status == "released":
            flash(_("Hintergrund gespeichert."), "success")
            return redirect(url_for("cases.edit_case", case_id=case.id))
    return _edit_page(case, form=form, background=background, hits=hits)


def _edit_page(case: Case, **forms):
    labels = queries.case_for_editing(case, current_user)
    relation = forms.get("relation") or RelationForm(prefix="rel")
    relation.a.choices = relation.b.choices = list(labels.items())
    transfer = TransferForm(prefix="tr")
    transfer.new_manager.choices = [
        (str(u.id), u.display_name) for u in queries.case_managers() if u.id != case.case_manager_id
    ]
    participant = forms.get("participant") or ParticipantForm(prefix="pt")
    participant.user.choices = _participant_choices(case)
    return render_template(
        "cases/edit.html",
        case=case,
        labels=labels,
        relation=relation,
        transfer=transfer,
        participant=participant,
        resource=forms.get("resource") or ResourceForm(prefix="res"),
        action_form=ActionForm(),
        users={u.id: u for u in queries.active_users()},
        form=forms.get("form") or EditCaseForm(obj=case),
        relation_labels=RELATION_LABELS,
        resource_kinds=RESOURCE_KIND_LABELS,
        resource_qualities=RESOURCE_QUALITY_LABELS,
        background=forms.get("background") or BackgroundForm(obj=case, prefix="bg"),
        hits=forms.get("hits", []),
    )


def add_member(case_id: uuid.UUID):
    """One more person in the family."""
    case = get_or_404(Case, case_id)
    access.require("case.edit", case)
    form = MemberForm()
    if form.validate_on_submit() and not form.member.form.is_empty():
        operations.add_member(case, form.member.form.to_data())
        return redirect(url_for("cases.edit_case", case_id=case.id))
    return render_template("cases/member.html", case=case, form=form, member=None)


def edit_member(case_id: uuid.UUID, member_id: uuid.UUID):
    """Change one person's data."""
    case = get_or_404(Case, case_id)
    access.require("case.edit", case)
    member = part_or_404(case, FamilyMember, member_id, via="case_id")
    form = MemberForm()
    if form.validate_on_submit() and not form.member.form.is_empty():
        operations.update_member(case, member, form.member.form.to_data())
        return redirect(url_for("cases.edit_case", case_id=case.id))
    data = queries.member_for_editing(case, member, current_user)
    if request.method == "GET":
        form = MemberForm(data={"member": data})
    return render_template("cases/member.html", case=case, form=form, member=member)


def add_relation(case_id: uuid.UUID):
    """A genogram line between two members."""
    case = get_or_404(Case, case_id)
    access.require("case.edit", case)
    form = RelationForm(prefix="rel")
    form.a.choices = form.b.choices = [(str(m.id), str(m.id)) for m in case.members]
    if form.validate_on_submit():
        try:
            operations.add_relation(
                case,
                form.kind.data,
                part_or_404(case, FamilyMember, form.a.data, via="case_id"),
                part_or_404(case, FamilyMember, form.b.data, via="case_id"),
            )
        except operations.CaseError as exc:
            flash(str(exc), "error")
    return redirect(url_for("cases.edit_case", case_id=case.id) + "#genogramm")


def delete_relation(case_id: uuid.UUID, relation_id: uuid.UUID):
    """Remove a genogram line."""
    case = get_or_404(Case, case_id)
    access.require("case.edit", case)
    operations.remove_relation(case, part_or_404(case, FamilyRelation, relation_id, via="case_id"))
    return redirect(url_for("cases.edit_case", case_id=case.id) + "#genogramm")


def add_resource(case_id: uuid.UUID):
    """A resource map entry."""
    case = get_or_404(Case, case_id)
    access.require("case.edit", case)
    form = ResourceForm(prefix="res")
    if form.validate_on_submit():
        operations.add_resource(
            case, kind=form.kind.data, quality=form.quality.data, label=form.label.data
        )
        return redirect(url_for("cases.edit_case", case_id=case.id) + "#ressourcen")
    return _edit_page(case, resource=form)


def delete_resource(case_id: uuid.UUID, resource_id: uuid.UUID):
    """Remove a resource map entry."""
    case = get_or_404(Case, case_id)
    access.require("case.edit", case)
    operations.remove_resource(case, part_or_404(case, ResourceEntry, resource_id, via="case_id"))
    return redirect(url_for("cases.edit_case", case_id=case.id) + "#ressourcen")


def transfer_case(case_id: uuid.UUID):
    """Hand the Fallführung to another Fachkraft."""
    case = get_or_404(Case, case_id)
    access.require("case.edit", case)
    form = TransferForm(prefix="tr")
    form.new_manager.choices = [(str(u.id), u.display_name) for u in queries.case_managers()]
    if form.validate_on_submit():
        try:
            new = db.session.get(User, uuid.UUID(form.new_manager.data))
            operations.transfer_case(case, new, actor=current_user)
        except operations.CaseError as exc:
            flash(str(exc), "error")
        else:
            flash(_("Fallführung übertragen an %(n)s.", n=new.display_name), "success")
            return redirect(url_for("cases.list_cases"))
    return redirect(url_for("cases.edit_case", case_id=case.id))


def _participant_choices(case: Case) -> list[tuple[str, str]]:
    """People who can take part in the presentation in some capacity (not the owner)."""
    return [
        (str(u.id), u.display_name)
        for u in queries.active_users()
        if u.id != case.case_manager_id
        and (access.may_take_part_as(u, "member") or access.may_take_part_as(u, "guest"))
    ]


def add_participant(case_id: uuid.UUID):
    """Let a member or guest see the pseudonymised presentation for a while."""
    case = get_or_404(Case, case_id)
    access.require("case.edit", case)
    form = ParticipantForm(prefix="pt")
    form.user.choices = _participant_choices(case)
    if form.validate_on_submit():
        try:
            operations.grant_participation(
                case,
                db.session.get(User, uuid.UUID(form.user.data)),
                kind=form.kind.data,
                valid_from=_berlin(form.valid_from.data),
                valid_until=_berlin(form.valid_until.data),
                actor=current_user,
            )
        except operations.CaseError as exc:
            form.valid_until.errors.append(str(exc))
        else:
            return redirect(url_for("cases.edit_case", case_id=case.id) + "#teilnehmende")
    return _edit_page(case, participant=form)


def _berlin(value):
    # The form's local times are the office's: Europe/Berlin (configurable).
    return value.replace(tzinfo=ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"]))


def end_participant(case_id: uuid.UUID, participant_id: uuid.UUID):
    """Withdraw a participation at once."""
    case = get_or_404(Case, case_id)
    access.require("case.edit", case)
    operations.end_participation(
        case, part_or_404(case, CaseParticipant, participant_id, via="case_id")
    )
    return redirect(url_for("cases.edit_case", case_id=case.id) + "#teilnehmende")
