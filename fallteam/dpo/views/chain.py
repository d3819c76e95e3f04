"""The audit chain on the DPO's start page: verify now, download the checkpoints."""

from __future__ import annotations

from flask import Response, flash, redirect, url_for
from flask_babel import gettext as _

from fallteam import access
from fallteam.audit.models import VerificationTrigger
from fallteam.audit.operations import (
    export_all_checkpoints,
    remember_verification,
    verify_log,
)
from fallteam.core.models import utcnow


def verify_chain():
    """Run the same verification as ``flask audit verify``, remember it, show the result.

    In this process (``workers=1``): forking a pool inside a web worker would copy its
    threads and connections. A large log takes a while (some seconds per million events) and
    holds the request that long — but no lock: the verification reads in a snapshot of its
    own, and the request writes only the result.
    """
    access.require("audit.read")
    run = verify_log(workers=1)
    remember_verification(run, VerificationTrigger.BUTTON)
    report = run.report
    if report.intact:
        flash(_("Protokoll unversehrt: %(events)s Ereignisse geprüft.", events=report.events))
    elif report.first_broken_seq is not None:
        flash(
            _(
                "Protokoll verletzt: erstes betroffenes Ereignis Nr. %(seq)s (%(reason)s).",
                seq=report.first_broken_seq,
                reason=report.reason,
            ),
            "error",
        )
    else:
        flash(_("Protokoll verletzt: %(problem)s", problem=report.problems[0]), "error")
    return redirect(url_for("dpo.show_workspace"))


def download_checkpoints():
    """Every signed checkpoint with the public key, as text ``flask audit verify --external``
    reads: for keeping outside the system."""
    access.require("audit.read")
    found = export_all_checkpoints()
    if not found:
        flash(_("Es gibt noch keinen signierten Checkpoint."), "error")
        return redirect(url_for("dpo.show_workspace"))
    name = f"fallteam-audit-checkpoints-{utcnow():%Y%m%d-%H%M}.txt"
    return Response(
        "".join(checkpoint.text() for checkpoint in found),
        mimetype="text/plain",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )
