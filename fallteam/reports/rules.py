"""Pure rules of the reports: the labels of the stored (encrypted) data fields, the
descriptive part of the record of processing (``security/processing.toml``), and how a
retention class is put in words.

Imports only the standard library, models, rules, core and crypto.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from flask_babel import lazy_gettext as _l
from sqlalchemy import MetaData

from fallteam.crypto.types import EncryptedBytes, EncryptedJSON, EncryptedText
from fallteam.retention.rules import RetentionClass

PROCESSING_PATH = Path(__file__).resolve().parent.parent.parent / "security" / "processing.toml"
ENCRYPTED_TYPES = (EncryptedText, EncryptedJSON, EncryptedBytes)

#: the tables that hold encrypted fields, in words
TABLE_LABELS = {
    "users": _l("Benutzerkonten"),
    "cases": _l("Fall"),
    "family_members": _l("Familienmitglieder"),
    "family_relations": _l("Genogramm (Beziehungen)"),
    "resource_entries": _l("Ressourcenkarte"),
    "consents": _l("Schweigepflichtsentbindungen"),
    "agenda_items": _l("Anmeldungen zum Fallteam (Tagesordnungspunkte)"),
    "agenda_documents": _l("Unterlagen der Anmeldung"),
    "case_protocols": _l("Fallprotokolle"),
    "protocol_revisions": _l("Entwurfsstände der Fallprotokolle"),
    "protocol_addenda": _l("Nachträge zu Fallprotokollen"),
    "protocol_excerpts": _l("Protokollauszüge"),
    "resubmissions": _l("Wiedervorlagen"),
    "outgoing_mails": _l("Ausgehende E-Mails (Warteschlange)"),
}

#: (table, column) -> what the encrypted field holds; a test checks every encrypted column
#: of the models has one, so a new field cannot stay out of the record of processing
FIELD_LABELS = {
    ("users", "totp_secret"): _l("TOTP-Geheimnis (zweiter Faktor)"),
    ("cases", "file_number"): _l("Aktenzeichen"),
    ("cases", "background"): _l("Hintergrund (Freitext)"),
    ("cases", "background_release_reason"): _l("Begründung der Freigabe des Hintergrunds"),
    ("cases", "closing_note"): _l("Notiz zum Abschluss des Falls"),
    ("family_members", "first_name"): _l("Vorname"),
    ("family_members", "last_name"): _l("Nachname"),
    ("family_members", "birth_date"): _l("Geburtsdatum"),
    ("family_members", "address"): _l("Anschrift"),
    ("family_members", "facts"): _l("Genogramm-Angaben (verstorben, im Haushalt, Indexperson)"),
    ("family_relations", "details"): _l("Beziehung zweier Familienmitglieder"),
    ("resource_entries", "label"): _l("Person oder Einrichtung im Umfeld"),
    ("consents", "witness"): _l("Zeugin/Zeuge einer mündlichen Entbindung"),
    ("consents", "document"): _l("Unterschriebenes Dokument"),
    ("consents", "document_name"): _l("Dateiname des Dokuments"),
    ("consents", "revocation_note"): _l("Vermerk zum Widerruf"),
    ("agenda_items", "question"): _l("Fragestellung"),
    ("agenda_items", "presentation"): _l("Falldarstellung"),
    ("agenda_items", "category_notes"): _l(
        "Angaben je Datenkategorie (Gesundheit, Schule, Finanzen)"
    ),
    ("agenda_items", "late_reason"): _l("Begründung einer Nachmeldung"),
    ("agenda_documents", "filename"): _l("Dateiname einer Unterlage"),
    ("agenda_documents", "content"): _l("Unterlage (Genogramm, Ressourcenkarte, Entbindung …)"),
    ("case_protocols", "sections"): _l("Fallprotokoll (Abschnitte)"),
    ("case_protocols", "risk_assessment"): _l("Gefährdungseinschätzung nach § 8a SGB VIII"),
    ("protocol_revisions", "sections"): _l("Entwurfsstand des Fallprotokolls"),
    ("protocol_revisions", "risk_assessment"): _l("Entwurfsstand der Gefährdungseinschätzung"),
    ("protocol_addenda", "text"): _l("Nachtrag"),
    ("protocol_addenda", "reason"): _l("Begründung des Nachtrags"),
    ("resubmissions", "topic"): _l("Gegenstand der Wiedervorlage"),
    ("resubmissions", "outcome"): _l("Ergebnis der Wiedervorlage"),
    ("outgoing_mails", "recipient_address"): _l("Empfängeradresse"),
    ("outgoing_mails", "subject"): _l("Betreff"),
    ("outgoing_mails", "body"): _l("Nachricht"),
    ("outgoing_mails", "calendar"): _l("Kalenderanhang"),
}

#: a family member's encrypted fields -> the category of data the Art. 15 answer names
MEMBER_FIELD_CATEGORIES = {
    "first_name": _l("Vorname"),
    "last_name": _l("Nachname"),
    "birth_date": _l("Geburtsdatum"),
    "address": _l("Anschrift"),
    "facts": _l("Genogramm-Angaben"),
}

BASIS_TEXTS = {
    "closed": _l("%(years)s Jahre nach Abschluss des Falls"),
    "session": _l("%(years)s Jahre nach der Sitzung"),
    "birthday": _l("bis zum %(years)s. Geburtstag des jungen Menschen"),
    "with_case": _l("mit dem Fall"),
}


def table_label(table: str) -> str:
    """A table's name in words (its technical name where none is configured)."""
    return str(TABLE_LABELS.get(table, table))


