"""Long-term checking of a Protokollauszug: after a new signing key and certificate are
imported, excerpts signed before still verify against the kept (retired) certificate, and the
check says they were signed with an earlier certificate of this instance. A certificate that
was never the instance's still fails."""

from __future__ import annotations

import shutil

import pytest
from cryptography.hazmat.primitives import serialization
from fpdf import FPDF

from fallteam.crypto import signing
from fallteam.crypto.runtime import current_keyring
from tests.protocols.test_verify_excerpt_cli import _verify, excerpt  # noqa: F401  (fixture)


def _pem(material: signing.SigningMaterial) -> tuple[bytes, bytes]:
    key = material.private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return key, material.certificate.public_bytes(serialization.Encoding.PEM)


@pytest.fixture
def replaced(app, tmp_path, excerpt):  # noqa: F811  (the fixture imported above)
    """The excerpt, signed before the instance's key and certificate were replaced (on a
    copy of the signing file, so the session's other tests keep theirs)."""
    copy = tmp_path / "document_signing.json"
    with app.app_context():
        shutil.copy(signing.signing_file(app.config), copy)
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(app.config, "FALLTEAM_SIGNING_FILE", str(copy))
        patch.delitem(app.extensions, "fallteam.signing", raising=False)
        with app.app_context():
            signing.import_pem(copy, current_keyring(), *_pem(signing.self_signed("Neu")))
        yield excerpt
        app.extensions.pop("fallteam.signing", None)


def test_an_excerpt_signed_before_a_new_certificate_still_verifies(app, tmp_path, replaced):
    result = _verify(app, tmp_path, replaced)

    assert result.exit_code == 0, result.output
    assert "früheren Zertifikat dieser Instanz" in result.output
    assert "GÜLTIG" in result.output and "UNGÜLTIG" not in result.output


def test_an_excerpt_of_the_new_certificate_verifies_as_current(app, tmp_path, replaced):
    with app.app_context():
        material = signing.current_material()
        assert len(material.retired) == 1
        pdf = FPDF()
        pdf.add_page()
        fresh = signing.sign_pdf(bytes(pdf.output()), material, reason="Test", location="Test")

    result = _verify(app, tmp_path, fresh)

    assert result.exit_code == 0, result.output
    assert "früheren Zertifikat" not in result.output
    assert "vom Zertifikat dieser Instanz" in result.output


def test_a_foreign_certificate_still_fails(app, tmp_path, replaced):
    pdf = FPDF()
    pdf.add_page()
    foreign = signing.sign_pdf(
        bytes(pdf.output()), signing.self_signed("Anderswo"), reason="Test", location="Test"
    )

    result = _verify(app, tmp_path, foreign)

    assert result.exit_code != 0
    assert "fremden Zertifikat" in result.output


def test_a_changed_byte_in_an_old_excerpt_still_fails(app, tmp_path, replaced):
    changed = bytearray(replaced)
    changed[len(changed) // 3] ^= 0x01

    result = _verify(app, tmp_path, bytes(changed))

    assert result.exit_code != 0
