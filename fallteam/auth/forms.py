"""Forms of sign-in and the own account (CSRF-protected by Flask-WTF)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length, Regexp

from fallteam.core.forms import BaseForm

_REQUIRED = _l("Bitte ausfüllen.")


class SignInForm(BaseForm):
    """First step: name and password."""

    username = StringField(
        _l("Benutzername"),
        validators=[DataRequired(_REQUIRED), Length(max=80)],
        render_kw={"autocomplete": "username", "autofocus": True},
    )
    password = PasswordField(
        _l("Passwort"),
        validators=[DataRequired(_REQUIRED), Length(max=1024)],
        render_kw={"autocomplete": "current-password"},
    )
    submit = SubmitField(_l("Weiter"))


class SecondFactorForm(BaseForm):
    """Second step: the six-digit code from the authenticator app."""

    code = StringField(
        _l("Code aus der Authenticator-App"),
        validators=[
            DataRequired(_REQUIRED),
            Regexp(r"^\s*\d{3}\s?\d{3}\s*$", message=_l("Der Code besteht aus 6 Ziffern.")),
        ],
        render_kw={
            "autocomplete": "one-time-code",
            "inputmode": "numeric",
            "autofocus": True,
        },
    )
    submit = SubmitField(_l("Anmelden"))


class RecoveryCodeForm(BaseForm):
    """Second step without the phone: one recovery code."""

    code = StringField(
        _l("Wiederherstellungscode"),
        validators=[DataRequired(_REQUIRED), Length(max=40)],
        render_kw={"autocomplete": "off", "autofocus": True},
    )
    submit = SubmitField(_l("Anmelden"))


class ChangePasswordForm(BaseForm):
    """Replace the own password."""

    current_password = PasswordField(
        _l("Bisheriges Passwort"),
        validators=[DataRequired(_REQUIRED)],
        render_kw={"autocomplete": "current-password"},
    )
    new_password = PasswordField(
        _l("Neues Passwort"),
        validators=[DataRequired(_REQUIRED), Length(max=1024)],
        render_kw={"autocomplete": "new-password"},
    )
    confirm_password = PasswordField(
        _l("Neues Passwort wiederholen"),
        validators=[
            DataRequired(_REQUIRED),
            EqualTo("new_password", message=_l("Die beiden Eingaben stimmen nicht überein.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )
    submit = SubmitField(_l("Passwort ändern"))


class ConfirmPasswordForm(BaseForm):
    """Confirm a sensitive action with the current password."""

    password = PasswordField(
        _l("Passwort zur Bestätigung"),
        validators=[DataRequired(_REQUIRED)],
        render_kw={"autocomplete": "current-password"},
    )
    submit = SubmitField(_l("Neue Wiederherstellungscodes erzeugen"))
