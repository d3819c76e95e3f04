"""User administration and the policy matrix. Administrators see no case content."""

from __future__ import annotations

import uuid

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import NotFound

from fallteam import access
from fallteam.admin.forms import InstitutionForm, NewUserForm, UserForm
from fallteam.auth import institutions, operations
from fallteam.auth.models import Institution, User
from fallteam.core.forms import ActionForm
from fallteam.extensions import db


def _load_user(user_id: uuid.UUID) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound()
    return user


def _institution(form) -> Institution | None:
    """The institution chosen in the form (one of the offered ids, or none)."""
    chosen = form.institution_id.data
    return db.session.get(Institution, uuid.UUID(chosen)) if chosen else None


def list_users():
    """All accounts with their roles and state."""
    access.require("admin.users.manage")
    return render_template(
        "admin/users.html", users=operations.list_users(), action_form=ActionForm()
    )


def create_user():
    """A new account; its one-time password is shown once, here."""
    access.require("admin.users.manage")
    form = NewUserForm()
    if form.validate_on_submit():
        try:
            user, one_time = operations.create_user(
                username=form.username.data,
                display_name=form.display_name.data,
                email=form.email.data,
                roles=form.roles.data,
                institution=_institution(form),
            )
        except operations.AccountError as exc:
            form.username.errors.append(str(exc))
        else:
            return render_template("admin/one_time_password.html", user=user, password=one_time)
    return render_template("admin/user_form.html", form=form, user=None)


def edit_user(user_id: uuid.UUID):
    """Name, address and roles of an account."""
    access.require("admin.users.manage")
    user = _load_user(user_id)
    form = UserForm(obj=user, roles=user.role_names)
    if form.validate_on_submit():
        try:
            operations.update_user(
                user,
                display_name=form.display_name.data,
                email=form.email.data,
                roles=form.roles.data,
                institution=_institution(form),
            )
        except operations.AccountError as exc:
            form.roles.errors.append(str(exc))
        else:
            flash(_("Änderungen gespeichert."), "success")
            return redirect(url_for("admin.list_users"))
    return render_template("admin/user_form.html", form=form, user=user, action_form=ActionForm())


def _account_action(user_id: uuid.UUID, change, done: str):
    access.require("admin.users.manage")
    user = _load_user(user_id)
    try:
        change(user)
    except operations.AccountError as exc:
        flash(str(exc), "error")
    else:
        flash(done, "success")
    return redirect(url_for("admin.edit_user", user_id=user.id))


def deactivate_user(user_id: uuid.UUID):
    """Lock an account; its sessions end at once."""
    return _account_action(
        user_id,
        lambda u: operations.deactivate_user(u, actor=current_user),
        _("Konto deaktiviert; alle Sitzungen wurden beendet."),
    )


def reactivate_user(user_id: uuid.UUID):
    """Allow a locked account to sign in again."""
    return _account_action(user_id, operations.reactivate_user, _("Konto wieder aktiviert."))


def reset_second_factor(user_id: uuid.UUID):
    """The user sets up the authenticator app again at the next sign-in."""
    return _account_action(
        user_id,
        operations.reset_second_factor,
        _("Zweiter Faktor zurückgesetzt; er wird beim nächsten Einloggen neu eingerichtet."),
    )


def reset_password(user_id: uuid.UUID):
    """A new one-time password, shown once."""
    access.require("admin.users.manage")
    user = _load_user(user_id)
    one_time = operations.reset_password(user)
    return render_template("admin/one_time_password.html", user=user, password=one_time)


def show_policy():
    """The roles x permissions matrix, as the application enforces it."""
    access.require("admin.policy.view")
    return render_template("admin/policy.html", policy=access.policy())


def list_institutions():
    """The one list of institutions accounts and consents refer to."""
    access.require("admin.users.manage")
    return _institutions_page(InstitutionForm(prefix="neu"))


def _institutions_page(form: InstitutionForm):
    return render_template(
        "admin/institutions.html",
        institutions=institutions.all_institutions(),
        form=form,
        action_form=ActionForm(),
    )


def add_institution():
    """A new entry (e.g. a freier Träger by name)."""
    access.require("admin.users.manage")
    form = InstitutionForm(prefix="neu")
    if form.validate_on_submit():
        try:
            institutions.add_institution(form.name.data)
        except institutions.InstitutionError as exc:
            form.name.errors.append(str(exc))
        else:
            flash(_("Institution hinzugefügt."), "success")
            return redirect(url_for("admin.list_institutions"))
    return _institutions_page(form)


def _load_institution(institution_id: uuid.UUID) -> Institution:
    return db.get_or_404(Institution, institution_id)


def edit_institution(institution_id: uuid.UUID):
    """A new name; accounts and consents keep referring to the same entry."""
    access.require("admin.users.manage")
    institution = _load_institution(institution_id)
    form = InstitutionForm(obj=institution)
    if form.validate_on_submit():
        try:
            institutions.rename_institution(institution, form.name.data)
        except institutions.InstitutionError as exc:
            form.name.errors.append(str(exc))
        else:
            flash(_("Name geändert."), "success")
            return redirect(url_for("admin.list_institutions"))
    return render_template("admin/institution_form.html", institution=institution, form=form)


def deactivate_institution(institution_id: uuid.UUID):
    """No longer offered for new accounts and consents."""
    access.require("admin.users.manage")
    institutions.set_institution_active(_load_institution(institution_id), False)
    flash(_("Institution deaktiviert; sie wird nicht mehr zur Auswahl angeboten."), "success")
    return redirect(url_for("admin.list_institutions"))


def reactivate_institution(institution_id: uuid.UUID):
    """Offered again."""
    access.require("admin.users.manage")
    institutions.set_institution_active(_load_institution(institution_id), True)
    flash(_("Institution wieder aktiviert."), "success")
    return redirect(url_for("admin.list_institutions"))
