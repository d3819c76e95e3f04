"""URL rules of the administration pages."""

from flask import Blueprint

from fallteam.admin import views

bp = Blueprint("admin", __name__, url_prefix="/admin")

bp.add_url_rule("/benutzer", "list_users", views.list_users)
bp.add_url_rule("/benutzer/neu", "create_user", views.create_user, methods=["GET", "POST"])
bp.add_url_rule("/benutzer/<uuid:user_id>", "edit_user", views.edit_user, methods=["GET", "POST"])
bp.add_url_rule(
    "/benutzer/<uuid:user_id>/deaktivieren",
    "deactivate_user",
    views.deactivate_user,
    methods=["POST"],
)
bp.add_url_rule(
    "/benutzer/<uuid:user_id>/aktivieren",
    "reactivate_user",
    views.reactivate_user,
    methods=["POST"],
)
bp.add_url_rule(
    "/benutzer/<uuid:user_id>/zweiter-faktor-zuruecksetzen",
    "reset_second_factor",
    views.reset_second_factor,
    methods=["POST"],
)
bp.add_url_rule(
    "/benutzer/<uuid:user_id>/passwort-zuruecksetzen",
    "reset_password",
    views.reset_password,
    methods=["POST"],
)
bp.add_url_rule("/policy", "show_policy", views.show_policy)
bp.add_url_rule("/institutionen", "list_institutions", views.list_institutions)
bp.add_url_rule("/institutionen", "add_institution", views.add_institution, methods=["POST"])
bp.add_url_rule(
    "/institutionen/<uuid:institution_id>",
    "edit_institution",
    views.edit_institution,
    methods=["GET", "POST"],
)
bp.add_url_rule(
    "/institutionen/<uuid:institution_id>/deaktivieren",
    "deactivate_institution",
    views.deactivate_institution,
    methods=["POST"],
)
bp.add_url_rule(
    "/institutionen/<uuid:institution_id>/aktivieren",
    "reactivate_institution",
    views.reactivate_institution,
    methods=["POST"],
)
