"""The instance's document-signing key: a certificate and its private key, which sign every
Protokollauszug (PAdES, pyHanko) and against which ``flask protocols verify-excerpt`` checks.

Stored in one file (``FALLTEAM_SIGNING_FILE``, by default ``instance/keys/document_signing.json``,
mode 600 like the key-ring file): the certificate as PEM and the private key as PKCS#8, sealed
with AES-256-GCM under a key derived (HKDF) from the key ring. The file alone opens nothing;
with the key ring it is as well protected as the key ring itself. ``keys init`` makes a
self-signed certificate when none exists; ``keys import-signing-cert`` replaces it by a
certificate of the office's PKI. A replaced certificate is kept in the file (public, without
its key) as a retired one, so excerpts signed before stay checkable for as long as they lie in
case files (the signatures are PAdES B-B, without a timestamp: their long-term check rests on
the kept certificates).
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import stat
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from io import BytesIO
from pathlib import Path

from asn1crypto import cms
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.x509.oid import NameOID
from flask import current_app
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.general import SigningError
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

from fallteam.core.files import replace_private
from fallteam.crypto.keyring import Keyring
from fallteam.crypto.runtime import current_keyring

SIGNING_FORMAT = 1
#: the signature field every excerpt carries
FIELD_NAME = "Fallteam-Signatur"
#: HKDF label of the key that seals the signing key (domain-separated from every other use)
_SEAL_INFO = b"fallteam:document-signing-key:v1"
_SEAL_AAD = b"fallteam:document-signing-key"
#: validity of a self-signed certificate (the excerpts outlive it; checked at signing time)
SELF_SIGNED_YEARS = 30
#: how an excerpt names the protocol's content hash in its keywords
_HASH_IN_KEYWORDS = re.compile(r"SHA-256 ([0-9a-f]{64})")


class SigningKeyError(RuntimeError):
    """The signing key is missing, unreadable, too widely readable or does not match."""


@dataclass(frozen=True)
class RetiredCertificate:
    """A certificate this instance signed with before (public; its key is gone) and when it
    was replaced."""

    certificate: x509.Certificate
    retired_dt: datetime


@dataclass(frozen=True)
class SigningMaterial:
    """The certificate and the private key (``cryptography`` objects), and the instance's
    earlier certificates, newest first."""

    certificate: x509.Certificate
    private_key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
    retired: tuple[RetiredCertificate, ...] = ()

    def __repr__(self) -> str:  # never print key material
        return f"<SigningMaterial {self.certificate.subject.rfc4514_string()}>"


def signing_file(settings) -> Path:
    """Where the instance's signing key lies."""
    configured = settings.get("FALLTEAM_SIGNING_FILE")
    if configured:
        return Path(configured)
    return Path(settings["INSTANCE_PATH"]) / "keys" / "document_signing.json"


def _seal_key(ring: Keyring) -> bytes:
    # why the audit MAC key: it is never rotated (KEKs are), so the signing key stays
    # openable across KEK rotations; HKDF with its own label keeps the two uses apart.
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_SEAL_INFO).derive(
        ring.audit_mac_key
    )


def _write(path: Path, material: SigningMaterial, ring: Keyring) -> None:
    der = material.private_key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    nonce = secrets.token_bytes(12)
    sealed = nonce + AESGCM(_seal_key(ring)).encrypt(nonce, der, _SEAL_AAD)
    document = {
        "format": SIGNING_FORMAT,
        "certificate": _pem(material.certificate),
        "key": base64.b64encode(sealed).decode("ascii"),
        "retired": [
            {"certificate": _pem(r.certificate), "retired": r.retired_dt.isoformat()}
            for r in material.retired
        ],
    }
    replace_private(path, json.dumps(document, indent=2))


def _pem(certificate: x509.Certificate) -> str:
    return certificate.public_bytes(serialization.Encoding.PEM).decode()


def _retired_in(document: dict) -> tuple[RetiredCertificate, ...]:
    return tuple(
        RetiredCertificate(
            x509.load_pem_x509_certificate(entry["certificate"].encode()),
            datetime.fromisoformat(entry["retired"]),
        )
        for entry in document.get("retired") or []
    )


