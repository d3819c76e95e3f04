"""What an uploaded document must be: a whole PDF, PNG or JPEG and nothing else.

The first bytes name the type (never the file name or the browser's header); then the file
is read as that type, so a truncated file, a header followed by garbage, a file that is two
things at once (an image or PDF that is also a web page, a script or a ZIP archive) and a
document with active content (PDF JavaScript, launch actions, embedded files) are refused.
Nothing is ever decompressed beyond what the structure check needs: a PDF's content streams
stay packed, an image is only decoded up to a pixel limit, so a decompression bomb costs
nothing. Pure functions on bytes; the messages are for the person who uploaded.
"""

from __future__ import annotations

import io
import re
import warnings
import zipfile

from flask_babel import gettext as _
from PIL import Image, UnidentifiedImageError
from pypdf import PdfReader
from pypdf.errors import PyPdfError

#: accepted document types, recognised by their first bytes
SIGNATURES = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
)
#: an A4 page scanned at 600 dpi has 35 million pixels; more is no scan of a signed form
MAX_PIXELS = 40_000_000
#: pages of a signed form, generously
MAX_PAGES = 200
#: the end-of-file mark must be this close to the end (a truncated PDF lacks it)
_PDF_TAIL = 1024

#: markup or script a browser would run if it ever took the file for a page
_ACTIVE_MARKUP = re.compile(
    rb"<\s*(?:script|html|svg|iframe|object|embed|body|!doctype)\b|javascript:", re.IGNORECASE
)
#: PDF names of active content (also written with #xx escapes, which name matching undoes)
_PDF_ACTIVE = (b"/JavaScript", b"/JS", b"/Launch", b"/EmbeddedFile", b"/RichMedia", b"/XFA")
_PDF_NAME_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
#: the object streams of a PDF unpack to this much at most (dictionaries only: a scan's
#: few kilobytes; a file that packs more is no signed form)
_PDF_PACKED_MAX = 8 * 1024 * 1024
#: objects a PDF may hold (a signed form of MAX_PAGES pages with fonts and images stays far
#: below); walking a page tree costs CPU per object, so more is refused before the walk
_PDF_OBJECTS_MAX = 20_000


class DocumentRefused(ValueError):
    """The upload is not an acceptable document; the message says why, in German."""


def document_type(content: bytes) -> str | None:
    """The type the first bytes name (``None``: not PDF, PNG or JPEG)."""
    for signature, mime in SIGNATURES:
        if content.startswith(signature):
            return mime
    return None


def identify_document(content: bytes, *, max_bytes: int) -> str:
    """The media type by the first bytes, within ``max_bytes``, or :class:`DocumentRefused`:
    the light check every caller passes (imports and demo data as well as forms)."""
    if not content:
        raise DocumentRefused(_("Die Datei ist leer."))
    if len(content) > max_bytes:
        raise DocumentRefused(
            _("Die Datei ist zu groß (höchstens %(size)s).", size=size_label(max_bytes))
        )
    mime = document_type(content)
    if mime is None:
        raise DocumentRefused(_("Bitte ein PDF oder ein Bild (PNG, JPEG) hochladen."))
    return mime


def inspect_document(content: bytes, *, max_bytes: int) -> str:
    """The media type of an acceptable document, read through as a whole, or
    :class:`DocumentRefused`."""
    mime = identify_document(content, max_bytes=max_bytes)
    if _ACTIVE_MARKUP.search(content) or _is_zip(content):
        raise DocumentRefused(_two_in_one())
    if mime == "application/pdf":
        _check_pdf(content)
    else:
        _check_image(content, "PNG" if mime == "image/png" else "JPEG")
    return mime


def size_label(limit: int) -> str:
    """A byte limit as people read it (``10 MB``, ``500 KB``)."""
    return f"{limit // 1024} KB" if limit < 1024 * 1024 else f"{limit // (1024 * 1024)} MB"


def _is_zip(content: bytes) -> bool:
    # A ZIP reader looks for the archive's directory at the end, whatever comes first.
    return zipfile.is_zipfile(io.BytesIO(content))


def _broken(kind: str) -> DocumentRefused:
    return DocumentRefused(
        _(
            "Die Datei ist kein vollständiges %(kind)s (beschädigt oder abgeschnitten). Bitte "
            "das Dokument neu speichern oder scannen und erneut hochladen.",
            kind=kind,
        )
    )


