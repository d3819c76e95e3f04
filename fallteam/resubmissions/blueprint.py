"""URL rules of the Wiedervorlage pages."""

from flask import Blueprint

from fallteam.resubmissions import views

bp = Blueprint("resubmissions", __name__)

bp.add_url_rule("/wiedervorlagen", "dashboard", views.dashboard)
bp.add_url_rule(
    "/faelle/<uuid:case_id>/wiedervorlagen",
    "case_resubmissions",
    views.case_resubmissions,
    methods=["GET", "POST"],
)
bp.add_url_rule(
    "/wiedervorlagen/<uuid:resubmission_id>/ergebnis",
    "record_outcome",
    views.record_outcome,
    methods=["POST"],
)
bp.add_url_rule("/fallteams/<uuid:team_id>/wiedervorlagen", "team_dashboard", views.team_dashboard)
bp.add_url_rule(
    "/protokolle/<uuid:protocol_id>/wiedervorlagen",
    "agree_in_protocol",
    views.agree_in_protocol,
    methods=["POST"],
)
bp.add_url_rule(
    "/protokolle/<uuid:protocol_id>/wiedervorlagen/<uuid:resubmission_id>/ergebnis",
    "deal_in_protocol",
    views.deal_in_protocol,
    methods=["POST"],
)
bp.add_app_template_global(views.resubmissions_in_protocol, "resubmissions_in_protocol")
