"""Who is signed in: the login token in the session, timeouts, and the half-finished sign-in.

The session cookie is signed by Flask and carries no server state, so every worker and host
reads it the same way. It holds the user's rotating login token (never the primary key):
rotating the token ends every session of that user at once.
"""

from __future__ import annotations

import re
import time
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, current_app, flash, redirect, request, session, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user, logout_user

from fallteam.auth import operations
from fallteam.auth.models import User
from fallteam.core.i18n import LANGUAGE_SESSION_KEY
from fallteam.extensions import login_manager

_UNSAFE_IN_PATH = re.compile(r"[\x00-\x20\x7f\\]")

PENDING_KEY = "pending_sign_in"
SIGNED_IN_AT_KEY = "signed_in_at"
LAST_SEEN_KEY = "last_seen"
#: how long the second step of a sign-in may take
PENDING_SECONDS = 300

#: endpoints a user who must replace an administrator's password may still reach
_PASSWORD_CHANGE_ALLOWED = {"auth.change_password", "auth.sign_out", "home.set_language", "static"}


def begin_sign_in(user: User, next_url: str | None = None) -> None:
    """Password accepted: remember whom the second factor is for, in a fresh session."""
    _fresh_session()
    session[PENDING_KEY] = {"token": user.login_token, "since": time.time(), "next": next_url}


def pending_user() -> User | None:
    """The user between password and second factor, if that step has not timed out."""
    pending: dict[str, Any] | None = session.get(PENDING_KEY)
    if not pending or time.time() - pending.get("since", 0) > PENDING_SECONDS:
        return None
    return operations.find_user_by_login_token(pending["token"])


def finish_sign_in(user: User, *, method: str) -> str:
    """Both factors passed: start a new session for ``user``; return where to go next."""
    pending = session.get(PENDING_KEY) or {}
    renew_session(user)
    operations.complete_sign_in(user, method=method)
    return safe_next(pending.get("next"))


def renew_session(user: User) -> None:
    """A new session for ``user`` under their current login token."""
    _fresh_session()
    login_user(user)
    now = time.time()
    session[SIGNED_IN_AT_KEY] = now
    session[LAST_SEEN_KEY] = now
    session.permanent = True


def safe_next(target: str | None) -> str:
    """Only paths on this site are followed after sign-in (no open redirect).

    Browsers drop tabs and newlines and read a backslash as a slash, so anything with
    control characters, white space or backslashes is refused outright.
    """
    if (
        target
        and target.startswith("/")
        and not _UNSAFE_IN_PATH.search(target)
        and not target.startswith("//")
        and not urlsplit(target).netloc
        and not urlsplit(target).scheme
    ):
        return target
    return url_for("home.start")


def sign_out() -> None:
    """End this session and every other session of the user."""
    if current_user.is_authenticated:
        operations.sign_out(current_user._get_current_object())
    logout_user()
    _fresh_session()


def leave_after_lockout() -> None:
    """The lockout has already ended every session of the user: leave this one, too (without
    a sign-out event; the lockout is recorded)."""
    logout_user()
    _fresh_session()


def _fresh_session() -> None:
    # Nothing from before survives a change of identity, except the chosen language.
    language = session.get(LANGUAGE_SESSION_KEY)
    session.clear()
    if language:
        session[LANGUAGE_SESSION_KEY] = language


def _load_user(token: str) -> User | None:
    return operations.find_user_by_login_token(token)


def _expiry_reason() -> str | None:
    now = time.time()
    if now - session.get(SIGNED_IN_AT_KEY, 0) > current_app.config["SESSION_MAX_HOURS"] * 3600:
        return "lifetime"
    if now - session.get(LAST_SEEN_KEY, 0) > current_app.config["SESSION_IDLE_MINUTES"] * 60:
        return "idle"
    return None


def _enforce_session_rules():
    if request.endpoint == "static" or not current_user.is_authenticated:
        return None
    reason = _expiry_reason()
    if reason:
        operations.note_session_expired(current_user._get_current_object(), reason=reason)
        logout_user()
        _fresh_session()
        flash(_l("Ihre Sitzung ist abgelaufen. Bitte melden Sie sich erneut an."), "info")
        return redirect(url_for("auth.sign_in"))
    session[LAST_SEEN_KEY] = time.time()
    if current_user.must_change_password and request.endpoint not in _PASSWORD_CHANGE_ALLOWED:
        flash(_l("Bitte legen Sie zuerst ein eigenes Passwort fest."), "info")
        return redirect(url_for("auth.change_password"))
    return None


def init_app(app: Flask) -> None:
    """Bind Flask-Login and the per-request session rules."""
    login_manager.init_app(app)
    login_manager.user_loader(_load_user)
    login_manager.login_view = "auth.sign_in"
    login_manager.login_message = _l("Bitte melden Sie sich an.")
    login_manager.login_message_category = "info"
    # The rotating login token already ends stolen sessions; binding to the address would
    # sign out people whose mobile address changes.
    login_manager.session_protection = None
    app.before_request(_enforce_session_rules)