def field_label(table: str, column: str) -> str:
    """An encrypted field in words (``table.column`` where none is configured)."""
    label = FIELD_LABELS.get((table, column))
    return str(label) if label is not None else f"{table}.{column}"


def encrypted_columns(metadata: MetaData) -> list[tuple[str, list[str]]]:
    """(table, [column, …]) of every table with encrypted columns: in the order of
    ``TABLE_LABELS`` (a reader's order), tables without a label after them by name."""
    order = {name: i for i, name in enumerate(TABLE_LABELS)}
    found = []
    for table in sorted(metadata.tables.values(), key=lambda t: (order.get(t.name, 999), t.name)):
        columns = [c.name for c in table.columns if isinstance(c.type, ENCRYPTED_TYPES)]
        if columns:
            found.append((table.name, columns))
    return found


def retention_period(item: RetentionClass) -> str:
    """How long a retention class keeps its records, in words."""
    text = BASIS_TEXTS.get(item.basis)
    if text is None:
        return item.basis
    return str(text) % {"years": item.years}


@dataclass(frozen=True)
class Activity:
    """One processing activity of the record (Art. 30 Abs. 1 lit. b–e)."""

    title: str
    purposes: tuple[str, ...]
    legal_bases: tuple[tuple[str, str], ...]
    subjects: tuple[str, ...]
    data_categories: tuple[tuple[str, str, str, str], ...]
    third_countries: str


@dataclass(frozen=True)
class ProcessingText:
    """The descriptive part of the record, as ``security/processing.toml`` holds it."""

    preface: tuple[str, ...]
    controller: tuple[tuple[str, str], ...]
    activities: tuple[Activity, ...]
    recipients: tuple[tuple[str, str], ...]
    retention: tuple[tuple[str, str, str], ...]
    measures: tuple[tuple[str, str, str], ...]
    open_items: tuple[str, ...]


class ProcessingConfigError(ValueError):
    """``security/processing.toml`` is not usable; the message says where."""


def _rows(raw, width: int, where: str) -> tuple[tuple[str, ...], ...]:
    rows = tuple(tuple(str(cell) for cell in row) for row in raw)
    for row in rows:
        if len(row) != width:
            raise ProcessingConfigError(f"{where}: {width} Spalten erwartet, {row!r}")
        if any("|" in cell for cell in row):
            raise ProcessingConfigError(f"{where}: senkrechter Strich in {row!r}")
    return rows


def load_processing_text(path: Path = PROCESSING_PATH) -> ProcessingText:
    """Read and check the descriptive part of the record of processing."""
    with path.open("rb") as fh:
        data = tomllib.load(fh)
    try:
        activities = tuple(
            Activity(
                title=str(raw["title"]),
                purposes=tuple(str(p) for p in raw["purposes"]),
                legal_bases=_rows(raw["legal_bases"], 2, "legal_bases"),
                subjects=tuple(str(s) for s in raw["subjects"]),
                data_categories=_rows(raw["data_categories"], 4, "data_categories"),
                third_countries=str(raw["third_countries"]),
            )
            for raw in data["activities"]
        )
        return ProcessingText(
            preface=tuple(str(p) for p in data["document"]["preface"]),
            controller=_rows(data["controller"]["rows"], 2, "controller"),
            activities=activities,
            recipients=_rows(data["recipients"]["rows"], 2, "recipients"),
            retention=_rows(data["retention"]["rows"], 3, "retention"),
            measures=_rows(data["measures"]["rows"], 3, "measures"),
            open_items=tuple(str(i) for i in data["open"]["items"]),
        )
    except (KeyError, TypeError) as exc:
        raise ProcessingConfigError(f"security/processing.toml: {exc!r}") from exc


@cache
def processing_text() -> ProcessingText:
    """The descriptive part of the record (read once per process)."""
    return load_processing_text()
