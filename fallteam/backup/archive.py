"""The two files of a backup, free of database and Flask: nothing here is home-made crypto.

**Key backup** (JSON): the key ring, the document-signing file and the dump's backup key,
sealed with AES-256-GCM under a key derived from a passphrase (scrypt). The cleartext header
(format, backup id, time, KDF parameters) is the associated data, so none of it can be
changed without the passphrase check failing.

**Dump**: ``MAGIC | header length (4 bytes) | header (JSON)`` and then chunks, each
``length (4 bytes) | AES-256-GCM(backup key, compressed JSON lines)``. The backup key is fresh
and random per backup and lies only in the key backup: a dump alone is useless. The chunks
form the STREAM construction: the nonce is the chunk's index and a final-chunk flag, and the
associated data repeats both with a digest of the header, so chunks cannot be reordered,
dropped, taken from another dump or cut off after any chunk but the last.
"""

from __future__ import annotations

import base64
import errno
import hashlib
import hmac
import json
import os
import secrets
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from fallteam.core.files import sync_directory
from fallteam.crypto.keyring import Keyring, KeyringError

KEYS_FORMAT = "fallteam-schluesselsicherung"
DUMP_FORMAT = "fallteam-datenbanksicherung"
VERSION = 1
MAGIC = b"FALLTEAM-SICHERUNG\n"
#: compressed bytes per chunk before encryption
CHUNK_BYTES = 1 << 20
_MAX_CIPHERTEXT = CHUNK_BYTES + 16
_MAX_HEADER = 64 * 1024
#: scrypt cost: about 0.3 s and 128 MiB per derivation (OWASP's minimum for scrypt)
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**17, 8, 1
#: passphrases shorter than this are refused
MIN_PASSPHRASE = 12


class BackupError(RuntimeError):
    """A backup cannot be written or read; the message (German) says why."""


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _unb64(text: Any) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (ValueError, TypeError) as exc:
        raise BackupError("Die Schlüsselsicherung ist beschädigt (Kodierung).") from exc


def check_passphrase(passphrase: str) -> None:
    """Refuse passphrases too short to resist guessing against a stolen key backup."""
    if len(passphrase) < MIN_PASSPHRASE:
        raise BackupError(
            f"Die Passphrase ist zu kurz: mindestens {MIN_PASSPHRASE} Zeichen "
            "(besser ein Satz aus mehreren Wörtern)."
        )


def keyring_fingerprint(ring: Keyring) -> str:
    """A keyed fingerprint of the whole ring (HMAC with its audit key): names the ring in the
    dump without revealing anything, and only the same ring reproduces it."""
    message = b"fallteam:backup:keyring:v1|" + ring.to_json().encode()
    return hmac.new(ring.audit_mac_key, message, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class KeyBackup:
    """What the key backup holds: enough to read the dump and to run the restored instance."""

    backup_id: str
    created: str
    ring: Keyring
    #: the document-signing file's text (its private key sealed under the ring), if any
    signing_file: str | None
    #: the AES-256 key the dump is encrypted with
    backup_key: bytes

    def __repr__(self) -> str:  # never print key material
        return f"<KeyBackup {self.backup_id}>"


def _canonical(data: dict) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":")).encode()


