"""The DPO's reports: per-case access report, anomaly list, disclosure decisions."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.routing import BuildError

from fallteam import access
from fallteam.dpo import operations as dpo_operations
from fallteam.dpo.queries import anomalies as anomaly_queries
from fallteam.dpo.queries import case_report as report_queries
from fallteam.dpo.queries import disclosures as disclosure_queries
from fallteam.dpo.queries.period import period_from


def log_link(**filters) -> str:
    """A link into the audit search, filtered (``actor``, ``pseudonym``, ``action``,
    ``outcome``, ``since``, ``until``); empty filters are left out."""
    filters = {k: str(v) for k, v in filters.items() if v not in (None, "")}
    try:
        return url_for("dpo.search_audit", **filters)
    except BuildError:
        # the search is built beside these reports; its address is agreed
        return url_for("dpo.show_workspace") + "protokoll?" + urlencode(filters)


def open_case_report():
    """The workspace's form: from the pseudonym typed to its report."""
    access.require("audit.read")
    pseudonym = report_queries.normalised_pseudonym(request.args.get("pseudonym"))
    if pseudonym is None:
        flash(_("Bitte ein Pseudonym angeben (z. B. FT-2026-0042)."), "error")
        return redirect(url_for("dpo.show_workspace"))
    return redirect(url_for("dpo.case_report", pseudonym=pseudonym))


def case_report(pseudonym: str):
    """Who read or changed the case, by person and session, and on which basis."""
    access.require("audit.read")
    normalised = report_queries.normalised_pseudonym(pseudonym)
    page = request.args.get("seite", 1, type=int)
    report = None
    if normalised:
        inputs = report_queries.report_inputs(normalised)
        # a busy case's events are rolled up now and then, so that a page adds up few
        dpo_operations.roll_up_case_report(inputs)
        report = report_queries.case_report(normalised, page, inputs)
    if report is None:
        return render_template("dpo/case_unknown.html", pseudonym=pseudonym), 404
    return render_template(
        "dpo/case_report.html",
        report=report,
        objects=report_queries.OBJECT_LABELS,
        actions=report_queries.ACTION_LABELS,
        log_link=log_link,
    )


def list_anomalies():
    """What should not have happened, or deserves a look, over a period."""
    access.require("audit.read")
    period, problem = period_from(
        request.args.get("since"),
        request.args.get("until"),
        default_days=current_app.config["DPO_ANOMALY_DAYS"],
    )
    if problem:
        flash(problem, "error")
    thresholds = anomaly_queries.Thresholds.from_config(current_app.config)
    return render_template(
        "dpo/anomalies.html",
        found=anomaly_queries.anomalies(period, thresholds),
        max_entries=anomaly_queries.MAX_ENTRIES,
        log_link=log_link,
    )


def list_disclosures():
    """Every disclosure decision, newest first."""
    access.require("audit.read")
    kind = request.args.get("art") or None
    pseudonym = report_queries.normalised_pseudonym(request.args.get("pseudonym"))
    listing = disclosure_queries.disclosures(
        kind=kind, pseudonym=pseudonym, before=request.args.get("before", type=int)
    )
    return render_template(
        "dpo/disclosures.html",
        listing=listing,
        kinds=disclosure_queries.DISCLOSURE_LABELS,
        kind=kind if kind in disclosure_queries.DISCLOSURE_LABELS else None,
        pseudonym=pseudonym,
        objects=report_queries.OBJECT_LABELS,
        log_link=log_link,
    )
