"""The record of processing (Art. 30 DSGVO) is generated from the configuration: every
encrypted field of the models with its label, every retention class, the roles, the
institutions of this instance; as a page and a PDF for the DPO, and as the committed
Markdown file, which must equal the generated one."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

from pypdf import PdfReader

from fallteam.core.models import Base
from fallteam.reports import rules
from fallteam.reports.cli import MARKDOWN_PATH, processing_record_markdown
from fallteam.retention.rules import retention_classes
from tests.conftest import GESUNDHEITSAMT, JOBCENTER
from tests.reports.conftest import client_of


def test_every_encrypted_column_of_the_models_has_a_label():
    columns = [(t, c) for t, cols in rules.encrypted_columns(Base.metadata) for c in cols]
    assert columns, "no encrypted columns found"
    missing = [pair for pair in columns if pair not in rules.FIELD_LABELS]
    assert missing == [], "label these in fallteam/reports/rules.py FIELD_LABELS"
    assert {t for t, _ in columns} <= set(rules.TABLE_LABELS)


def test_the_page_lists_every_encrypted_field_and_every_retention_class(app, create_account):
    dpo = create_account(["dpo"])
    page = client_of(app, dpo).get("/datenschutz/verarbeitungsverzeichnis")
    assert page.status_code == 200
    html = page.text
    for table, columns in rules.encrypted_columns(Base.metadata):
        assert rules.table_label(table) in html
        for column in columns:
            assert rules.field_label(table, column) in html, (table, column)
    for item in retention_classes():
        assert item.label in html
        assert rules.retention_period(item) in html
    # roles from the policy, institutions from the database, the measures
    for role in ("Fachkraft (ASD)", "Datenschutzbeauftragte/r", "Administration"):
        assert role in html
    assert GESUNDHEITSAMT in html and JOBCENTER in html
    for measure in ("AES-256-GCM", "Blind Index", "HMAC-SHA256-Kette", "Checkpoints", "TOTP"):
        assert measure in html


def test_the_pdf_holds_the_same_record(app, create_account):
    dpo = create_account(["dpo"])
    response = client_of(app, dpo).get("/datenschutz/verarbeitungsverzeichnis.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    text = " ".join(p.extract_text() for p in PdfReader(BytesIO(response.data)).pages)
    text = " ".join(text.split())
    for item in retention_classes():
        assert item.legal_basis.split(" (")[0] in text
    assert "Aktenzeichen" in text and "Geburtsdatum" in text
    assert GESUNDHEITSAMT in text


def test_the_committed_markdown_equals_the_generated_record(app):
    with app.app_context():
        generated = processing_record_markdown()
    committed = MARKDOWN_PATH.read_text(encoding="utf-8")
    assert committed == generated, (
        "security/VERARBEITUNGSVERZEICHNIS.md is stale: run "
        "flask --app wsgi reports processing-record --markdown --output "
        "security/VERARBEITUNGSVERZEICHNIS.md"
    )


def test_the_markdown_names_every_encrypted_field_and_no_instance_data(app):
    with app.app_context():
        text = processing_record_markdown()
        for table, columns in rules.encrypted_columns(Base.metadata):
            for column in columns:
                assert rules.field_label(table, column) in text
    for item in retention_classes():
        assert item.label in text
    assert "siehe Anwendung" in text
    assert JOBCENTER not in text


def test_the_cli_writes_the_markdown(app, tmp_path: Path):
    target = tmp_path / "record.md"
    result = app.test_cli_runner().invoke(
        args=["reports", "processing-record", "--markdown", "--output", str(target)]
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert target.read_text(encoding="utf-8") == processing_record_markdown()


def test_the_workspace_offers_both_reports(app, create_account):
    html = client_of(app, create_account(["dpo"])).get("/datenschutz/").text
    assert 'href="/datenschutz/auskunft"' in html
    assert 'href="/datenschutz/verarbeitungsverzeichnis"' in html
