"""Uploads (the signed consent and an agenda item's further document): only whole PDFs,
PNGs and JPEGs are taken. Truncated, disguised, two-in-one, active and empty files, and files
over the size limit, are refused with a German message on the form and nothing is saved;
valid documents still go through."""

from __future__ import annotations

import gc
import io
import tracemalloc

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from fallteam.consent.models import Consent
from fallteam.core.documents import DocumentRefused, inspect_document
from fallteam.extensions import db
from fallteam.meetings.models import AgendaDocument
from tests.conftest import csrf_token
from tests.documents import (
    encrypted_pdf,
    jpeg_with_comment,
    pdf_bomb,
    pdf_of_pages,
    pdf_of_size,
    pdf_with_packed_catalog,
    pdf_with_packed_script,
    pdf_with_stream,
    pdf_without_xref_subsection,
    valid_jpeg,
    valid_pdf,
    valid_png,
    zip_bomb,
    zip_bytes,
)

BROKEN = "kein vollständiges"
NOT_A_DOCUMENT = "Bitte ein PDF oder ein Bild (PNG, JPEG) hochladen."
TWO_IN_ONE = "enthält neben dem Dokument noch etwas anderes"
ACTIVE = "enthält aktive Inhalte"

#: name -> (content, file name, what the form says)
REFUSED = {
    "empty": (lambda: b"", "entbindung.pdf", "Die Datei ist leer."),
    "truncated PDF": (lambda: valid_pdf()[: len(valid_pdf()) // 2], "scan.pdf", BROKEN),
    "PDF without end": (lambda: valid_pdf()[:-7], "scan.pdf", BROKEN),
    "PDF header and garbage": (
        lambda: b"%PDF-1.7\n" + bytes(range(256)) * 40 + b"\n%%EOF\n",
        "scan.pdf",
        BROKEN,
    ),
    "PDF header and nothing": (
        lambda: b"%PDF-1.7\n% Schweigepflichtsentbindung\n%%EOF\n",
        "scan.pdf",
        BROKEN,
    ),
    "truncated PNG": (lambda: valid_png()[:-20], "foto.png", BROKEN),
    "truncated JPEG": (lambda: valid_jpeg()[:-40], "foto.jpg", BROKEN),
    "PNG then HTML": (
        lambda: valid_png() + b"<html><script>alert(document.cookie)</script></html>",
        "foto.png",
        TWO_IN_ONE,
    ),
    "PNG then ZIP": (
        lambda: valid_png() + zip_bytes({"x.js": b"alert(1)"}),
        "foto.png",
        TWO_IN_ONE,
    ),
    "JPEG with script inside": (
        lambda: jpeg_with_comment(b"<script>alert(1)</script>"),
        "foto.jpg",
        TWO_IN_ONE,
    ),
    "PDF then ZIP": (lambda: valid_pdf() + zip_bytes({"a.exe": b"MZ"}), "scan.pdf", TWO_IN_ONE),
    "PDF with HTML": (
        lambda: valid_pdf().replace(b"\n", b"\n%<html><body onload=alert(1)>\n", 1),
        "scan.pdf",
        TWO_IN_ONE,
    ),
    "PDF with JavaScript": (
        lambda: pdf_with_stream(
            b"BT ET", flate=False, extra_dict="/OpenAction << /S /JavaScript /JS (app.alert(1)) >> "
        ),
        "scan.pdf",
        ACTIVE,
    ),
    "PDF with escaped JavaScript name": (
        lambda: pdf_with_stream(
            b"BT ET", flate=False, extra_dict="/OpenAction << /S /J#61vaScript /J#53 (x) >> "
        ),
        "scan.pdf",
        ACTIVE,
    ),
    "PDF that launches a program": (
        lambda: pdf_with_stream(
            b"BT ET", flate=False, extra_dict="/OpenAction << /S /Launch /F (cmd.exe) >> "
        ),
        "scan.pdf",
        ACTIVE,
    ),
    "PDF with JavaScript in an object stream": (pdf_with_packed_script, "scan.pdf", ACTIVE),
    "encrypted PDF": (encrypted_pdf, "scan.pdf", "verschlüsselt"),
    # pypdf refuses both with its LimitReachedError, which is no PdfReadError
    "PDF without xref subsection line": (pdf_without_xref_subsection, "scan.pdf", BROKEN),
    "PDF whose catalog inflates to 100 MB": (pdf_with_packed_catalog, "scan.pdf", BROKEN),
    "ZIP bomb": (zip_bomb, "scan.pdf", NOT_A_DOCUMENT),
    "ZIP": (lambda: zip_bytes({"scan.pdf": valid_pdf()}), "scan.zip", NOT_A_DOCUMENT),
    "EXE named .pdf": (lambda: b"MZ\x90\x00\x03" + b"\0" * 200, "scan.pdf", NOT_A_DOCUMENT),
    "SVG with script named .png": (
        lambda: b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        "foto.png",
        NOT_A_DOCUMENT,
    ),
    "HTML named .pdf": (lambda: b"<!DOCTYPE html><script>x</script>", "scan.pdf", NOT_A_DOCUMENT),
}

#: name -> (content, file name, the type it is stored as)
ACCEPTED = {
    "PDF": (valid_pdf, "entbindung.pdf", "application/pdf"),
    "PNG": (valid_png, "foto.png", "image/png"),
    "JPEG": (valid_jpeg, "foto.jpeg", "image/jpeg"),
    "PDF named .png": (valid_pdf, "foto.png", "application/pdf"),
    "PDF with compressed content": (
        lambda: pdf_with_stream(b"BT /F1 12 Tf (Unterschrift) Tj ET", flate=True),
        "scan.pdf",
        "application/pdf",
    ),
}

LIMIT = 64 * 1024


def _consent_form(case, content: bytes, name: str, client) -> dict:
    return {
        "grantor": str(case.member_ids[0]),
        "grantor_capacity": "sorgeberechtigt",
        "recipient_kinds": ["member"],
        "purposes": ["fallberatung"],
        "data_categories": ["identity"],
        "valid_from": "2026-01-01",
        "form": "schriftlich",
        "csrf_token": csrf_token(client),
        "document": (io.BytesIO(content), name),
    }


@pytest.fixture
def upload_to(app, signed_in, create_account, create_case, create_team, create_meeting):
    """``upload_to(target)(content, name)`` -> (response, rows of the target's table):
    ``consent`` records a consent with the file, ``agenda`` attaches it to an item."""
    client, owner = signed_in(["fachkraft"])
    case = create_case(owner)
    team_id, _ = create_team([(create_account(["member"]), "permanent")])
    session = create_meeting(team_id, case)

    def count(model) -> int:
        with app.app_context():
            return db.session.scalar(select(func.count()).select_from(model))

    def make(target: str):
        def upload(content: bytes, name: str):
            if target == "consent":
                response = client.post(
                    f"/faelle/{case.id}/einwilligungen/neu",
                    data=_consent_form(case, content, name, client),
                    content_type="multipart/form-data",
                )
                return response, count(Consent)
            response = client.post(
                f"/tagesordnung/{session.item_id}/unterlagen",
                data={"d-document": (io.BytesIO(content), name), "csrf_token": csrf_token(client)},
                content_type="multipart/form-data",
            )
            return response, count(AgendaDocument)

        return upload

    return make


@pytest.mark.parametrize("target", ["consent", "agenda"])
def test_a_bad_upload_is_refused_with_a_message_and_nothing_saved(upload_to, target):
    upload = upload_to(target)
    _, before = upload(valid_pdf(), "vorher.pdf")  # a first valid upload: the count to keep
    wrong = {}
    for kind, (content, name, message) in sorted(REFUSED.items()):
        response, after = upload(content(), name)
        page = response.get_data(as_text=True)
        if response.status_code != 200 or message not in page or after != before:
            wrong[kind] = (response.status_code, after - before)
    assert wrong == {}, "accepted, saved or refused without the message"


@pytest.mark.parametrize("target", ["consent", "agenda"])
@pytest.mark.parametrize("kind", sorted(ACCEPTED))
def test_a_valid_document_is_accepted_as_its_content_says(app, upload_to, target, kind):
    content, name, media_type = ACCEPTED[kind]
    upload = upload_to(target)
    _, before = upload(valid_png(), "vorher.png")
    response, after = upload(content(), name)
    assert response.status_code == 302, response.get_data(as_text=True)
    assert after == before + 1
    model, column = (
        (Consent, Consent.document_type)
        if target == "consent"
        else (AgendaDocument, AgendaDocument.media_type)
    )
    with app.app_context():
        newest = db.session.scalars(select(column).order_by(model.created_dt.desc())).first()
    assert newest == media_type


@pytest.mark.settings(CONSENT_DOCUMENT_MAX_BYTES=LIMIT)
@pytest.mark.parametrize("target", ["consent", "agenda"])
def test_the_size_limit_holds_to_the_byte(upload_to, target):
    upload = upload_to(target)
    response, before = upload(pdf_of_size(LIMIT + 1), "gross.pdf")
    assert response.status_code == 200
    assert "Die Datei ist zu groß (höchstens 64 KB)." in response.get_data(as_text=True)
    response, after = upload(pdf_of_size(LIMIT), "genau.pdf")
    assert response.status_code == 302
    assert after == before + 1


def test_checking_a_pdf_bomb_never_inflates_it(app):
    """A PDF whose page content unpacks to 1 GB is a valid PDF; its streams are not unpacked
    to check it (the app never renders uploads), so checking costs almost no memory."""
    bomb = pdf_bomb()
    tracemalloc.start()
    try:
        with app.test_request_context():
            assert inspect_document(bomb, max_bytes=10 * 1024 * 1024) == "application/pdf"
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 30 * 1024 * 1024


@pytest.mark.parametrize(
    "pages, declared",
    [(25_000, 25_000), (25_000, 1)],  # an honest page count, and one that lies
    ids=["counted", "count-lies"],
)
def test_a_pdf_of_too_many_pages_is_refused_before_its_page_tree_is_walked(
    app, monkeypatch, pages, declared
):
    """Walking a page tree costs CPU per page (about 13 s of a worker for 100,000 pages of
    7.5 MB): a PDF with more pages or objects than a signed form has is refused unwalked."""

    def walked(*args, **kwargs):
        raise AssertionError("the page tree was walked")

    monkeypatch.setattr(PdfReader, "_flatten", walked)
    with app.test_request_context(), pytest.raises(DocumentRefused, match=BROKEN):
        inspect_document(pdf_of_pages(pages, declared=declared), max_bytes=10 * 1024 * 1024)


def test_a_pdf_of_a_few_pages_still_passes(app):
    with app.test_request_context():
        document = pdf_of_pages(3, declared=3)
        assert inspect_document(document, max_bytes=10 * 1024 * 1024) == "application/pdf"


@pytest.mark.parametrize("pixels", [(9000, 9000)])
def test_an_image_of_too_many_pixels_is_refused_before_it_is_decoded(app, pixels):
    """A PNG that declares 81 million pixels (a decompression bomb) is refused from its
    header; decoding it would take 243 MB."""
    from PIL import Image

    out = io.BytesIO()
    Image.new("1", pixels).save(out, "PNG")  # one bit per pixel: small on disk
    with app.test_request_context():
        from fallteam.core.documents import DocumentRefused

        with pytest.raises(DocumentRefused, match="zu groß"):
            inspect_document(out.getvalue(), max_bytes=10 * 1024 * 1024)


def test_a_large_upload_on_a_refused_form_leaves_no_file_open(app, signed_in, create_case):
    """An upload over werkzeug's in-memory threshold (500 KB) is spooled to a temporary
    file; a refused form must not leave it open (pytest turns the ResourceWarning of an
    unclosed file into a failure). Encoded in memory, so only the app's files count."""
    client, owner = signed_in(["fachkraft"])
    case = create_case(owner)
    fields = _consent_form(case, b"", "x", client)
    fields["grantor"] = "keine-person"
    fields["document"] = FileStorage(io.BytesIO(pdf_of_size(2 * 1024 * 1024)), "gross.pdf")
    boundary, body = encode_multipart(MultiDict(fields))
    response = client.post(
        f"/faelle/{case.id}/einwilligungen/neu",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )
    assert response.status_code == 200
    gc.collect()  # an unclosed temporary file warns when it is collected
