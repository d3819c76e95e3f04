"""One commit per request; an error anywhere leaves the database as it was."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from fallteam.auth.models import SignInFailure
from fallteam.auth.operations import record_failure
from fallteam.core.models import utcnow
from fallteam.extensions import db


def test_a_failing_request_saves_nothing_and_shows_a_german_page(app, client):
    def failing_view():
        record_failure("halbfertig", reason="password")
        db.session.flush()  # the write reached the database before the error
        assert db.session.scalar(
            select(SignInFailure).where(SignInFailure.username == "halbfertig")
        )
        raise RuntimeError("geheimes Detail aus dem Inneren")

    original = app.view_functions["home.check_health"]
    app.view_functions["home.check_health"] = failing_view
    try:
        response = client.get("/healthz", headers={"Accept": "text/html"})
    finally:
        app.view_functions["home.check_health"] = original
    text = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Interner Fehler" in text and "Es wurde nichts gespeichert" in text
    assert "geheimes Detail" not in text and "Traceback" not in text
    with app.app_context():
        assert (
            db.session.scalars(
                select(SignInFailure).where(SignInFailure.username == "halbfertig")
            ).all()
            == []
        )


def test_an_error_inside_a_broken_transaction_still_gets_the_whole_error_page(app, signed_in):
    """A failed flush leaves the transaction broken; the error page (which loads the signed-in
    user) must not use it: it rolls back first, or the visitor gets a bare page without the
    security headers."""
    client, _ = signed_in(["member"])

    def failing_view():
        db.session.add(SignInFailure(username="halbfertig", attempted_dt=utcnow()))
        db.session.add(SignInFailure(username=None, attempted_dt=utcnow()))  # NOT NULL
        try:
            db.session.flush()
        except IntegrityError:
            pass  # a careless caller goes on with a broken transaction
        raise RuntimeError("Folgefehler")

    original = app.view_functions["home.check_health"]
    app.view_functions["home.check_health"] = failing_view
    try:
        response = client.get("/healthz", headers={"Accept": "text/html"})
    finally:
        app.view_functions["home.check_health"] = original
    assert response.status_code == 500
    assert "Interner Fehler" in response.get_data(as_text=True)
    assert response.headers["Content-Security-Policy"].startswith("default-src 'self'")
    assert response.headers["X-Frame-Options"] == "DENY"
    with app.app_context():
        assert db.session.scalars(select(SignInFailure)).all() == []


def test_json_clients_get_a_json_error(app, client):
    response = client.get("/gibt-es-nicht", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.json["error"]["title"] == "Seite nicht gefunden"


def test_not_found_page_is_german(app, client):
    response = client.get("/gibt-es-nicht")
    assert response.status_code == 404
    assert "Seite nicht gefunden" in response.get_data(as_text=True)


def test_the_health_check_answers_without_revealing_anything(app, client):
    response = client.get("/healthz")
    assert response.json == {"status": "ok"}


def test_when_even_the_error_page_fails_the_answer_is_german_and_has_the_headers(
    app, client, monkeypatch
):
    def failing_view():
        raise RuntimeError("erster Fehler")

    def failing_page(*args, **kwargs):
        raise RuntimeError("zweiter Fehler")

    monkeypatch.setattr("fallteam.core.errors.render_template", failing_page)
    monkeypatch.setitem(app.view_functions, "home.check_health", failing_view)
    response = client.get("/healthz", headers={"Accept": "text/html"})
    assert response.status_code == 500
    assert response.get_data(as_text=True).startswith("Interner Fehler: Etwas ist schiefgegangen.")
    assert "Fehler" in response.get_data(as_text=True) and "zweiter" not in response.get_data(
        as_text=True
    )
    assert response.headers["X-Frame-Options"] == "DENY"


def test_when_rolling_back_fails_too_the_answer_is_german_and_has_the_headers(
    app, client, monkeypatch
):
    """A lost database connection: the view fails, and so does every rollback."""

    def failing_view():
        raise RuntimeError("Verbindung verloren")

    def failing_rollback():
        raise RuntimeError("Rollback unmöglich")

    monkeypatch.setitem(app.view_functions, "home.check_health", failing_view)
    monkeypatch.setattr(db.session, "rollback", failing_rollback)
    response = client.get("/healthz", headers={"Accept": "text/html"})
    assert response.status_code == 500
    text = response.get_data(as_text=True)
    assert "Interner Fehler" in text and "Rollback" not in text
    assert response.headers["X-Frame-Options"] == "DENY"
