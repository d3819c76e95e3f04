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
