"""Streamed exports (CSV, JSON) as attachments, never cached, never held whole in memory.

CSV cells are defused against formula injection (OWASP "CSV Injection"): a spreadsheet runs
a cell that starts with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return, which some
programs skip before looking) as a formula, so such a cell gets a leading ``'``.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from itertools import chain
from typing import Any

from flask import Response, stream_with_context

#: first characters that make a spreadsheet treat a cell as a formula
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> str:
    """One cell's text, defused: ``'`` before a formula's first character."""
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def csv_lines(header: Iterable[str], rows: Iterable[Iterable[Any]]) -> Iterator[str]:
    """The header and the rows as CSV text, one line at a time (every cell defused)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for cells in chain([header], rows):
        writer.writerow([csv_cell(cell) for cell in cells])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


def json_array(items: Iterable[Any]) -> Iterator[str]:
    """The items as one JSON array, one element at a time."""
    yield "["
    for index, item in enumerate(items):
        yield ("," if index else "") + "\n" + json.dumps(item, ensure_ascii=False, default=str)
    yield "\n]\n"


def send_export(chunks: Iterator[str], *, media_type: str, filename: str) -> Response:
    """Stream ``chunks`` as the attachment ``filename`` (inside the request's context, so
    the generator may query), never cached."""
    response = Response(
        stream_with_context(chunk.encode("utf-8") for chunk in chunks),
        mimetype=media_type,
    )
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response
