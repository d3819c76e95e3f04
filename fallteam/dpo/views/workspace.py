"""The DPO's start page."""

from __future__ import annotations

from flask import render_template

from fallteam import access
from fallteam.dpo.queries.chain import chain_status


def show_workspace():
    """The workspace: what the DPO can check, and how the audit chain stands."""
    access.require("audit.read")
    return render_template("dpo/workspace.html", chain=chain_status())
