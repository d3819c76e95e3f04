"""The audit search and its exports (``/datenschutz/protokoll``)."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for

from fallteam import access
from fallteam.core.exports import csv_lines, json_array, send_export
from fallteam.core.models import utcnow
from fallteam.dpo.forms.search import AuditFilterForm
from fallteam.dpo.queries import search


def _form() -> AuditFilterForm:
    return AuditFilterForm(request.args, search.accounts())


def search_audit():
    """The log, filtered, newest first, 50 events a page ("weiter": older ones)."""
    access.require("audit.read")
    form = _form()
    page = audit_filter = None
    if form.validate():
        audit_filter = form.audit_filter()
        page = search.search_audit_events(
            audit_filter, before_seq=request.args.get("before", type=int)
        )
    return render_template("dpo/search.html", form=form, page=page, audit_filter=audit_filter)


def _export(file_format: str):
    access.require("audit.read")
    form = _form()
    if not form.validate():
        # the form shows what is wrong with the filter
        return redirect(url_for("dpo.search_audit", **request.args))
    audit_filter = form.audit_filter()
    search.record_audit_export(audit_filter, file_format)
    rows = search.iter_audit_events(audit_filter)
    name = f"protokoll-{utcnow():%Y%m%d-%H%M%S}.{file_format}"
    if file_format == "csv":
        chunks = csv_lines(search.EXPORT_COLUMNS, map(search.export_cells, rows))
        return send_export(chunks, media_type="text/csv; charset=utf-8", filename=name)
    chunks = json_array(map(search.export_record, rows))
    return send_export(chunks, media_type="application/json", filename=name)


def export_audit_csv():
    """The filtered view as CSV (streamed; cells defused against formula injection)."""
    return _export("csv")


def export_audit_json():
    """The filtered view as JSON (streamed)."""
    return _export("json")
