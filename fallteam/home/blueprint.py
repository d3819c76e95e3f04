"""URL rules of the start page, the language switch and the health check."""

from flask import Blueprint

from fallteam.home import views

bp = Blueprint("home", __name__)

bp.add_url_rule("/", "start", views.start)
bp.add_url_rule("/sprache", "set_language", views.set_language, methods=["POST"])
bp.add_url_rule("/healthz", "check_health", views.check_health)
