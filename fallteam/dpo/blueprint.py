"""URL rules of the DPO's workspace (``/datenschutz``)."""

from flask import Blueprint

from fallteam.dpo.views import chain, reports, workspace

bp = Blueprint("dpo", __name__, url_prefix="/datenschutz")

bp.add_url_rule("/", "show_workspace", workspace.show_workspace)
bp.add_url_rule("/kette/pruefen", "verify_chain", chain.verify_chain, methods=["POST"])
bp.add_url_rule("/kette/checkpoints", "download_checkpoints", chain.download_checkpoints)
bp.add_url_rule("/faelle", "open_case_report", reports.open_case_report)
bp.add_url_rule("/faelle/<pseudonym>", "case_report", reports.case_report)
bp.add_url_rule("/auffaelligkeiten", "list_anomalies", reports.list_anomalies)
bp.add_url_rule("/offenlegungen", "list_disclosures", reports.list_disclosures)
