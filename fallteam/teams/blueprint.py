"""URL rules of the team pages."""

from flask import Blueprint

from fallteam.teams import views

bp = Blueprint("teams", __name__, url_prefix="/fallteams")

bp.add_url_rule("", "list_teams", views.list_teams)
bp.add_url_rule("/neu", "create_team", views.create_team, methods=["GET", "POST"])
bp.add_url_rule("/<uuid:team_id>", "show_team", views.show_team)
bp.add_url_rule("/<uuid:team_id>/mitglieder", "add_member", views.add_member, methods=["POST"])
bp.add_url_rule(
    "/<uuid:team_id>/mitglieder/<uuid:member_id>/entfernen",
    "remove_member",
    views.remove_member,
    methods=["POST"],
)
bp.add_url_rule("/<uuid:team_id>/abwesenheiten", "add_absence", views.add_absence, methods=["POST"])
