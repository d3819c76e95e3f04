"""Recording, correcting and revoking consents; downloading the signed document."""

from __future__ import annotations

import uuid

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import NotFound

from fallteam import access
from fallteam.auth.institutions import active_institutions
from fallteam.auth.models import User
from fallteam.cases import queries
from fallteam.cases.models import CHILD_ROLES, Case, FamilyMember
from fallteam.cases.rules import role_labels
from fallteam.consent import operations
from fallteam.consent.forms import ConsentForm, RevokeForm
from fallteam.consent.models import Consent
from fallteam.core.downloads import send_document
from fallteam.core.loaders import get_or_404
from fallteam.extensions import db


def _consent_form(case, **kwargs) -> ConsentForm:
    form = ConsentForm(**kwargs)
    # The form names the family members: showing it is a read of the case (recorded there).
    form.grantor.choices = queries.family_for_consent(case, current_user)
    form.custody_for.choices = [
        (str(m.id), label)
        for m, label in zip(case.members, role_labels(case.members), strict=True)
        if m.role in CHILD_ROLES
    ]
    form.recipient_users.choices = [
        (str(u.id), u.display_name)
        for u in queries.active_users()
        if u.id != case.case_manager_id and access.may_receive_case_content(u)
    ]
    form.recipient_institutions.choices = [(str(i.id), i.name) for i in active_institutions()]
    return form


def _data(case, form: ConsentForm) -> operations.ConsentData:
    upload = form.document.data
    content = None
    if upload:
        with upload.stream:  # the upload's temporary file is not needed after reading
            content = upload.read()
    grantor = db.session.get(FamilyMember, uuid.UUID(form.grantor.data))
    children = {str(m.id): m for m in case.members}
    return operations.ConsentData(
        grantor=grantor,
        grantor_capacity=form.grantor_capacity.data,
        custody_for=[children[v] for v in form.custody_for.data if v in children],
        recipients=form.recipients(),
        purposes=form.purposes.data,
        data_categories=form.data_categories.data,
        valid_from=form.valid_from.data,
        valid_until=form.valid_until.data,
        form=form.form.data,
        witness=form.witness.data,
        # an empty file that was chosen is passed on, so the operation refuses it
        document=content if upload else None,
        document_name=upload.filename if upload else None,
    )


def _save(case, form: ConsentForm, change) -> bool:
    """Run ``change`` with the form's data; problems go onto the form, nothing is saved."""
    try:
        change(_data(case, form))
    except operations.ConsentError as exc:
        target = form.document.errors if isinstance(exc, operations.DocumentError) else None
        (form.form_errors if target is None else target).append(str(exc))
        return False
    return True


def record_consent(case_id: uuid.UUID):
    """A new Schweigepflichtsentbindung."""
    case = get_or_404(Case, case_id)
    access.require("consent.record", case)
    form = _consent_form(case)
    if form.validate_on_submit() and _save(
        case, form, lambda data: operations.record_consent(case, data, actor=current_user)
    ):
        flash(_("Schweigepflichtsentbindung gespeichert."), "success")
        return redirect(url_for("cases.show_case", case_id=case.id) + "#einwilligungen")
    return render_template("consent/form.html", case=case, form=form, consent=None)


def correct_consent(consent_id: uuid.UUID):
    """A corrected version of a consent (the old one stays in the history)."""
    consent = get_or_404(Consent, consent_id)
    case = get_or_404(Case, consent.case_id)
    access.require("consent.record", case)
    form = _consent_form(case, data=None if request.method == "POST" else _prefill(consent))
    if form.validate_on_submit() and _save(
        case,
        form,
        lambda data: operations.correct_consent(case, consent, data, actor=current_user),
    ):
        flash(_("Korrigierte Fassung gespeichert."), "success")
        return redirect(url_for("cases.show_case", case_id=case.id) + "#einwilligungen")
    return render_template("consent/form.html", case=case, form=form, consent=consent)


def _prefill(consent: Consent) -> dict:
    by_type = {
        t: [r["value"] for r in consent.recipients if r["type"] == t]
        for t in ("user", "institution", "participant_kind")
    }
    return {
        "grantor": str(consent.grantor_id),
        "grantor_capacity": consent.grantor_capacity,
        "custody_for": list(consent.custody_for or []),
        "recipient_users": by_type["user"],
        "recipient_institutions": by_type["institution"],
        "recipient_kinds": by_type["participant_kind"],
        "purposes": consent.purposes,
        "data_categories": consent.data_categories,
        "valid_from": consent.valid_from,
        "valid_until": consent.valid_until,
        "form": consent.form,
        "witness": consent.witness,
    }


def revoke_consent(consent_id: uuid.UUID):
    """Record a Widerruf; it takes effect at once."""
    consent = get_or_404(Consent, consent_id)
    case = get_or_404(Case, consent.case_id)
    access.require("consent.record", case)
    form = RevokeForm(received_by=str(current_user.id))
    form.received_by.choices = [(str(u.id), u.display_name) for u in queries.case_managers()]
    if form.validate_on_submit():
        try:
            operations.revoke_consent(
                case,
                consent,
                revoked_on=form.revoked_on.data,
                received_by=db.session.get(User, uuid.UUID(form.received_by.data)),
                note=form.note.data,
                actor=current_user,
            )
        except operations.ConsentError as exc:
            form.form_errors.append(str(exc))
        else:
            flash(
                _("Widerruf erfasst; die Schweigepflichtsentbindung gilt ab sofort nicht mehr."),
                "success",
            )
            return redirect(url_for("cases.show_case", case_id=case.id) + "#einwilligungen")
    return render_template("consent/revoke.html", case=case, consent=consent, form=form)


def download_document(consent_id: uuid.UUID):
    """The signed document, to the fallführende Fachkraft only (an audited export)."""
    consent = get_or_404(Consent, consent_id)
    case = get_or_404(Case, consent.case_id)
    access.require("consent.record", case)
    if not consent.document:
        raise NotFound()
    return send_document(
        consent,
        content=consent.document,
        media_type=consent.document_type,
        name=f"Schweigepflichtsentbindung-{case.pseudonym}",
        case_pseudonym=case.pseudonym,
        purpose="Schweigepflichtsentbindung (Dokument)",
    )
