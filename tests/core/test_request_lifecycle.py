"""One commit per request; an error anywhere leaves the database as it was."""

from __future__ import annotations

from sqlalchemy import select

from fallteam.auth.models import SignInFailure
from fallteam.auth.operations import record_failure
from fallteam.extensions import db


def test_a_failing_request_saves_nothing_and_shows_a_german_page(app, client):
    def failing_view():
        record_failure("halbfertig")
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
