"""URL rules of the retention pages: the owner's on the case (``/faelle/…``), the DPO's in
the workspace (``/datenschutz/loeschungen``, ``/datenschutz/sperrungen``)."""

from flask import Blueprint

from fallteam.retention import views

bp = Blueprint("retention", __name__)

bp.add_url_rule(
    "/faelle/<uuid:case_id>/zugriffsgrund",
    "give_reason",
    views.give_reason,
    methods=["GET", "POST"],
)
bp.add_url_rule(
    "/faelle/<uuid:case_id>/sperrung",
    "request_restriction",
    views.request_restriction,
    methods=["POST"],
)
bp.add_url_rule("/datenschutz/loeschungen", "show_retention", views.show_retention)
bp.add_url_rule(
    "/datenschutz/loeschungen/<uuid:proposal_id>/bestaetigen",
    "confirm_proposal",
    views.confirm_proposal,
    methods=["POST"],
)
bp.add_url_rule(
    "/datenschutz/loeschungen/<uuid:proposal_id>/ablehnen",
    "reject_proposal",
    views.reject_proposal,
    methods=["POST"],
)
bp.add_url_rule(
    "/datenschutz/loeschungen/nachweise/<uuid:certificate_id>",
    "show_certificate",
    views.show_certificate,
)
bp.add_url_rule(
    "/datenschutz/loeschungen/nachweise/<uuid:certificate_id>.json",
    "download_certificate",
    views.download_certificate,
)
bp.add_url_rule(
    "/datenschutz/loeschungen/teamprotokolle/<uuid:team_proposal_id>/bestaetigen",
    "confirm_team_protocol_proposal",
    views.confirm_team_protocol_proposal,
    methods=["POST"],
)
bp.add_url_rule(
    "/datenschutz/loeschungen/teamprotokolle/<uuid:team_proposal_id>/ablehnen",
    "reject_team_protocol_proposal",
    views.reject_team_protocol_proposal,
    methods=["POST"],
)
bp.add_url_rule(
    "/datenschutz/loeschungen/teamprotokolle/nachweise/<uuid:team_certificate_id>",
    "show_team_protocol_certificate",
    views.show_team_protocol_certificate,
)
bp.add_url_rule("/datenschutz/sperrungen", "restrict_case", views.restrict_case, methods=["POST"])
bp.add_url_rule(
    "/datenschutz/sperrungen/<uuid:case_id>/genehmigen",
    "approve_restriction",
    views.approve_restriction,
    methods=["POST"],
)
bp.add_url_rule(
    "/datenschutz/sperrungen/<uuid:case_id>/ablehnen",
    "decline_restriction",
    views.decline_restriction,
    methods=["POST"],
)
bp.add_url_rule(
    "/datenschutz/sperrungen/<uuid:case_id>/aufheben",
    "lift_restriction",
    views.lift_restriction,
    methods=["POST"],
)