def load(path: Path, ring: Keyring) -> SigningMaterial:
    """The signing key and certificate; refuses a missing, widely readable or foreign file."""
    if not path.is_file():
        raise SigningKeyError(
            f"Dokumentsignaturschlüssel {path} fehlt: 'flask keys init' ausführen."
        )
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise SigningKeyError(
            f"Dokumentsignaturschlüssel {path} ist für andere lesbar (Modus {mode:o}); "
            "erwartet wird 600."
        )
    try:
        document = json.loads(path.read_text())
        if document.get("format") != SIGNING_FORMAT:
            raise ValueError("format")
        certificate = x509.load_pem_x509_certificate(document["certificate"].encode())
        sealed = base64.b64decode(document["key"], validate=True)
        der = AESGCM(_seal_key(ring)).decrypt(sealed[:12], sealed[12:], _SEAL_AAD)
        private_key = serialization.load_der_private_key(der, password=None)
        retired = _retired_in(document)
    except Exception as exc:  # noqa: BLE001 - every defect is the same refusal
        raise SigningKeyError(
            f"Dokumentsignaturschlüssel {path} ist unlesbar oder gehört zu einem anderen "
            "Schlüsselbund."
        ) from exc
    _check_pair(certificate, private_key)
    return SigningMaterial(certificate, private_key, retired)


