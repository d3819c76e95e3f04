"""German error pages (and JSON errors for API clients) that reveal nothing internal."""

from __future__ import annotations

from flask import Flask, current_app, g, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import Forbidden, HTTPException, InternalServerError

from fallteam.audit.models import AuditAction, Outcome
from fallteam.audit.operations import record
from fallteam.core.database import UNAVAILABLE_ERRORS, unavailable
from fallteam.core.lifecycle import rollback_quietly
from fallteam.extensions import db

#: status -> (title, explanation) shown to people; never the exception text
MESSAGES = {
    400: (
        _l("Ungültige Anfrage"),
        _l("Die Anfrage war unvollständig oder fehlerhaft. Bitte versuchen Sie es erneut."),
    ),
    403: (
        _l("Kein Zugriff"),
        _l("Sie haben keine Berechtigung für diese Seite. Der Versuch wurde protokolliert."),
    ),
    404: (
        _l("Seite nicht gefunden"),
        _l("Diese Seite gibt es nicht oder nicht mehr."),
    ),
    405: (
        _l("Aktion nicht erlaubt"),
        _l("Diese Aktion ist auf dieser Seite nicht möglich."),
    ),
    413: (
        _l("Datei zu groß"),
        _l("Die hochgeladene Datei überschreitet die erlaubte Größe."),
    ),
    429: (
        _l("Zu viele Anfragen"),
        _l("Bitte warten Sie einige Minuten, bevor Sie es erneut versuchen."),
    ),
    500: (
        _l("Interner Fehler"),
        _l("Etwas ist schiefgegangen. Es wurde nichts gespeichert. Bitte versuchen Sie es erneut."),
    ),
    503: (
        _l("Fallteam ist vorübergehend nicht erreichbar"),
        _l(
            "Die Datenbank antwortet gerade nicht. Bitte versuchen Sie es in einigen Minuten "
            "erneut und prüfen Sie dann, ob Ihre letzte Änderung gespeichert ist."
        ),
    ),
}

#: seconds a client is asked to wait before trying again while the database is unavailable
RETRY_AFTER_SECONDS = 30

CSRF_MESSAGE = _l(
    "Das Formular ist abgelaufen oder stammt nicht von dieser Seite. Bitte laden Sie die Seite "
    "neu und senden Sie es erneut."
)


def _wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return (
        best == "application/json"
        and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]
    )


def render_error(status: int, message: str | None = None):
    """The response for ``status`` as a page, or as JSON where the client asks for JSON."""
    title, text = MESSAGES.get(status, MESSAGES[500])
    text = message or text
    if _wants_json():
        return {"error": {"status": status, "title": str(title), "message": str(text)}}, status
    return render_template("errors/error.html", status=status, title=title, text=text), status


def answer_unavailable(exc: Exception):
    """The 503 page (or JSON) while the database cannot be reached: logged in one line (an
    outage would otherwise fill the log with tracebacks), the request's work rolled back,
    and rendered for an anonymous visitor: who is signed in cannot be asked of the
    database now (the session cookie stays, so the person is still signed in afterwards)."""
    current_app.logger.warning(
        "database unavailable on %s %s: %s: %s",
        request.method,
        request.path,
        type(exc).__name__,
        # the first line only: SQLAlchemy's next lines carry the statement's parameters
        str(exc).splitlines()[0] if str(exc) else "",
    )
    rollback_quietly()
    g._login_user = current_app.login_manager.anonymous_user()  # what Flask-Login reads
    body, status = render_error(503)
    return body, status, {"Retry-After": str(RETRY_AFTER_SECONDS)}


def record_refusal(exc: Forbidden) -> None:
    """Audit a refusal in its own transaction: whatever the request began is rolled back,
    the refusal itself is kept."""
    rollback_quietly()
    permission = getattr(exc, "permission", None)
    obj = getattr(exc, "obj", None)
    record(
        AuditAction.REFUSE,
        obj,
        outcome=Outcome.DENIED,
        purpose=permission,
        actor=current_user if current_user.is_authenticated else None,
        details={"endpoint": request.endpoint, "method": request.method},
    )
    db.session.commit()


def init_app(app: Flask) -> None:
    """Register the handlers."""

    @app.errorhandler(Forbidden)
    def _refused(exc: Forbidden):
        record_refusal(exc)
        return render_error(403)

    @app.errorhandler(CSRFError)
    def _csrf(exc: CSRFError):
        return render_error(400, str(CSRF_MESSAGE))

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        if exc.code is None or exc.code < 400:
            return exc
        # A failure outside the view (the commit in an after-request hook, an error handler
        # that writes) reaches Flask's last resort as a 500 that carries it.
        original = getattr(exc, "original_exception", None)
        if original is not None and unavailable(original):
            return answer_unavailable(original)
        rollback_quietly()  # nothing of a failed request is kept (the page may query)
        return render_error(exc.code if exc.code in MESSAGES else 500)

    def _database_error(exc: Exception):
        if unavailable(exc):
            return answer_unavailable(exc)
        return _unexpected(exc)

    for error in UNAVAILABLE_ERRORS:
        app.register_error_handler(error, _database_error)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        try:
            # The error may have left the transaction broken (a failed flush, an aborted
            # PostgreSQL transaction); the page loads the signed-in user, so roll back first.
            # The rollback itself fails when the connection is lost.
            db.session.rollback()
            return render_error(InternalServerError.code)
        except Exception:
            # Still a German answer, through the after-request hooks (security headers).
            app.logger.exception("the error page failed on %s %s", request.method, request.path)
            rollback_quietly()
            title, text = MESSAGES[500]
            return f"{title}: {text}", 500, {"Content-Type": "text/plain; charset=utf-8"}
