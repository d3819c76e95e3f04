"""URL rules of the DPO's workspace (``/datenschutz``)."""

from flask import Blueprint

from fallteam.dpo.views import chain, workspace

bp = Blueprint("dpo", __name__, url_prefix="/datenschutz")

bp.add_url_rule("/", "show_workspace", workspace.show_workspace)
bp.add_url_rule("/kette/pruefen", "verify_chain", chain.verify_chain, methods=["POST"])
bp.add_url_rule("/kette/checkpoints", "download_checkpoints", chain.download_checkpoints)
