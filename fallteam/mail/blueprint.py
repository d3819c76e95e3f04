"""URL rules of the calendar feed and its account actions."""

from flask import Blueprint

from fallteam.mail import views

bp = Blueprint("mail", __name__)

bp.add_url_rule("/kalender/<token>.ics", "show_calendar_feed", views.show_calendar_feed)
bp.add_url_rule(
    "/konto/kalender", "create_calendar_feed", views.create_calendar_feed, methods=["POST"]
)
bp.add_url_rule(
    "/konto/kalender/widerrufen",
    "revoke_calendar_feed",
    views.revoke_calendar_feed,
    methods=["POST"],
)
