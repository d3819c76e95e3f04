"""``flask protocols verify-excerpt FILE``: an excerpt as handed out is valid (exit code 0,
signer, signing time and content hash printed in German, times in the office's time); one
changed byte anywhere, an appended revision, or a foreign signer makes it fail."""

from __future__ import annotations

from datetime import UTC
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from fallteam.crypto import signing
from fallteam.extensions import db
from fallteam.protocols.models import CaseProtocol, ProtocolExcerpt
from tests.conftest import sign_in


@pytest.fixture
def excerpt(app, three_cases) -> bytes:
    client = app.test_client()
    sign_in(client, app, three_cases.owners[0])
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(app.config, "WTF_CSRF_ENABLED", False)
        response = client.post(f"/protokolle/{three_cases.protocol_ids[0]}/auszug", data={})
    assert response.status_code == 200
    return response.data


def _verify(app, tmp_path, content: bytes):
    path = tmp_path / "auszug.pdf"
    path.write_bytes(content)
    return app.test_cli_runner().invoke(args=["protocols", "verify-excerpt", str(path)])


def test_an_excerpt_as_handed_out_is_valid(app, tmp_path, three_cases, excerpt):
    result = _verify(app, tmp_path, excerpt)

    assert result.exit_code == 0, result.output
    with app.app_context():
        content_hash = db.session.get(CaseProtocol, three_cases.protocol_ids[0]).content_hash
    assert "GÜLTIG" in result.output
    assert "Dokumentsignatur" in result.output  # the signer
    assert "Signiert am" in result.output
    assert content_hash in result.output
    assert "In dieser Instanz erstellt" in result.output


def _positions(content: bytes) -> list[int]:
    """Bytes across the file, the signature container and its reserved space included."""
    start = content.index(b"/Contents <") + len(b"/Contents <")
    end = content.index(b">", start)
    spread = list(range(0, len(content), max(1, len(content) // 25)))
    return sorted({*spread, start + 20, start + 300, (start + end) // 2, end - 2, len(content) - 1})


@pytest.mark.parametrize("bit", [0x01, 0x20])
def test_one_changed_byte_fails(app, tmp_path, excerpt, bit):
    for position in _positions(excerpt):
        changed = bytearray(excerpt)
        changed[position] ^= bit
        result = _verify(app, tmp_path, bytes(changed))
        assert result.exit_code != 0, f"byte {position} changed, still valid"
        assert "GÜLTIG:" not in result.output.replace("UNGÜLTIG:", "")


def test_an_appended_revision_fails(app, tmp_path, excerpt):
    result = _verify(app, tmp_path, excerpt + b"\n% nachtraeglich\n")

    assert result.exit_code != 0
    assert "UNGÜLTIG" in result.output


def test_a_signature_of_another_instance_fails(app, tmp_path, excerpt):
    foreign = signing.self_signed("Anderswo")
    with app.app_context():
        app.extensions["fallteam.signing"], saved = foreign, signing.current_material()
        try:
            result = _verify(app, tmp_path, excerpt)
        finally:
            app.extensions["fallteam.signing"] = saved

    assert result.exit_code != 0
    assert "fremden Zertifikat" in result.output or "nicht vertrauenswürdig" in result.output


def test_a_file_that_is_no_pdf_fails(app, tmp_path):
    result = _verify(app, tmp_path, b"kein PDF")

    assert result.exit_code != 0
    assert "UNGÜLTIG" in result.output


def test_the_times_are_printed_in_the_offices_time(app, tmp_path, three_cases, excerpt):
    result = _verify(app, tmp_path, excerpt)

    with app.app_context():
        created = db.session.scalar(
            select(ProtocolExcerpt.created_dt).where(
                ProtocolExcerpt.protocol_id == three_cases.protocol_ids[0]
            )
        )
    created = created if created.tzinfo else created.replace(tzinfo=UTC)
    local = created.astimezone(ZoneInfo("Europe/Berlin"))
    assert "In dieser Instanz erstellt am " in result.output
    assert f"{local:%d.%m.%Y, %H:%M} Uhr" in result.output.split("erstellt am", 1)[1]
    signed = result.output.split("Signiert am:", 1)[1].splitlines()[0]
    assert signed.strip().endswith("Uhr (Angabe des Servers)")
    assert f"{local:%d.%m.%Y}" in signed
    assert "UTC" not in result.output
