"""URL rules of the consent pages."""

from flask import Blueprint

from fallteam.consent import views

bp = Blueprint("consent", __name__)

bp.add_url_rule(
    "/faelle/<uuid:case_id>/einwilligungen/neu",
    "record_consent",
    views.record_consent,
    methods=["GET", "POST"],
)
bp.add_url_rule(
    "/einwilligungen/<uuid:consent_id>/korrigieren",
    "correct_consent",
    views.correct_consent,
    methods=["GET", "POST"],
)
bp.add_url_rule(
    "/einwilligungen/<uuid:consent_id>/widerrufen",
    "revoke_consent",
    views.revoke_consent,
    methods=["GET", "POST"],
)
bp.add_url_rule(
    "/einwilligungen/<uuid:consent_id>/dokument", "download_document", views.download_document
)
