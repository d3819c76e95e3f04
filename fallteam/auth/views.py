"""Sign-in in two steps, second-factor set-up, sign-out and the own account."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from fallteam import access
from fallteam.auth import operations, passwords, totp
from fallteam.auth import session as auth_session
from fallteam.auth.forms import (
    ChangePasswordForm,
    ConfirmPasswordForm,
    RecoveryCodeForm,
    SecondFactorForm,
    SignInForm,
)
from fallteam.auth.operations import Confirmation
from fallteam.core.database import ensure_reachable
from fallteam.core.forms import ActionForm
from fallteam.extensions import limiter
from fallteam.mail.feeds import feed_of


def _sign_in_limit() -> str:
    return current_app.config["SIGNIN_RATE_LIMIT"]


def _locked_message() -> str:
    return _(
        "Zu viele Fehlversuche. Bitte warten Sie %(minutes)d Minuten und versuchen Sie es erneut.",
        minutes=current_app.config["SIGNIN_FAILURE_WINDOW_MINUTES"],
    )


def _pending_or_restart():
    """The user halfway through signing in; ``None`` (with a note why) sends them back."""
    user = auth_session.pending_user()
    if user is None and not current_user.is_authenticated:
        flash(_("Das Einloggen hat zu lange gedauert. Bitte beginnen Sie erneut."), "info")
    return user


def _restart_sign_in():
    # Signed-in users who come back here (Back button, reload) belong on the start page.
    if current_user.is_authenticated:
        return redirect(url_for("home.start"))
    return redirect(url_for("auth.sign_in"))


@limiter.limit(_sign_in_limit, methods=["POST"])
def sign_in():
    """Step one: name and password. Unknown names and wrong passwords get the same answer."""
    if current_user.is_authenticated:
        return redirect(url_for("home.start"))
    # Without the database nobody can sign in: say so now, not after the password.
    ensure_reachable()
    form = SignInForm()
    if form.validate_on_submit():
        attempt = operations.check_password(form.username.data, form.password.data)
        if attempt.locked:
            form.form_errors.append(_locked_message())
        elif attempt.user is None:
            form.form_errors.append(_("Benutzername oder Passwort ist falsch."))
        else:
            auth_session.begin_sign_in(attempt.user, request.args.get("next"))
            if attempt.user.totp_confirmed:
                return redirect(url_for("auth.verify_second_factor"))
            return redirect(url_for("auth.set_up_second_factor"))
    return render_template("auth/sign_in.html", form=form)


def _second_step(user, form, check, *, method: str, wrong: str):
    """The code step and the recovery-code step alike: refuse while locked, otherwise sign
    in on a valid code or count a failure. Returns the redirect once signed in."""
    if operations.is_locked(user.username):
        form.form_errors.append(_locked_message())
    elif check(user, form.code.data):
        return redirect(auth_session.finish_sign_in(user, method=method))
    else:
        operations.record_failure(user.username, reason=method, user=user)
        form.code.errors.append(wrong)
    return None


@limiter.limit(_sign_in_limit, methods=["POST"])
def verify_second_factor():
    """Step two: the code from the authenticator app."""
    user = _pending_or_restart()
    if user is None:
        return _restart_sign_in()
    if not user.totp_confirmed:
        return redirect(url_for("auth.set_up_second_factor"))
    form = SecondFactorForm()
    if form.validate_on_submit():
        done = _second_step(
            user,
            form,
            operations.verify_second_factor,
            method="totp",
            wrong=_("Der Code ist falsch oder bereits verwendet."),
        )
        if done:
            return done
    return render_template("auth/second_factor.html", form=form)


def _spend_recovery_code(user, code: str) -> bool:
    if not operations.use_recovery_code(user, code):
        return False
    left = operations.unused_recovery_codes(user)
    flash(_("Wiederherstellungscode verwendet. Verbleibende Codes: %(n)d.", n=left), "info")
    return True


@limiter.limit(_sign_in_limit, methods=["POST"])
def use_recovery_code():
    """Step two without the phone: one of the recovery codes."""
    user = _pending_or_restart()
    if user is None or not user.totp_confirmed:
        return _restart_sign_in()
    form = RecoveryCodeForm()
    if form.validate_on_submit():
        done = _second_step(
            user,
            form,
            _spend_recovery_code,
            method="recovery_code",
            wrong=_("Dieser Code ist ungültig oder bereits verwendet."),
        )
        if done:
            return done
    return render_template("auth/recovery_code.html", form=form)


@limiter.limit(_sign_in_limit, methods=["POST"])
def set_up_second_factor():
    """First sign-in: set up the authenticator app, confirm one code, receive recovery codes."""
    user = _pending_or_restart()
    if user is None:
        return _restart_sign_in()
    if user.totp_confirmed:
        return redirect(url_for("auth.verify_second_factor"))
    form = SecondFactorForm()
    secret = user.totp_secret
    if request.method == "POST" and secret is None and ActionForm().validate():
        operations.start_second_factor_setup(user)
        return redirect(url_for("auth.set_up_second_factor"))
    if secret is not None and form.validate_on_submit():
        if operations.confirm_second_factor(user, form.code.data):
            codes = operations.issue_recovery_codes(user)
            next_url = auth_session.finish_sign_in(user, method="totp_set_up")
            return render_template("auth/recovery_codes.html", codes=codes, next_url=next_url)
        operations.record_failure(user.username, reason="second_factor_set_up", user=user)
        form.code.errors.append(_("Der Code stimmt nicht. Bitte prüfen Sie die Uhrzeit am Gerät."))
    uri = totp.provisioning_uri(secret, user.username) if secret else None
    return render_template(
        "auth/set_up_second_factor.html",
        form=form,
        start_form=ActionForm(),
        secret=secret,
        qr_code=totp.qr_code_data_uri(uri) if uri else None,
    )


def sign_out():
    """End this and every other session of the user."""
    auth_session.sign_out()
    flash(_("Sie sind abgemeldet."), "info")
    return redirect(url_for("auth.sign_in"))


def show_account():
    """The own account: roles, second factor, recovery codes left."""
    access.require("account.use")
    return render_template(
        "auth/account.html",
        recovery_codes_left=operations.unused_recovery_codes(current_user),
        renew_form=ConfirmPasswordForm(),
        feed=feed_of(current_user),
    )


def _locked_out():
    """The failure that locked the account ended its sessions: back to the sign-in page."""
    auth_session.leave_after_lockout()
    flash(
        _(
            "Das Passwort wurde zu oft falsch eingegeben. Sie wurden abgemeldet; das Konto ist "
            "für %(minutes)d Minuten gesperrt.",
            minutes=current_app.config["SIGNIN_FAILURE_WINDOW_MINUTES"],
        ),
        "error",
    )
    return redirect(url_for("auth.sign_in"))


@limiter.limit(_sign_in_limit, methods=["POST"])
def change_password():
    """Replace the own password; every other session ends."""
    access.require("account.use")
    user = current_user._get_current_object()
    form = ChangePasswordForm()
    if form.validate_on_submit():
        confirmation = operations.confirm_password(
            user, form.current_password.data, step="password_change"
        )
        if confirmation is Confirmation.LOCKED_OUT:
            return _locked_out()
        if confirmation is Confirmation.LOCKED:
            form.form_errors.append(_locked_message())
        elif confirmation is Confirmation.WRONG:
            form.current_password.errors.append(_("Das bisherige Passwort stimmt nicht."))
        elif problems := passwords.password_problems(
            form.new_password.data, user.username, user.display_name, user.email.split("@")[0]
        ):
            form.new_password.errors.extend(problems)
        else:
            operations.set_password(user, form.new_password.data, chosen_by_user=True)
            auth_session.renew_session(user)
            flash(_("Ihr Passwort wurde geändert. Andere Sitzungen wurden beendet."), "success")
            return redirect(url_for("auth.show_account"))
    return render_template("auth/change_password.html", form=form)


@limiter.limit(_sign_in_limit, methods=["POST"])
def renew_recovery_codes():
    """New recovery codes after confirming the password; old unused ones stop working."""
    access.require("account.use")
    user = current_user._get_current_object()
    form = ConfirmPasswordForm()
    if not form.validate_on_submit():
        flash(_("Bitte geben Sie Ihr Passwort ein."), "error")
        return redirect(url_for("auth.show_account"))
    confirmation = operations.confirm_password(user, form.password.data, step="recovery_codes")
    if confirmation is Confirmation.LOCKED_OUT:
        return _locked_out()
    if confirmation is Confirmation.CONFIRMED:
        codes = operations.issue_recovery_codes(user)
        return render_template(
            "auth/recovery_codes.html", codes=codes, next_url=url_for("auth.show_account")
        )
    if confirmation is Confirmation.LOCKED:
        flash(_locked_message(), "error")
    else:
        flash(_("Das Passwort stimmt nicht; es wurden keine neuen Codes erzeugt."), "error")
    return redirect(url_for("auth.show_account"))
