"""The request lifecycle: one commit per request, rollback on any error, security headers."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask, Response, current_app, g, request, session
from werkzeug.middleware.proxy_fix import ProxyFix

from fallteam.audit.operations import forget_kept, new_request_id, write_kept
from fallteam.extensions import db

#: No inline script or style anywhere: everything the pages need is served by the app.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def rollback_quietly() -> None:
    """Roll back, and only log when even that fails (a lost connection): the error page and
    its headers must still be sent; the session is discarded at the end of the request."""
    try:
        db.session.rollback()
    except Exception:
        current_app.logger.exception("rolling back failed")


def commit_or_rollback(response: Response) -> Response:
    """Commit the request's unit of work once if it succeeded, roll it back otherwise; the
    audit events a refused answer must still leave (``audit.operations.kept_on_rollback``:
    the read behind a 409 that shows content) are written on their own after the rollback."""
    if response.status_code < 400:
        db.session.commit()
        forget_kept()
    else:
        rollback_quietly()
        if response.status_code >= 500:
            discard_session_changes()
        write_kept()
    return response


def discard_session_changes() -> None:
    """A request that saved nothing (500, 503) changes nothing in the session cookie either:
    Flask would otherwise still send what the view put there — a sign-in whose commit failed
    (no SIGN_IN event, the TOTP step not marked used) would leave the browser signed in. The
    session gets back what the request's cookie held — all but the CSRF token, which the
    error page's own forms (the language switch) carry."""
    before = current_app.session_interface.open_session(current_app, request)
    if before is None:  # no usable cookie secret: Flask sends no session at all
        return
    token_key = current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    token = session.get(token_key)
    session.clear()
    session.update(before)
    if token is not None:
        session[token_key] = token
    session.permanent = before.permanent


def rollback_on_error(exc: BaseException | None) -> None:
    """An exception that escaped everything still leaves the database as it was."""
    if exc is not None:
        rollback_quietly()


def assign_request_id() -> None:
    """Every request gets an id, stored with its audit events and returned in a header."""
    g.request_id = new_request_id()


def security_headers(response: Response) -> Response:
    """Headers every response carries; pages are never cached (they may show personal data)."""
    headers = response.headers
    if "request_id" in g:
        headers["X-Request-ID"] = g.request_id
    headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    headers["X-Frame-Options"] = "DENY"
    # Never to another site; to this one, yes: over HTTPS Flask-WTF refuses a form whose
    # request names no same-origin Referer ("no-referrer" made every form fail, sign-in too).
    headers["Referrer-Policy"] = "same-origin"
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
    if request.endpoint != "static":
        headers["Cache-Control"] = "no-store"
        headers["Pragma"] = "no-cache"
    if request.is_secure:
        headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    return response


def init_app(app: Flask) -> None:
    """Install the lifecycle hooks (and ProxyFix when the app runs behind proxies)."""
    hops = app.config["FALLTEAM_PROXY_HOPS"]
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    app.before_request(assign_request_id)
    app.after_request(commit_or_rollback)
    app.after_request(security_headers)
    app.teardown_request(rollback_on_error)


@contextmanager
def unit_of_work() -> Iterator[None]:
    """Outside a request (CLI, jobs): commit once at the end, roll back on any error."""
    try:
        yield
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
