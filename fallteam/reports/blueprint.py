"""URL rules of the reports: the DPO's under ``/datenschutz``, the owner's Art. 15 answer
under the owner's case."""

from flask import Blueprint

from fallteam.reports import views

bp = Blueprint("reports", __name__)

bp.add_url_rule(
    "/datenschutz/auskunft",
    "dpo_subject_access",
    views.dpo_subject_access,
    methods=["GET", "POST"],
)
bp.add_url_rule(
    "/datenschutz/auskunft/pdf",
    "download_dpo_subject_access",
    views.download_dpo_subject_access,
    methods=["POST"],
)
bp.add_url_rule(
    "/faelle/<uuid:case_id>/auskunft",
    "owner_subject_access",
    views.owner_subject_access,
    methods=["GET", "POST"],
)
bp.add_url_rule(
    "/faelle/<uuid:case_id>/auskunft/pdf",
    "download_owner_subject_access",
    views.download_owner_subject_access,
    methods=["POST"],
)
bp.add_url_rule(
    "/datenschutz/verarbeitungsverzeichnis",
    "show_processing_record",
    views.show_processing_record,
)
bp.add_url_rule(
    "/datenschutz/verarbeitungsverzeichnis.pdf",
    "download_processing_record",
    views.download_processing_record,
)
