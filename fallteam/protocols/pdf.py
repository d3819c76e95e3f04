"""The Protokollauszug as a PDF (fpdf2): what is on it comes in one ``ExcerptDocument``, built
by the queries for exactly one case; this module only lays it out. PDF/A-2b, fonts embedded
(DejaVu Sans, shipped in ``fallteam/static/fonts``), document metadata set. Signing is a
separate step (``fallteam.crypto.signing``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from fpdf import FPDF

FONT_DIR = Path(__file__).resolve().parent.parent / "static" / "fonts"
FONT = "DejaVu"
#: the PDF/A level fpdf2 enforces while building the document
COMPLIANCE = "PDFA_2B"


@dataclass(frozen=True)
class ExcerptPerson:
    """Someone present for the item: a role label, or the name when the owner chose names."""

    label: str
    presence: str = ""


@dataclass(frozen=True)
class ExcerptAddendum:
    text: str
    reason: str
    author: str
    created: str


@dataclass(frozen=True)
class ExcerptResubmission:
    due: str
    status: str
    topic: str
    responsible: str
    outcome: str


@dataclass(frozen=True)
class ExcerptRisk:
    """The §8a risk assessment of the protocol (sealed by the content hash like the sections):
    its texts and the level's label in the assessment's order, and the participating
    professionals (role labels, or names when the owner chose names)."""

    #: [(heading, text)]: indications, assessment, risk level, protective steps
    fields: list[tuple[str, str]]
    professionals: list[str]


@dataclass(frozen=True)
class ExcerptDocument:
    """Everything the excerpt shows, of one case only."""

    instance: str
    team: str
    session_date: str
    session_place: str
    created_by: str
    created: str
    created_dt: datetime
    real_names: bool
    content_hash: str
    pseudonym: str
    method: str
    purpose: str
    moderator: str
    writer: str
    finalised_by: str
    finalised: str
    statement: str
    #: [(heading, text)] in the method's order
    sections: list[tuple[str, str]]
    present: list[ExcerptPerson] = field(default_factory=list)
    #: [(role label, name)] of the family: only when the owner chose real names
    family: list[tuple[str, str]] = field(default_factory=list)
    addenda: list[ExcerptAddendum] = field(default_factory=list)
    resubmissions: list[ExcerptResubmission] = field(default_factory=list)
    #: §8a items only: the structured risk assessment
    risk: ExcerptRisk | None = None
    #: "Daten bestritten seit …" when the family disputes the case's data, else empty
    disputed: str = ""
    #: fixed texts of the layout, in the reader's language (passed in, so this stays pure)
    texts: dict[str, str] = field(default_factory=dict)


class _ExcerptPdf(FPDF):
    footer_text = ""

    def footer(self) -> None:
        self.set_y(-15)
        self.set_font(FONT, size=8)
        self.cell(0, 8, f"{self.footer_text} – {self.page_no()}/{{nb}}", align="C")


def render(doc: ExcerptDocument) -> bytes:
    """The unsigned PDF of ``doc``."""
    t = doc.texts
    pdf = _ExcerptPdf(format="A4", enforce_compliance=COMPLIANCE)
    pdf.add_font(FONT, "", str(FONT_DIR / "DejaVuSans.ttf"))
    pdf.add_font(FONT, "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
    pdf.set_title(f"{t['title']} {doc.pseudonym} – {doc.session_date}")
    pdf.set_author("Fallteam")
    pdf.set_creator(f"Fallteam {doc.instance}")
    pdf.set_subject(f"{t['title']} ({doc.team}, {doc.session_date})")
    pdf.set_keywords(f"Fallprotokoll {doc.pseudonym} SHA-256 {doc.content_hash}")
    pdf.set_lang("de-DE")
    pdf.set_creation_date(doc.created_dt)
    pdf.footer_text = f"{t['title']} {doc.pseudonym}"
    pdf.alias_nb_pages()
    pdf.set_auto_page_break(True, margin=20)
    pdf.add_page()

    def heading(text: str, size: int = 12) -> None:
        pdf.ln(2)
        pdf.set_font(FONT, "B", size)
        pdf.multi_cell(0, 7, text, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(FONT, size=10)

    def line(label: str, value: str) -> None:
        pdf.set_font(FONT, "B", 10)
        pdf.multi_cell(0, 5.5, label, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(FONT, size=10)
        pdf.multi_cell(0, 5.5, value or "–", new_x="LMARGIN", new_y="NEXT")

    def paragraph(text: str) -> None:
        pdf.set_font(FONT, size=10)
        pdf.multi_cell(0, 5.5, text or "–", new_x="LMARGIN", new_y="NEXT")

    heading(f"{t['title']} – {doc.pseudonym}", 16)
    # where it comes from, and the hash of the sealed protocol
    heading(t["origin"])
    line(t["instance"], f"Fallteam {doc.instance}")
    line(t["team"], doc.team)
    line(t["session"], ", ".join(part for part in (doc.session_date, doc.session_place) if part))
    line(t["created"], f"{doc.created} – {doc.created_by}")
    line(t["hash"], doc.content_hash)
    line(t["finalised"], f"{doc.finalised} – {doc.finalised_by}")
    paragraph(t["names_real"] if doc.real_names else t["names_roles"])
    paragraph(t["signature_note"])

    heading(t["header"])
    line(t["case"], doc.pseudonym)
    if doc.disputed:
        paragraph(doc.disputed)
    line(t["method"], doc.method)
    line(t["purpose"], doc.purpose)
    line(t["moderator"], doc.moderator)
    line(t["writer"], doc.writer)
    present = "\n".join(f"{p.label} ({p.presence})" if p.presence else p.label for p in doc.present)
    line(t["present"], present)
    if doc.family:
        line(t["family"], "\n".join(f"{label}: {name}" for label, name in doc.family))

    heading(t["protocol"])
    for section_heading, text in doc.sections:
        pdf.ln(1)
        line(section_heading, text)
    if doc.risk is not None:
        heading(t["risk"])
        for risk_heading, text in doc.risk.fields:
            pdf.ln(1)
            line(risk_heading, text)
        pdf.ln(1)
        line(t["professionals"], "\n".join(doc.risk.professionals))
    pdf.ln(2)
    pdf.set_font(FONT, "B", 10)
    pdf.multi_cell(0, 5.5, doc.statement, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=10)

    if doc.addenda:
        heading(t["addenda"])
        for addendum in doc.addenda:
            line(f"{addendum.created} – {addendum.author}", addendum.text)
            line(t["reason"], addendum.reason)
            pdf.ln(1)

    heading(t["resubmissions"])
    if not doc.resubmissions:
        paragraph(t["no_resubmissions"])
    for r in doc.resubmissions:
        line(f"{r.due} – {r.status} – {r.responsible}", r.topic)
        if r.outcome:
            line(t["outcome"], r.outcome)
        pdf.ln(1)
    return bytes(pdf.output())
