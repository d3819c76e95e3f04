"""Language and time zone: German first, English selectable, dates in Europe/Berlin."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import Flask, current_app, has_request_context, session

from fallteam.extensions import babel

LANGUAGE_SESSION_KEY = "lang"


def selected_locale() -> str:
    """The language the visitor chose, German otherwise (also outside a request: a message
    made by a CLI command or a test is German)."""
    chosen = session.get(LANGUAGE_SESSION_KEY) if has_request_context() else None
    if chosen in current_app.config["LANGUAGES"]:
        return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def office_zone() -> ZoneInfo:
    """The office's time zone (Europe/Berlin): sessions keep their wall-clock time across
    daylight saving changes."""
    return ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])


def init_app(app: Flask) -> None:
    """Bind Flask-Babel with the visitor's language and the office's time zone."""
    babel.init_app(
        app,
        locale_selector=selected_locale,
        timezone_selector=lambda: app.config["BABEL_DEFAULT_TIMEZONE"],
        default_translation_directories=str(app.root_path + "/translations"),
    )

    @app.context_processor
    def _languages() -> dict:
        return {"languages": app.config["LANGUAGES"], "current_language": selected_locale()}
