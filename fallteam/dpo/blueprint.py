"""URL rules of the DPO's workspace (``/datenschutz``)."""

from flask import Blueprint

from fallteam.dpo.views import workspace

bp = Blueprint("dpo", __name__, url_prefix="/datenschutz")

bp.add_url_rule("/", "show_workspace", workspace.show_workspace)
