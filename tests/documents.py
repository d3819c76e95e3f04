"""Documents for upload tests: valid ones as a scanner or a PDF printer makes them, and the
broken, disguised and hostile ones the upload must refuse."""

from __future__ import annotations

import io
import zipfile
import zlib
from datetime import UTC, datetime
from functools import cache

from fpdf import FPDF
from PIL import Image


@cache
def valid_pdf() -> bytes:
    """A one-page PDF with text (as the consent scan's PDF printer makes it)."""
    pdf = FPDF()
    pdf.set_creation_date(datetime(2026, 1, 1, tzinfo=UTC))
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(text="Schweigepflichtsentbindung - unterschrieben")
    return bytes(pdf.output())


@cache
def valid_png() -> bytes:
    """A small PNG photo of a signed page."""
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (250, 250, 240)).save(out, "PNG")
    return out.getvalue()


@cache
def valid_jpeg() -> bytes:
    """A small JPEG photo of a signed page."""
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (250, 250, 240)).save(out, "JPEG")
    return out.getvalue()


def zip_bytes(files: dict[str, bytes]) -> bytes:
    """A ZIP archive of ``files`` (deflated)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return out.getvalue()


@cache
def zip_bomb() -> bytes:
    """A small ZIP that unpacks to 100 MB of zeros."""
    out = io.BytesIO()
    chunk = b"\0" * (1 << 20)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        with archive.open("unterschrift.pdf", "w") as member:
            for _ in range(100):
                member.write(chunk)
    return out.getvalue()


def pdf_with_stream(stream: bytes, *, flate: bool, extra_dict: str = "") -> bytes:
    """A structurally complete one-page PDF whose page content is ``stream`` (deflated when
    ``flate``), with a correct cross-reference table."""
    data = zlib.compress(stream, 9) if flate else stream
    filters = "/Filter /FlateDecode " if flate else ""
    objects = [
        f"<< /Type /Catalog /Pages 2 0 R {extra_dict}>>".encode(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
        f"<< {filters}/Length {len(data)} >>\nstream\n".encode() + data + b"\nendstream",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return out.getvalue()


def zeros_deflated(size_mb: int) -> bytes:
    """A zlib stream of ``size_mb`` MB of zeros, made without compressing them: one deflated
    MB after a full flush (no reference reaches back past it) repeated, then the end block
    and the Adler-32 of that many zeros (a = 1, b = the count mod 65521)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = compressor.compress(b"\0" * (1 << 20)) + compressor.flush(zlib.Z_FULL_FLUSH)
    end = zlib.compressobj(9, zlib.DEFLATED, -15).flush(zlib.Z_FINISH)
    adler = (((size_mb << 20) % 65521) << 16) | 1
    return b"\x78\xda" + block * size_mb + end + adler.to_bytes(4, "big")


@cache
def pdf_bomb() -> bytes:
    """A valid PDF whose page content inflates to 1 GB (from 1 MB)."""
    return pdf_with_stream(zeros_deflated(1024), flate=False).replace(
        b"<< /Length", b"<< /Filter /FlateDecode /Length", 1
    )


def pdf_of_size(size: int) -> bytes:
    """A valid PDF of exactly ``size`` bytes (its page content padded with blanks)."""
    padding = 0
    for _ in range(5):
        document = pdf_with_stream(b" " * padding, flate=False)
        if len(document) == size:
            return document
        padding += size - len(document)
    raise AssertionError(f"no PDF of {size} bytes")


def jpeg_with_comment(comment: bytes) -> bytes:
    """A valid JPEG carrying ``comment`` in a COM segment (inside the image data)."""
    image = valid_jpeg()
    segment = b"\xff\xfe" + (len(comment) + 2).to_bytes(2, "big") + comment
    return image[:2] + segment + image[2:]


