"""URL rules of the DPO's workspace (``/datenschutz``)."""

from flask import Blueprint

from fallteam.dpo.views import chain, people, reports, search, workspace

bp = Blueprint("dpo", __name__, url_prefix="/datenschutz")

bp.add_url_rule("/", "show_workspace", workspace.show_workspace)
bp.add_url_rule("/kette/pruefen", "verify_chain", chain.verify_chain, methods=["POST"])
bp.add_url_rule("/kette/checkpoints", "download_checkpoints", chain.download_checkpoints)
bp.add_url_rule("/faelle", "open_case_report", reports.open_case_report)
bp.add_url_rule("/faelle/<pseudonym>", "case_report", reports.case_report)
bp.add_url_rule("/auffaelligkeiten", "list_anomalies", reports.list_anomalies)
bp.add_url_rule("/offenlegungen", "list_disclosures", reports.list_disclosures)
bp.add_url_rule("/protokoll", "search_audit", search.search_audit)
bp.add_url_rule("/protokoll.csv", "export_audit_csv", search.export_audit_csv)
bp.add_url_rule("/protokoll.json", "export_audit_json", search.export_audit_json)
bp.add_url_rule("/personen/<uuid:user_id>", "person_activity", people.person_activity)
