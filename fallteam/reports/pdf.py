"""The reports as PDFs (fpdf2), laid out like the Protokollauszug: PDF/A-2b, DejaVu Sans
embedded (``fallteam/static/fonts``). What is on them comes from the queries' reports; this
module only lays them out, in the reader's language."""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import format_date, format_datetime
from flask_babel import gettext as _
from fpdf import FPDF

from fallteam.protocols.pdf import COMPLIANCE, FONT, FONT_DIR
from fallteam.reports.queries import (
    DPO_VERSION,
    Appearance,
    ProcessingRecord,
    SubjectAccessReport,
)


class _ReportPdf(FPDF):
    footer_text = ""

    def footer(self) -> None:
        self.set_y(-15)
        self.set_font(FONT, size=8)
        self.cell(0, 8, f"{self.footer_text} – {self.page_no()}/{{nb}}", align="C")


class _Writer:
    """Headings, label/value lines, paragraphs and bullets on an A4 page."""

    def __init__(self, title: str, subject: str, created: datetime) -> None:
        pdf = _ReportPdf(format="A4", enforce_compliance=COMPLIANCE)
        pdf.add_font(FONT, "", str(FONT_DIR / "DejaVuSans.ttf"))
        pdf.add_font(FONT, "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
        pdf.set_title(title)
        pdf.set_author("Fallteam")
        pdf.set_creator("Fallteam")
        pdf.set_subject(subject)
        pdf.set_lang("de-DE")
        pdf.set_creation_date(created)
        pdf.footer_text = title
        pdf.alias_nb_pages()
        pdf.set_auto_page_break(True, margin=20)
        pdf.add_page()
        self.pdf = pdf

    def heading(self, text: str, size: int = 12) -> None:
        self.pdf.ln(2)
        self.pdf.set_font(FONT, "B", size)
        self.pdf.multi_cell(0, 7, text, new_x="LMARGIN", new_y="NEXT")
        self.pdf.set_font(FONT, size=10)

    def line(self, label: str, value: str) -> None:
        self.pdf.set_font(FONT, "B", 10)
        self.pdf.multi_cell(0, 5.5, label, new_x="LMARGIN", new_y="NEXT")
        self.pdf.set_font(FONT, size=10)
        self.pdf.multi_cell(0, 5.5, value or "–", new_x="LMARGIN", new_y="NEXT")

    def paragraph(self, text: str) -> None:
        self.pdf.set_font(FONT, size=10)
        self.pdf.multi_cell(0, 5.5, text or "–", new_x="LMARGIN", new_y="NEXT")

    def bullets(self, items: list[str]) -> None:
        for item in items:
            self.paragraph(f"• {item}")

    def output(self) -> bytes:
        return bytes(self.pdf.output())


def _day(value: date | None) -> str:
    return format_date(value, "dd.MM.yyyy") if value else "–"


def _moment(value: datetime | None) -> str:
    return format_datetime(value, "dd.MM.yyyy HH:mm") if value else "–"


def _appearance(w: _Writer, item: Appearance, owner: bool) -> None:
    w.heading(f"{item.pseudonym} – {item.role}")
    w.line(_("Fallkategorie"), item.category)
    if item.disputed_on is not None:
        w.paragraph(_("Daten bestritten seit %(day)s", day=_day(item.disputed_on)))
    if owner:
        w.heading(_("Gespeicherte Daten der Person"), 11)
        for label, value in item.person:
            w.line(label, value)
    w.line(_("Kategorien gespeicherter Daten der Person"), ", ".join(item.held))
    w.line(
        _("Aufzeichnungen im Fall"),
        "\n".join(f"{label}: {count}" for label, count in item.records),
    )
    w.heading(_("Schweigepflichtsentbindungen"), 11)
    if not item.consents:
        w.paragraph(_("Keine Schweigepflichtsentbindung betrifft die Person."))
    for c in item.consents:
        given = _("von der Person erteilt") if c.given_by_person else _("für die Person erteilt")
        w.line(
            f"{given} – {c.state}",
            "\n".join(
                [
                    _("Erfasst: %(when)s", when=_moment(c.recorded)),
                    _(
                        "Gültig: %(start)s bis %(end)s",
                        start=_day(c.valid_from),
                        end=_day(c.valid_until),
                    ),
                    _("Widerrufen am: %(day)s", day=_day(c.revoked_on)),
                    _("Empfänger: %(who)s", who=c.recipients),
                    _("Zwecke: %(what)s", what=c.purposes),
                    _("Datenkategorien: %(what)s", what=c.categories),
                    _("Form: %(form)s", form=c.form),
                    _(
                        "Unterschriebenes Dokument: %(yes)s",
                        yes=_("ja") if c.has_document else _("nein"),
                    ),
                ]
                + (
                    [
                        _("Zeugin/Zeuge: %(who)s", who=c.witness or "–"),
                        _("Dateiname: %(name)s", name=c.document_name or "–"),
                        _("Vermerk zum Widerruf: %(note)s", note=c.revocation_note or "–"),
                    ]
                    if owner
                    else []
                )
            ),
        )
    w.heading(_("Empfänger der Daten (Zugriffe laut Audit-Log)"), 11)
    if not item.recipients:
        w.paragraph(_("Keine Zugriffe protokolliert."))
    for r in item.recipients:
        w.line(
            r.institution,
            _(
                "%(persons)d Person(en), %(accesses)d Zugriffe, %(first)s bis %(last)s",
                persons=r.persons,
                accesses=r.accesses,
                first=_moment(r.first),
                last=_moment(r.last),
            ),
        )
    w.heading(_("Speicherdauer und Herkunft"), 11)
    if item.retention is not None:
        w.line(_("Aufbewahrungsklasse"), item.retention.label)
        w.line(_("Frist"), item.retention.period)
        w.line(_("Rechtsgrundlage"), item.retention.legal_basis)
        w.line(
            _("Löschdatum"),
            _day(item.retention.deletion_date)
            if item.retention.deletion_date
            else _("wird mit dem Abschluss des Falls berechnet"),
        )
    w.line(_("Erfasst von (fallführende Fachkraft)"), item.source)
    w.line(_("Erhebung"), _("nicht gesondert erfasst (beim Betroffenen oder bei Dritten)"))


def subject_access_pdf(report: SubjectAccessReport) -> bytes:
    """The Art. 15 answer as a PDF: the DPO's overview or the owner's version with content."""
    owner = report.version != DPO_VERSION
    title = _("Auskunft nach Art. 15 DSGVO")
    w = _Writer(title, title, report.created)
    w.heading(title, 16)
    w.paragraph(
        _("Fassung mit Inhalten (fallführende Fachkraft)")
        if owner
        else _("Übersicht für die Datenschutzbeauftragte: Struktur und Anzahlen, keine Inhalte")
    )
    w.line(_("Erstellt"), _moment(report.created))
    if not report.found:
        w.paragraph(_("Keine Person mit diesen Angaben gefunden."))
    for item in report.appearances:
        _appearance(w, item, owner)
    if report.withheld:
        # restricted cases: named, their content only after a reason on their page
        w.paragraph(
            _(
                "Gesperrte Fälle (§ 84 Abs. 3 SGB X), Inhalte erst nach Angabe eines Grundes "
                "auf der Fallseite: %(cases)s",
                cases=", ".join(report.withheld),
            )
        )
    return w.output()


def processing_record_pdf(record: ProcessingRecord, created: datetime) -> bytes:
    """The record of processing activities (Art. 30 DSGVO) as a PDF."""
    title = _("Verzeichnis von Verarbeitungstätigkeiten (Art. 30 DSGVO)")
    w = _Writer(title, title, created)
    w.heading(title, 16)
    w.line(_("Erstellt"), _moment(created))
    for text in record.text.preface:
        w.paragraph(text)
    w.heading(_("1. Verantwortlicher"))
    for label, value in record.text.controller:
        w.line(label, value)
    for number, activity in enumerate(record.text.activities, start=2):
        w.heading(f"{number}. {activity.title}")
        w.heading(_("Zwecke"), 11)
        w.bullets(list(activity.purposes))
        w.heading(_("Rechtsgrundlagen"), 11)
        for label, value in activity.legal_bases:
            w.line(label, value)
        w.heading(_("Betroffene Personen"), 11)
        w.bullets(list(activity.subjects))
        w.heading(_("Kategorien personenbezogener Daten"), 11)
        for name, examples, special, visible in activity.data_categories:
            w.line(name, f"{examples} (Art. 9: {special}; {visible})")
        w.line(_("Übermittlung in Drittländer"), activity.third_countries)
    w.heading(_("Gespeicherte Datenfelder (verschlüsselt)"))
    for group in record.fields:
        w.line(group.label, ", ".join(group.fields))
    w.heading(_("Empfänger"))
    for label, value in record.text.recipients:
        w.line(label, value)
    w.line(_("Teilnehmendengruppen"), ", ".join(record.participant_kinds))
    w.line(
        _("Institutionen"),
        ", ".join(record.institutions) if record.institutions is not None else _("siehe Anwendung"),
    )
    w.heading(_("Rollen"))
    for label, description in record.roles:
        w.line(label, description)
    w.heading(_("Löschfristen"))
    for label, period, basis in record.retention:
        w.line(label, f"{period} ({basis})")
    for data, period, how in record.text.retention:
        w.line(data, f"{period}; {how}")
    w.heading(_("Technische und organisatorische Maßnahmen"))
    for goal, measure, state in record.text.measures:
        w.line(f"{goal} ({state})", measure)
    w.heading(_("Offen vor dem Produktivbetrieb"))
    w.bullets(list(record.text.open_items))
    return w.output()