def _check_pdf(content: bytes) -> None:
    if b"%%EOF" not in content[-_PDF_TAIL:]:
        raise _broken("PDF")
    if _names_active(content):
        raise DocumentRefused(_active_pdf())
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # pypdf warns about what it repairs
            reader = PdfReader(io.BytesIO(content), strict=False)
            if reader.is_encrypted:
                raise DocumentRefused(
                    _("Das PDF ist verschlüsselt. Bitte ohne Kennwortschutz speichern.")
                )
            # Dictionaries (actions among them) may sit packed in object streams, where the
            # raw bytes show no name: each is unpacked, within pypdf's limit and ours.
            packed = 0
            for number in sorted({stream for stream, _ in reader.xref_objStm.values()}):
                data = reader.get_object(number).get_data()
                packed += len(data)
                if packed > _PDF_PACKED_MAX:
                    raise _broken("PDF")
                if _names_active(data):
                    raise DocumentRefused(_active_pdf())
            root = reader.trailer["/Root"].get_object()
            objects = sum(map(len, reader.xref.values())) + len(reader.xref_objStm)
            declared = root["/Pages"].get_object().get("/Count")
            if (
                objects > _PDF_OBJECTS_MAX
                or not isinstance(declared, int)
                or not 1 <= declared <= MAX_PAGES
            ):
                raise _broken("PDF")
            pages = len(reader.pages)
            active = {"/OpenAction", "/AA", "/AcroForm"} & set(root) and _active_root(root)
    except DocumentRefused:
        raise
    except (
        # every pypdf error, not only PdfReadError: a damaged cross-reference table or an
        # object stream that inflates past pypdf's limit raise LimitReachedError
        PyPdfError,
        ValueError,
        ArithmeticError,
        KeyError,
        TypeError,
        AttributeError,
        IndexError,
        RecursionError,
        OSError,
    ) as exc:
        # pypdf meets broken files with whatever error the broken part causes
        raise _broken("PDF") from exc
    if not 1 <= pages <= MAX_PAGES:
        raise _broken("PDF")
    if active:
        raise DocumentRefused(_active_pdf())


def _names_active(data: bytes) -> bool:
    names = _PDF_NAME_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), data)
    return any(re.search(re.escape(name) + rb"(?![A-Za-z0-9])", names) for name in _PDF_ACTIVE)


def _active_root(root) -> bool:
    """An action run on opening, or a form with scripts (XFA)."""
    if "/AA" in root:
        return True
    action = root.get("/OpenAction")
    if action is not None:
        action = action.get_object()
        # opening at a page (an array) is harmless; an action dictionary is not
        if hasattr(action, "keys") and "/S" in action:
            return True
    form = root.get("/AcroForm")
    return form is not None and "/XFA" in form.get_object()


def _check_image(content: bytes, kind: str) -> None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(content), formats=[kind]) as image:
                width, height = image.size
                if width * height > MAX_PIXELS:
                    raise _too_many_pixels()
                image.load()  # decodes every pixel: a cut-off file fails here
    except DocumentRefused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _too_many_pixels() from exc
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
        EOFError,
    ) as exc:
        raise _broken(kind) from exc
    end, padding = (b"IEND\xaeB`\x82", b"\0") if kind == "PNG" else (b"\xff\xd9", b"\0\r\n ")
    if end not in content:
        raise _broken(kind)
    # Whatever follows the image's end is a second file riding along.
    if not content.rstrip(padding).endswith(end):
        raise DocumentRefused(_two_in_one())


def _two_in_one() -> str:
    return _(
        "Die Datei enthält neben dem Dokument noch etwas anderes (z. B. eine Webseite, "
        "ein Skript oder ein Archiv) und wird deshalb nicht angenommen."
    )


def _active_pdf() -> str:
    return _(
        "Das PDF enthält aktive Inhalte (Skripte, Programmaufrufe oder eingebettete "
        "Dateien). Bitte als einfaches PDF speichern oder scannen."
    )


def _too_many_pixels() -> DocumentRefused:
    return DocumentRefused(
        _("Das Bild ist zu groß (höchstens %(mp)d Megapixel).", mp=MAX_PIXELS // 10**6)
    )
