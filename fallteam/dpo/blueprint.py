"""URL rules of the DPO's workspace (``/datenschutz``)."""

from flask import Blueprint

from fallteam.dpo.views import people, search, workspace

bp = Blueprint("dpo", __name__, url_prefix="/datenschutz")

bp.add_url_rule("/", "show_workspace", workspace.show_workspace)
bp.add_url_rule("/protokoll", "search_audit", search.search_audit)
bp.add_url_rule("/protokoll.csv", "export_audit_csv", search.export_audit_csv)
bp.add_url_rule("/protokoll.json", "export_audit_json", search.export_audit_json)
bp.add_url_rule("/personen/<uuid:user_id>", "person_activity", people.person_activity)
