"""Handing out a stored document: an audited export, as an attachment, never cached."""

from __future__ import annotations

from io import BytesIO
from typing import Any

from flask import Response, send_file

from fallteam.audit.models import AuditAction
from fallteam.audit.operations import record

#: file name endings of the document types the application accepts
EXTENSIONS = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}


def send_document(
    obj: Any, *, content: bytes, media_type: str, name: str, case_pseudonym: str, purpose: str
) -> Response:
    """Send ``content`` as ``name`` plus the type's ending, recording the export of ``obj``."""
    record(AuditAction.EXPORT, obj, case_pseudonym=case_pseudonym, purpose=purpose)
    response = send_file(
        BytesIO(content),
        mimetype=media_type,
        as_attachment=True,
        download_name=f"{name}.{EXTENSIONS.get(media_type, 'bin')}",
    )
    response.headers["Cache-Control"] = "no-store"
    return response