def _check_pair(certificate: x509.Certificate, private_key) -> None:
    if not isinstance(private_key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise SigningKeyError("Nur RSA- oder EC-Schlüssel können Auszüge signieren.")
    public = serialization.PublicFormat.SubjectPublicKeyInfo
    mine = private_key.public_key().public_bytes(serialization.Encoding.DER, public)
    theirs = certificate.public_key().public_bytes(serialization.Encoding.DER, public)
    if mine != theirs:
        raise SigningKeyError("Zertifikat und privater Schlüssel passen nicht zusammen.")


def self_signed(instance_name: str) -> SigningMaterial:
    """A new RSA-3072 key with a self-signed certificate for document signatures
    (key usage digitalSignature + nonRepudiation)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, f"Fallteam {instance_name} Dokumentsignatur"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, f"Fallteam {instance_name}"),
        ]
    )
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=365 * SELF_SIGNED_YEARS))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,  # nonRepudiation
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return SigningMaterial(certificate, key)


def ensure(path: Path, ring: Keyring, instance_name: str) -> bool:
    """Create a self-signed signing key at ``path`` unless one exists; never overwrite.
    Returns whether one was created."""
    if path.exists():
        return False
    _write(path, self_signed(instance_name), ring)
    return True


def import_pem(
    path: Path, ring: Keyring, key_pem: bytes, cert_pem: bytes, password: bytes | None = None
) -> SigningMaterial:
    """Store a key and certificate of the office's PKI (PEM) as the signing key. The
    certificate it replaces (and those retired before) stay in the file as retired ones:
    excerpts signed with them remain checkable."""
    try:
        private_key = serialization.load_pem_private_key(key_pem, password=password)
        certificate = x509.load_pem_x509_certificate(cert_pem)
    except (ValueError, TypeError) as exc:
        raise SigningKeyError(f"Schlüssel oder Zertifikat nicht lesbar: {exc}") from exc
    _check_pair(certificate, private_key)
    retired = tuple(r for r in _certificates_replaced(path) if r.certificate != certificate)
    material = SigningMaterial(certificate, private_key, retired)
    _write(path, material, ring)
    return material


def _certificates_replaced(path: Path) -> list[RetiredCertificate]:
    """The certificates of the file at ``path`` once it is replaced, newest first: its
    current one (retired now) and those retired before. Only the public parts are read (no
    key ring needed); a file whose certificates cannot be read is not replaced silently."""
    if not path.exists():
        return []
    try:
        document = json.loads(path.read_text())
        current = x509.load_pem_x509_certificate(document["certificate"].encode())
        earlier = _retired_in(document)
    except Exception as exc:  # noqa: BLE001 - every defect is the same refusal
        raise SigningKeyError(
            f"Die Zertifikate in {path} sind nicht lesbar; ohne sie wären ältere Auszüge "
            "nicht mehr prüfbar. Datei prüfen oder aus der Sicherung wiederherstellen."
        ) from exc
    return [RetiredCertificate(current, datetime.now(UTC)), *earlier]


def _asn1_certificate(certificate: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))


def sign_pdf(pdf: bytes, material: SigningMaterial, *, reason: str, location: str) -> bytes:
    """``pdf`` with a PAdES baseline signature (B-B) of the instance over the whole file."""
    key_der = material.private_key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    cert = _asn1_certificate(material.certificate)
    signer = signers.SimpleSigner(
        signing_cert=cert,
        signing_key=asn1_keys.PrivateKeyInfo.load(key_der),
        # the container carries exactly the instance's certificate (checked on verifying)
        cert_registry=SimpleCertificateStore(),
    )
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason,
        location=location,
    )
    writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
    out = BytesIO()
    signers.PdfSigner(meta, signer=signer).sign_pdf(writer, output=out)
    return out.getvalue()


@dataclass(frozen=True)
class SignatureCheck:
    """The result of checking an excerpt's signature."""

    valid: bool
    #: why not (German), when not valid
    problem: str | None = None
    signer: str | None = None
    signed_dt: datetime | None = None
    #: signed with one of the instance's earlier certificates (this one, since replaced)
    retired: RetiredCertificate | None = None


#: DER of the algorithm identifiers this instance signs with (SHA-256; RSA PKCS#1 v1.5 or
#: ECDSA): the container's copies are not covered by the signature, so they are pinned
_SHA256 = bytes.fromhex("300d06096086480165030402010500")
_SIGNATURE_ALGORITHMS = {
    bytes.fromhex("300d06092a864886f70d01010b0500"),  # sha256WithRSAEncryption
    bytes.fromhex("300a06082a8648ce3d040302"),  # ecdsa-with-SHA256
}


def _unsigned_parts_changed(contents: bytes, root: asn1_x509.Certificate) -> bool:
    """Whether the signature container differs in any byte from the one this instance
    writes for the same signed attributes and signature value: the byte range leaves the
    container out, and parts of it (the embedded certificate, the signer's issuer and serial
    number, the algorithm identifiers, the reserved space after it) are covered by no
    signature, so a changed byte there is caught only here (every byte of the file counts)."""
    try:
        info = cms.ContentInfo.load(contents)
        signer = info["content"]["signer_infos"][0]
        if signer["digest_algorithm"].dump() != _SHA256:
            return True
        if signer["signature_algorithm"].dump() not in _SIGNATURE_ALGORITHMS:
            return True
        expected = cms.ContentInfo(
            {
                "content_type": "signed_data",
                "content": cms.SignedData(
                    {
                        "version": "v1",
                        "digest_algorithms": [signer["digest_algorithm"]],
                        "encap_content_info": {"content_type": "data"},
                        "certificates": [root],
                        "signer_infos": [
                            cms.SignerInfo(
                                {
                                    "version": "v1",
                                    "sid": cms.SignerIdentifier(
                                        name="issuer_and_serial_number",
                                        value={
                                            "issuer": root.issuer,
                                            "serial_number": root.serial_number,
                                        },
                                    ),
                                    "digest_algorithm": signer["digest_algorithm"],
                                    "signed_attrs": signer["signed_attrs"],
                                    "signature_algorithm": signer["signature_algorithm"],
                                    "signature": signer["signature"],
                                }
                            )
                        ],
                    }
                ),
            }
        ).dump()
    except (ValueError, TypeError, KeyError, IndexError):
        return True
    return contents != expected + bytes(len(contents) - len(expected))


def _gap_changed(pdf: bytes, embedded) -> bool:
    """Whether the space the byte range leaves out is other than the container as this
    instance writes it (upper-case hexadecimal in angle brackets): a byte turned to lower
    case would decode to the same container."""
    _start, first, second, _length = (int(v) for v in embedded.byte_range)
    written = b"<" + embedded.pkcs7_content.hex().upper().encode("ascii") + b">"
    return pdf[first:second] != written


def _signer_certificate(embedded) -> bytes | None:
    try:
        return embedded.signer_cert.dump()
    except Exception:  # noqa: BLE001 - a container without a readable certificate matches none
        return None


def verify_pdf(
    pdf: bytes,
    certificate: x509.Certificate,
    retired: tuple[RetiredCertificate, ...] = (),
) -> SignatureCheck:
    """Whether ``pdf`` carries exactly one signature that is intact, made with the instance's
    certificate or one of its ``retired`` earlier ones (the one the signature names is
    trusted as the only root) and covers the whole file. A signature of a retired
    certificate says so (``SignatureCheck.retired``)."""
    try:
        reader = PdfFileReader(BytesIO(pdf), strict=False)
        embedded = reader.embedded_signatures
    except Exception:  # noqa: BLE001 - an unreadable file is simply not valid
        return SignatureCheck(False, "Die Datei ist kein lesbares PDF.")
    if len(embedded) != 1:
        return SignatureCheck(
            False, f"Erwartet wird genau eine Signatur, gefunden: {len(embedded)}."
        )
    # the certificate the container names, if it is one of the instance's; else the current
    # one (and the check below refuses the foreign signer)
    named = _signer_certificate(embedded[0])
    used = None
    if named != _asn1_certificate(certificate).dump():
        used = next((r for r in retired if _asn1_certificate(r.certificate).dump() == named), None)
    root = _asn1_certificate(used.certificate if used is not None else certificate)
    context = ValidationContext(trust_roots=[root], allow_fetching=False)
    try:
        status = validate_pdf_signature(embedded[0], context)
    except (SigningError, ValueError, KeyError) as exc:
        return SignatureCheck(False, f"Die Signatur ist nicht prüfbar: {exc}")
    except Exception as exc:  # noqa: BLE001 - any failure of the validator means: not valid
        return SignatureCheck(False, f"Die Signatur ist nicht prüfbar: {type(exc).__name__}")
    signer = status.signing_cert.subject.human_friendly if status.signing_cert else None
    result = {"signer": signer, "signed_dt": status.signer_reported_dt, "retired": used}
    if not (status.intact and status.valid):
        return SignatureCheck(
            False, "Die Signatur ist verletzt: das Dokument wurde verändert.", **result
        )
    if status.signing_cert is None or status.signing_cert.dump() != root.dump():
        return SignatureCheck(False, "Signiert mit einem fremden Zertifikat.", **result)
    if not status.trusted:
        return SignatureCheck(
            False, "Das Zertifikat der Signatur ist nicht vertrauenswürdig.", **result
        )
    if _unsigned_parts_changed(embedded[0].pkcs7_content, root) or _gap_changed(pdf, embedded[0]):
        return SignatureCheck(
            False, "Die Signatur ist verletzt: das Dokument wurde verändert.", **result
        )
    if status.coverage != SignatureCoverageLevel.ENTIRE_FILE:
        return SignatureCheck(
            False,
            "Die Signatur deckt nicht die ganze Datei ab (nachträglich angehängt).",
            **result,
        )
    return SignatureCheck(True, None, **result)


def current_material() -> SigningMaterial:
    """The running application's signing key (loaded once per process)."""
    cached = current_app.extensions.get("fallteam.signing")
    if cached is None:
        cached = load(signing_file(current_app.config), current_keyring())
        current_app.extensions["fallteam.signing"] = cached
    return cached


def content_hash_of(pdf: bytes) -> str | None:
    """The protocol's content hash an excerpt carries in its metadata (XMP keywords)."""
    try:
        reader = PdfFileReader(BytesIO(pdf), strict=False)
        metadata = reader.root["/Metadata"].get_object().data.decode("utf-8", "replace")
    except Exception:  # noqa: BLE001 - an unreadable file carries no hash
        return None
    match = _HASH_IN_KEYWORDS.search(metadata)
    return match.group(1) if match else None
