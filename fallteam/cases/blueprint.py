"""URL rules of the case pages."""

from flask import Blueprint

from fallteam.cases import views

bp = Blueprint("cases", __name__, url_prefix="/faelle")

bp.add_url_rule("", "list_cases", views.list_cases)
bp.add_url_rule("/neu", "register_case", views.register_case, methods=["GET", "POST"])
bp.add_url_rule("/<uuid:case_id>", "show_case", views.show_case)
bp.add_url_rule("/<uuid:case_id>/bearbeiten", "edit_case", views.edit_case, methods=["GET", "POST"])
bp.add_url_rule(
    "/<uuid:case_id>/personen/neu", "add_member", views.add_member, methods=["GET", "POST"]
)
bp.add_url_rule(
    "/<uuid:case_id>/personen/<uuid:member_id>",
    "edit_member",
    views.edit_member,
    methods=["GET", "POST"],
)
bp.add_url_rule("/<uuid:case_id>/beziehungen", "add_relation", views.add_relation, methods=["POST"])
bp.add_url_rule(
    "/<uuid:case_id>/beziehungen/<uuid:relation_id>/loeschen",
    "delete_relation",
    views.delete_relation,
    methods=["POST"],
)
bp.add_url_rule("/<uuid:case_id>/ressourcen", "add_resource", views.add_resource, methods=["POST"])
bp.add_url_rule(
    "/<uuid:case_id>/ressourcen/<uuid:resource_id>/loeschen",
    "delete_resource",
    views.delete_resource,
    methods=["POST"],
)
bp.add_url_rule(
    "/<uuid:case_id>/uebertragen", "transfer_case", views.transfer_case, methods=["POST"]
)
bp.add_url_rule(
    "/<uuid:case_id>/teilnehmende", "add_participant", views.add_participant, methods=["POST"]
)
bp.add_url_rule(
    "/<uuid:case_id>/teilnehmende/<uuid:participant_id>/beenden",
    "end_participant",
    views.end_participant,
    methods=["POST"],
)
bp.add_url_rule("/<uuid:case_id>/abschliessen", "close_case", views.close_case, methods=["POST"])
bp.add_url_rule(
    "/<uuid:case_id>/wieder-oeffnen", "reopen_case", views.reopen_case, methods=["POST"]
)
bp.add_url_rule(
    "/<uuid:case_id>/bestritten", "mark_disputed", views.mark_disputed, methods=["POST"]
)
