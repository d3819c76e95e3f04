"""``flask reports …``: the record of processing as Markdown, for ``security/``."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app, render_template
from flask.cli import with_appcontext
from flask_babel import force_locale

from fallteam.reports.queries import processing_record

#: the committed copy of the record
MARKDOWN_PATH = (
    Path(__file__).resolve().parent.parent.parent / "security" / ("VERARBEITUNGSVERZEICHNIS.md")
)


@click.group("reports", help="Berichte: Verzeichnis von Verarbeitungstätigkeiten.")
def reports_cli() -> None:
    """Report commands."""


def processing_record_markdown() -> str:
    """The record of processing as Markdown, in German, without the institutions of this
    instance's database (the file says where to find them), so it is the same everywhere."""
    with current_app.test_request_context(), force_locale("de"):
        return render_template(
            "reports/processing_record.md", record=processing_record(with_institutions=False)
        )


@reports_cli.command("processing-record")
@click.option("--markdown", "as_markdown", is_flag=True, required=True, help="als Markdown")
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help=f"in diese Datei schreiben (sonst Standardausgabe), z. B. {MARKDOWN_PATH.name}",
)
@with_appcontext
def processing_record_command(as_markdown: bool, output: Path | None) -> None:
    """Print (or write) the record of processing activities (Art. 30 DSGVO) as Markdown."""
    text = processing_record_markdown()
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        click.echo(f"{output} geschrieben.")
