"""The document-signing key of the Protokollauszug: ``keys init`` makes a self-signed one once
(mode 600, the private key sealed under the key ring), never overwrites it, and
``keys import-signing-cert`` takes a key and certificate of the office's PKI instead."""

from __future__ import annotations

import json
import stat

import pytest
from click.testing import CliRunner
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from fallteam.crypto import signing
from fallteam.crypto.cli import keys_cli
from fallteam.crypto.keyring import Keyring


def _run(tmp_path, *args):
    env = {
        "FALLTEAM_INSTANCE_PATH": str(tmp_path),
        "FALLTEAM_KEYRING": "",
        "SECRET_KEY": "",
        "FALLTEAM_KEY_FILE": "",
        "FALLTEAM_SIGNING_FILE": "",
        "FALLTEAM_INSTANCE_NAME": "Teststadt",
    }
    return CliRunner().invoke(keys_cli, list(args), env=env)


def _ring(tmp_path) -> Keyring:
    return Keyring.from_json((tmp_path / "keys" / "keyring.json").read_text())


def test_init_creates_a_self_signed_document_signing_key(tmp_path):
    result = _run(tmp_path, "init")

    assert result.exit_code == 0, result.output
    path = tmp_path / "keys" / "document_signing.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    material = signing.load(path, _ring(tmp_path))
    certificate = material.certificate
    assert certificate.subject == certificate.issuer
    common_name = certificate.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)[0].value
    assert common_name == "Fallteam Teststadt Dokumentsignatur"
    usage = certificate.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature and usage.content_commitment


def test_the_private_key_is_not_stored_in_plain_text(tmp_path):
    _run(tmp_path, "init")
    path = tmp_path / "keys" / "document_signing.json"

    stored = path.read_text()
    assert "PRIVATE KEY" not in stored
    with pytest.raises(signing.SigningKeyError):
        signing.load(path, Keyring.generate())  # another key ring opens nothing


def test_a_second_init_keeps_the_signing_key(tmp_path):
    _run(tmp_path, "init")
    before = (tmp_path / "keys" / "document_signing.json").read_bytes()

    result = _run(tmp_path, "init")

    assert result.exit_code == 0
    assert "Dokumentsignaturschlüssel vorhanden, nichts geändert." in result.output
    assert (tmp_path / "keys" / "document_signing.json").read_bytes() == before


def test_a_widely_readable_signing_key_is_refused(tmp_path):
    _run(tmp_path, "init")
    path = tmp_path / "keys" / "document_signing.json"
    path.chmod(0o644)

    with pytest.raises(signing.SigningKeyError, match="600"):
        signing.load(path, _ring(tmp_path))


def _pem_pair(tmp_path, name: str):
    material = signing.self_signed(name)
    key = tmp_path / f"{name}.key"
    cert = tmp_path / f"{name}.crt"
    key.write_bytes(
        material.private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    cert.write_bytes(material.certificate.public_bytes(serialization.Encoding.PEM))
    return material, key, cert


def test_a_certificate_of_the_offices_pki_can_be_imported(tmp_path):
    _run(tmp_path, "init")
    imported, key, cert = _pem_pair(tmp_path, "Amt")

    result = _run(tmp_path, "import-signing-cert", str(key), str(cert))

    assert result.exit_code == 0, result.output
    path = tmp_path / "keys" / "document_signing.json"
    assert json.loads(path.read_text())["certificate"].startswith("-----BEGIN CERTIFICATE")
    assert signing.load(path, _ring(tmp_path)).certificate == imported.certificate


def test_a_key_that_does_not_match_the_certificate_is_refused(tmp_path):
    _run(tmp_path, "init")
    before = (tmp_path / "keys" / "document_signing.json").read_bytes()
    _material, key, _cert = _pem_pair(tmp_path, "Eins")
    _other, _key, cert = _pem_pair(tmp_path, "Zwei")

    result = _run(tmp_path, "import-signing-cert", str(key), str(cert))

    assert result.exit_code != 0
    assert "passen nicht zusammen" in result.output
    assert (tmp_path / "keys" / "document_signing.json").read_bytes() == before


def test_an_import_keeps_the_replaced_certificates_as_retired(tmp_path):
    _run(tmp_path, "init")
    path = tmp_path / "keys" / "document_signing.json"
    first = signing.load(path, _ring(tmp_path)).certificate
    second, key2, cert2 = _pem_pair(tmp_path, "Zwei")
    third, key3, cert3 = _pem_pair(tmp_path, "Drei")

    assert _run(tmp_path, "import-signing-cert", str(key2), str(cert2)).exit_code == 0
    assert _run(tmp_path, "import-signing-cert", str(key3), str(cert3)).exit_code == 0

    loaded = signing.load(path, _ring(tmp_path))
    assert loaded.certificate == third.certificate
    # newest first, public certificates only: no key of them is kept
    assert [r.certificate for r in loaded.retired] == [second.certificate, first]
    assert all(r.retired_dt.tzinfo is not None for r in loaded.retired)
    assert set(json.loads(path.read_text())["retired"][0]) == {"certificate", "retired"}


def test_importing_the_current_certificate_again_retires_nothing(tmp_path):
    _run(tmp_path, "init")
    _material, key, cert = _pem_pair(tmp_path, "Amt")
    _run(tmp_path, "import-signing-cert", str(key), str(cert))

    assert _run(tmp_path, "import-signing-cert", str(key), str(cert)).exit_code == 0

    retired = signing.load(tmp_path / "keys" / "document_signing.json", _ring(tmp_path)).retired
    assert len(retired) == 1