@cache
def encrypted_pdf() -> bytes:
    """The valid PDF, protected with a password."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(valid_pdf())))
    writer.encrypt("geheim")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def pdf_without_xref_subsection() -> bytes:
    """A PDF damaged as mail programs and bad copies damage them: the cross-reference
    table lost its subsection line (``0 5``), the rest is intact."""
    return pdf_with_stream(b"BT ET", flate=False).replace(b"xref\n0 5\n", b"xref\n", 1)


@cache
def pdf_with_packed_catalog() -> bytes:
    """A PDF 1.5 whose catalog sits in an object stream that inflates to 100 MB (from
    100 KB): reading the catalog means inflating the object stream."""
    head = b"1 0 "
    packed = zlib.compress(head + b"<< /Type /Catalog /Pages 2 0 R >>" + b" " * 100_000_000, 9)
    out = io.BytesIO()
    out.write(b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for number, body in (
        (2, b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"),
        (3, b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>"),
        (
            4,
            f"<< /Type /ObjStm /N 1 /First {len(head)} /Filter /FlateDecode "
            f"/Length {len(packed)} >>\nstream\n".encode()
            + packed
            + b"\nendstream",
        ),
    ):
        offsets[number] = out.tell()
        out.write(f"{number} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    rows = [b"\x00" + (0).to_bytes(4, "big") + (65535).to_bytes(2, "big")]
    rows.append(b"\x02" + (4).to_bytes(4, "big") + (0).to_bytes(2, "big"))  # 1: in stream 4
    rows += [b"\x01" + offsets[n].to_bytes(4, "big") + bytes(2) for n in (2, 3, 4)]
    rows.append(b"\x01" + xref.to_bytes(4, "big") + bytes(2))
    table = b"".join(rows)
    out.write(
        f"5 0 obj\n<< /Type /XRef /Size 6 /W [1 4 2] /Root 1 0 R /Length {len(table)} >>\n"
        "stream\n".encode()
        + table
        + f"\nendstream\nendobj\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return out.getvalue()


def pdf_with_packed_script() -> bytes:
    """A PDF 1.5 whose page runs JavaScript when opened, the page sitting in a compressed
    object stream (as PDF writers store small objects): no active name in the raw bytes."""
    head = b"3 0 "
    page = (
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/AA << /O << /S /JavaScript /JS (app.alert(1)) >> >> >>"
    )
    packed = zlib.compress(head + page, 9)
    out = io.BytesIO()
    out.write(b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for number, body in (
        (1, b"<< /Type /Catalog /Pages 2 0 R >>"),
        (2, b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"),
        (
            4,
            f"<< /Type /ObjStm /N 1 /First {len(head)} /Filter /FlateDecode "
            f"/Length {len(packed)} >>\nstream\n".encode()
            + packed
            + b"\nendstream",
        ),
    ):
        offsets[number] = out.tell()
        out.write(f"{number} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    rows = [b"\x00" + bytes(4) + (65535).to_bytes(2, "big")]
    rows += [b"\x01" + offsets[n].to_bytes(4, "big") + bytes(2) for n in (1, 2)]
    rows.append(b"\x02" + (4).to_bytes(4, "big") + bytes(2))  # 3: in stream 4
    rows += [b"\x01" + offset.to_bytes(4, "big") + bytes(2) for offset in (offsets[4], xref)]
    table = b"".join(rows)
    out.write(
        f"5 0 obj\n<< /Type /XRef /Size 6 /W [1 4 2] /Root 1 0 R /Length {len(table)} >>\n"
        "stream\n".encode()
        + table
        + f"\nendstream\nendobj\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return out.getvalue()


def pdf_of_pages(pages: int, *, declared: int) -> bytes:
    """A PDF with ``pages`` blank pages in one flat page tree whose /Count says ``declared``."""
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n")
    kids = " ".join(f"{n} 0 R" for n in range(3, pages + 3))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{kids}] /Count {declared} >>".encode(),
        *[b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>"] * pages,
    ]
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    out.write(b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets))
    out.write(
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return out.getvalue()
