"""URL rules of the agenda pages."""

from flask import Blueprint

from fallteam.meetings.views import agenda as views

bp = Blueprint("agenda", __name__)

bp.add_url_rule(
    "/faelle/<uuid:case_id>/anmelden", "register_case", views.register_case, methods=["GET", "POST"]
)
bp.add_url_rule(
    "/sitzungen/<uuid:meeting_id>/nachmelden",
    "add_late_item",
    views.add_late_item,
    methods=["GET", "POST"],
)
bp.add_url_rule("/tagesordnung/<uuid:item_id>", "show_item", views.show_item)
bp.add_url_rule(
    "/tagesordnung/<uuid:item_id>/bearbeiten", "edit_item", views.edit_item, methods=["GET", "POST"]
)
bp.add_url_rule(
    "/tagesordnung/<uuid:item_id>/zurueckziehen",
    "withdraw_item",
    views.withdraw_item,
    methods=["POST"],
)
bp.add_url_rule(
    "/tagesordnung/<uuid:item_id>/gaeste", "add_guest", views.add_guest, methods=["POST"]
)
bp.add_url_rule(
    "/tagesordnung/<uuid:item_id>/gaeste/extern",
    "add_outside_guest",
    views.add_outside_guest,
    methods=["POST"],
)
bp.add_url_rule(
    "/tagesordnung/<uuid:item_id>/gaeste/<uuid:guest_id>/entfernen",
    "remove_guest",
    views.remove_guest,
    methods=["POST"],
)
bp.add_url_rule(
    "/tagesordnung/<uuid:item_id>/unterlagen", "add_document", views.add_document, methods=["POST"]
)
bp.add_url_rule(
    "/tagesordnung/<uuid:item_id>/unterlagen/<uuid:document_id>",
    "download_document",
    views.download_document,
)
bp.add_url_rule(
    "/tagesordnung/<uuid:item_id>/unterlagen/<uuid:document_id>/entfernen",
    "remove_document",
    views.remove_document,
    methods=["POST"],
)