def _scrypt(passphrase: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return Scrypt(salt=salt, length=32, n=n, r=r, p=p).derive(passphrase.encode("utf-8"))


def seal_keys(backup: KeyBackup, passphrase: str) -> bytes:
    """The key backup as a file's bytes, sealed under the passphrase."""
    check_passphrase(passphrase)
    header = {
        "format": KEYS_FORMAT,
        "version": VERSION,
        "backup_id": backup.backup_id,
        "created": backup.created,
        "kdf": {
            "name": "scrypt",
            "n": SCRYPT_N,
            "r": SCRYPT_R,
            "p": SCRYPT_P,
            "salt": _b64(secrets.token_bytes(16)),
        },
        "cipher": "AES-256-GCM",
    }
    payload = {
        "keyring": json.loads(backup.ring.to_json()),
        "document_signing": backup.signing_file,
        "backup_key": _b64(backup.backup_key),
    }
    key = _scrypt(passphrase, _unb64(header["kdf"]["salt"]), SCRYPT_N, SCRYPT_R, SCRYPT_P)
    nonce = secrets.token_bytes(12)
    sealed = AESGCM(key).encrypt(nonce, _canonical(payload), _canonical(header))
    document = {**header, "nonce": _b64(nonce), "ciphertext": _b64(sealed)}
    return (json.dumps(document, indent=2) + "\n").encode()


def open_keys(data: bytes, passphrase: str) -> KeyBackup:
    """The key backup's content; a wrong passphrase or a changed file is one refusal."""
    try:
        document = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        document = None
    if not isinstance(document, dict) or document.get("format") != KEYS_FORMAT:
        raise BackupError("Die Datei ist keine Fallteam-Schlüsselsicherung.")
    if document.get("version") != VERSION:
        raise BackupError(f"Unbekannte Version der Schlüsselsicherung: {document.get('version')}.")
    header = {k: document.get(k) for k in ("format", "version", "backup_id", "created", "kdf")}
    header["cipher"] = document.get("cipher")
    kdf = header["kdf"] if isinstance(header["kdf"], dict) else {}
    try:
        n, r, p = int(kdf["n"]), int(kdf["r"]), int(kdf["p"])
    except (KeyError, TypeError, ValueError):
        raise BackupError("Die Schlüsselsicherung ist beschädigt (KDF).") from None
    # bounds: a forged header must not make the check cost minutes or gigabytes (scrypt
    # needs 128·n·r bytes; at most twice what ``seal_keys`` uses), and scrypt itself takes
    # only powers of two
    if (
        kdf.get("name") != "scrypt"
        or not (2**14 <= n <= 2**20 and 1 <= r <= 16 and 1 <= p <= 4)
        or n & (n - 1)
        or 128 * n * r > 2 * 128 * SCRYPT_N * SCRYPT_R
    ):
        raise BackupError("Die Schlüsselsicherung ist beschädigt (KDF-Parameter).")
    key = _scrypt(passphrase, _unb64(kdf.get("salt")), n, r, p)
    try:
        plain = AESGCM(key).decrypt(
            _unb64(document.get("nonce")), _unb64(document.get("ciphertext")), _canonical(header)
        )
    except (InvalidTag, ValueError):
        raise BackupError(
            "Die Passphrase ist falsch, oder die Schlüsselsicherung wurde verändert."
        ) from None
    payload = json.loads(plain)
    try:
        ring = Keyring.from_json(json.dumps(payload["keyring"]))
    except KeyringError as exc:
        raise BackupError(f"Der Schlüsselbund in der Sicherung ist ungültig: {exc}") from exc
    backup_key = _unb64(payload["backup_key"])
    if len(backup_key) != 32:
        raise BackupError("Die Schlüsselsicherung ist beschädigt (Sicherungsschlüssel).")
    return KeyBackup(
        str(header["backup_id"]),
        str(header["created"]),
        ring,
        payload["document_signing"],
        backup_key,
    )


# --- the dump ------------------------------------------------------------------------------


def _nonce(index: int, final: bool) -> bytes:
    return index.to_bytes(11, "big") + (b"\x01" if final else b"\x00")


def _chunk_aad(header_digest: bytes, index: int, final: bool) -> bytes:
    return header_digest + index.to_bytes(8, "big") + (b"\x01" if final else b"\x00")


class DumpWriter:
    """Writes JSON lines into an encrypted, compressed dump (``line`` …, then ``close``)."""

    def __init__(
        self, fh: IO[bytes], key: bytes, header: dict, chunk_bytes: int = CHUNK_BYTES
    ) -> None:
        raw = _canonical({**header, "format": DUMP_FORMAT, "version": VERSION})
        if len(raw) > _MAX_HEADER:
            raise BackupError("Kopf der Sicherung zu groß.")
        fh.write(MAGIC + struct.pack(">I", len(raw)) + raw)
        self._fh = fh
        self._aead = AESGCM(key)
        self._digest = hashlib.sha256(MAGIC + raw).digest()
        self._zip = zlib.compressobj(6)
        self._buffer = bytearray()
        self._index = 0
        self._size = min(chunk_bytes, CHUNK_BYTES)
        self.chunks = 0

    def line(self, data: bytes) -> None:
        """Append one line (bytes ending in a newline)."""
        self._buffer += self._zip.compress(data)
        while len(self._buffer) > self._size:
            self._emit(bytes(self._buffer[: self._size]), final=False)
            del self._buffer[: self._size]

    def _emit(self, plain: bytes, *, final: bool) -> None:
        sealed = self._aead.encrypt(
            _nonce(self._index, final), plain, _chunk_aad(self._digest, self._index, final)
        )
        self._fh.write(struct.pack(">I", len(sealed)) + sealed)
        self._index += 1
        self.chunks = self._index

    def close(self) -> None:
        """Write the rest as the final chunk (there is always one, possibly empty)."""
        self._buffer += self._zip.flush()
        while len(self._buffer) > self._size:
            self._emit(bytes(self._buffer[: self._size]), final=False)
            del self._buffer[: self._size]
        self._emit(bytes(self._buffer), final=True)


def read_header(fh: IO[bytes]) -> tuple[dict, bytes]:
    """The dump's cleartext header and its digest (bound into every chunk)."""
    if fh.read(len(MAGIC)) != MAGIC:
        raise BackupError("Die Datei ist keine Fallteam-Datenbanksicherung.")
    size = fh.read(4)
    if len(size) != 4 or struct.unpack(">I", size)[0] > _MAX_HEADER:
        raise BackupError("Die Datenbanksicherung ist beschädigt (Kopf).")
    raw = fh.read(struct.unpack(">I", size)[0])
    try:
        header = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise BackupError("Die Datenbanksicherung ist beschädigt (Kopf).") from None
    if not isinstance(header, dict) or header.get("format") != DUMP_FORMAT:
        raise BackupError("Die Datei ist keine Fallteam-Datenbanksicherung.")
    if header.get("version") != VERSION:
        raise BackupError(f"Unbekannte Version der Datenbanksicherung: {header.get('version')}.")
    return header, hashlib.sha256(MAGIC + raw).digest()


def _chunks(fh: IO[bytes], key: bytes, digest: bytes) -> Iterator[bytes]:
    aead = AESGCM(key)
    index = 0
    while True:
        size = fh.read(4)
        if len(size) < 4:
            raise BackupError(
                "Die Datenbanksicherung ist unvollständig (das Ende fehlt oder Teile wurden "
                "entfernt)."
            )
        length = struct.unpack(">I", size)[0]
        sealed = fh.read(length) if length <= _MAX_CIPHERTEXT else b""
        if len(sealed) != length or length < 16:
            raise BackupError("Die Datenbanksicherung ist unvollständig oder beschädigt.")
        for final in (False, True):
            try:
                plain = aead.decrypt(_nonce(index, final), sealed, _chunk_aad(digest, index, final))
            except InvalidTag:
                continue
            break
        else:
            raise BackupError(
                f"Die Datenbanksicherung wurde verändert oder gehört nicht zu dieser "
                f"Schlüsselsicherung (Abschnitt {index + 1} lässt sich nicht entschlüsseln)."
            )
        yield plain
        index += 1
        if final:
            if fh.read(1):
                raise BackupError("Hinter dem Ende der Datenbanksicherung folgen weitere Daten.")
            return


def read_lines(path: Path, key: bytes) -> Iterator[bytes]:
    """The dump's lines, each authenticated before it is yielded; raises ``BackupError`` on
    any change, reordering or truncation (the last lines only once the final chunk is read)."""
    with path.open("rb") as fh:
        _, digest = read_header(fh)
        unzip = zlib.decompressobj()
        pending = b""
        try:
            for plain in _chunks(fh, key, digest):
                pending += unzip.decompress(plain)
                *lines, pending = pending.split(b"\n")
                yield from lines
            pending += unzip.flush()
        except zlib.error as exc:
            raise BackupError("Die Datenbanksicherung ist beschädigt (Komprimierung).") from exc
        if not unzip.eof or unzip.unused_data or pending:
            raise BackupError("Die Datenbanksicherung ist beschädigt (Ende der Daten).")


#: what ``link()`` answers where the file system has no hard links
_NO_HARD_LINKS = frozenset({errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.ENOSYS})


def write_private(path: Path, write) -> int:
    """Write a file readable by its owner only, atomically (temporary file, fsync, rename);
    ``write(fh)`` fills it. Returns its size. Never replaces an existing file."""
    if path.exists():
        raise BackupError(f"{path} existiert schon; nichts überschrieben.")
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        # link() fails when the name exists: a file written meanwhile is never replaced
        try:
            os.link(tmp, path)
        except OSError as exc:
            if exc.errno not in _NO_HARD_LINKS:
                raise
            # A backup target without hard links (FAT/exFAT drives, some SMB/NAS shares):
            # claim the name exclusively, then move the finished file onto the claim.
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
            os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    sync_directory(path.parent)
    return path.stat().st_size
