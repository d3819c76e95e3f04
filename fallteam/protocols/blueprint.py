"""URL rules of the Fallprotokoll pages."""

from flask import Blueprint

from fallteam.protocols import views

bp = Blueprint("protocols", __name__)

bp.add_url_rule(
    "/tagesordnung/<uuid:item_id>/fallprotokoll",
    "open_for_item",
    views.open_for_item,
    methods=["POST"],
)
bp.add_url_rule(
    "/protokolle/<uuid:protocol_id>",
    "show_protocol",
    views.show_protocol,
    methods=["GET", "POST"],
)
bp.add_url_rule(
    "/protokolle/<uuid:protocol_id>/entwurf", "autosave", views.autosave, methods=["POST"]
)
bp.add_url_rule(
    "/protokolle/<uuid:protocol_id>/einreichen",
    "submit_protocol",
    views.submit_protocol,
    methods=["POST"],
)
bp.add_url_rule(
    "/protokolle/<uuid:protocol_id>/abschliessen",
    "finalise_protocol",
    views.finalise_protocol,
    methods=["POST"],
)
bp.add_url_rule(
    "/protokolle/<uuid:protocol_id>/nachtrag",
    "add_addendum",
    views.add_addendum,
    methods=["POST"],
)
bp.add_url_rule("/protokolle/<uuid:protocol_id>/verlauf", "show_history", views.show_history)
bp.add_url_rule(
    "/protokolle/<uuid:protocol_id>/auszug", "excerpt", views.excerpt, methods=["GET", "POST"]
)
bp.add_url_rule("/faelle/<uuid:case_id>/verlauf", "case_history", views.case_history)
bp.add_url_rule(
    "/sitzungen/<uuid:meeting_id>/teamprotokoll",
    "show_team_protocol",
    views.show_team_protocol,
    methods=["GET", "POST"],
)
bp.add_url_rule(
    "/sitzungen/<uuid:meeting_id>/teamprotokoll/abschliessen",
    "finalise_team_protocol",
    views.finalise_team_protocol,
    methods=["POST"],
)
bp.add_url_rule(
    "/sitzungen/<uuid:meeting_id>/teamprotokoll/nachtrag",
    "add_team_addendum",
    views.add_team_addendum,
    methods=["POST"],
)
bp.add_app_template_global(views.may_open_protocol, "may_open_protocol")
