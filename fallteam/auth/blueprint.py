"""URL rules of sign-in and the own account."""

from flask import Blueprint

from fallteam.auth import views

bp = Blueprint("auth", __name__)

bp.add_url_rule("/anmelden", "sign_in", views.sign_in, methods=["GET", "POST"])
bp.add_url_rule(
    "/anmelden/zweiter-faktor",
    "verify_second_factor",
    views.verify_second_factor,
    methods=["GET", "POST"],
)
bp.add_url_rule(
    "/anmelden/wiederherstellungscode",
    "use_recovery_code",
    views.use_recovery_code,
    methods=["GET", "POST"],
)
bp.add_url_rule(
    "/anmelden/zweiter-faktor/einrichten",
    "set_up_second_factor",
    views.set_up_second_factor,
    methods=["GET", "POST"],
)
bp.add_url_rule("/abmelden", "sign_out", views.sign_out, methods=["POST"])
bp.add_url_rule("/konto", "show_account", views.show_account)
bp.add_url_rule(
    "/konto/passwort", "change_password", views.change_password, methods=["GET", "POST"]
)
bp.add_url_rule(
    "/konto/wiederherstellungscodes",
    "renew_recovery_codes",
    views.renew_recovery_codes,
    methods=["POST"],
)
