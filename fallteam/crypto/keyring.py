"""The key ring: key-encryption keys and the other root keys, which never enter the database.

A ``KeyProvider`` hands out the ring; the local file and the environment variable are the two
built in, and an external KMS plugs in by implementing the same interface.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import stat
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from fallteam.core.files import replace_private

KEYRING_FORMAT = 1
KEY_BYTES = 32


class KeyringError(RuntimeError):
    """The key ring is missing, unreadable, too widely readable or malformed."""


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _unb64(text: str, what: str) -> bytes:
    try:
        raw = base64.b64decode(text, validate=True)
    except (ValueError, TypeError) as exc:
        raise KeyringError(f"Schlüssel {what} ist nicht gültig kodiert.") from exc
    return raw


@dataclass(frozen=True)
class Keyring:
    """Root keys of one installation.

    ``keks`` maps a version number to a 256-bit key-encryption key; ``active_kek`` is the one new
    data keys are wrapped with. Older versions stay until retired so wrapped keys keep opening.
    """

    #: KEK version -> 32 key bytes
    keks: dict[int, bytes]
    #: the version used for wrapping from now on
    active_kek: int
    #: HMAC key of the audit chain
    audit_mac_key: bytes
    #: root of the per-column blind-index keys (derived with HKDF)
    blind_index_key: bytes
    #: Ed25519 private key (raw 32 bytes) that signs audit checkpoints
    checkpoint_signing_key: bytes = field(repr=False)

    def __repr__(self) -> str:  # never print key material
        return f"<Keyring keks={sorted(self.keks)} active={self.active_kek}>"

    def kek(self, version: int) -> bytes:
        """The KEK of ``version``; refuses unknown versions before anything is decrypted."""
        try:
            return self.keks[version]
        except KeyError:
            raise KeyringError(f"Unbekannte KEK-Version {version}.") from None

    def to_json(self) -> str:
        """Serialise for a key file or an environment variable."""
        return json.dumps(
            {
                "format": KEYRING_FORMAT,
                "active_kek": self.active_kek,
                "keks": {str(v): _b64(k) for v, k in sorted(self.keks.items())},
                "audit_mac_key": _b64(self.audit_mac_key),
                "blind_index_key": _b64(self.blind_index_key),
                "checkpoint_signing_key": _b64(self.checkpoint_signing_key),
            },
            indent=2,
        )

    @classmethod
    def from_json(cls, text: str) -> Keyring:
        """Parse and check a serialised key ring."""
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise KeyringError("Der Schlüsselbund ist kein gültiges JSON.") from exc
        if data.get("format") != KEYRING_FORMAT:
            raise KeyringError(f"Unbekanntes Schlüsselbund-Format {data.get('format')!r}.")
        try:
            keks = {int(v): _unb64(k, f"KEK {v}") for v, k in data["keks"].items()}
            ring = cls(
                keks=keks,
                active_kek=int(data["active_kek"]),
                audit_mac_key=_unb64(data["audit_mac_key"], "audit_mac_key"),
                blind_index_key=_unb64(data["blind_index_key"], "blind_index_key"),
                checkpoint_signing_key=_unb64(
                    data["checkpoint_signing_key"], "checkpoint_signing_key"
                ),
            )
        except KeyError as exc:
            raise KeyringError(f"Im Schlüsselbund fehlt {exc.args[0]}.") from None
        for name, key in [
            *((f"KEK {v}", k) for v, k in keks.items()),
            ("audit_mac_key", ring.audit_mac_key),
            ("blind_index_key", ring.blind_index_key),
            ("checkpoint_signing_key", ring.checkpoint_signing_key),
        ]:
            if len(key) != KEY_BYTES:
                raise KeyringError(f"Schlüssel {name} hat nicht {KEY_BYTES} Bytes.")
        if ring.active_kek not in keks:
            raise KeyringError("Die aktive KEK-Version fehlt im Schlüsselbund.")
        return ring

    @classmethod
    def generate(cls) -> Keyring:
        """A fresh ring from the operating system's random source."""
        signing = Ed25519PrivateKey.generate().private_bytes(
            Encoding.Raw, PrivateFormat.Raw, NoEncryption()
        )
        return cls(
            keks={1: secrets.token_bytes(KEY_BYTES)},
            active_kek=1,
            audit_mac_key=secrets.token_bytes(KEY_BYTES),
            blind_index_key=secrets.token_bytes(KEY_BYTES),
            checkpoint_signing_key=signing,
        )

    def with_new_kek(self) -> Keyring:
        """A copy with one more KEK version, made active; older versions stay for unwrapping."""
        version = max(self.keks) + 1
        return Keyring(
            keks={**self.keks, version: secrets.token_bytes(KEY_BYTES)},
            active_kek=version,
            audit_mac_key=self.audit_mac_key,
            blind_index_key=self.blind_index_key,
            checkpoint_signing_key=self.checkpoint_signing_key,
        )


class KeyProvider(ABC):
    """Where the key ring comes from. An external KMS implements ``load`` (and ``store``)."""

    @abstractmethod
    def load(self) -> Keyring:
        """Return the ring or raise ``KeyringError``."""

    @abstractmethod
    def store(self, ring: Keyring) -> None:
        """Persist a changed ring (new KEK version) or raise ``KeyringError``."""

    @abstractmethod
    def exists(self) -> bool:
        """Whether a ring is there to load."""


class FileKeyProvider(KeyProvider):
    """A JSON key file readable by its owner only (mode 0600)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)

    def exists(self) -> bool:
        return self.path.is_file()

    def load(self) -> Keyring:
        if not self.path.is_file():
            raise KeyringError(f"Schlüsseldatei {self.path} fehlt.")
        mode = stat.S_IMODE(self.path.stat().st_mode)
        if mode & 0o077:
            raise KeyringError(
                f"Schlüsseldatei {self.path} ist für andere lesbar (Modus {mode:o}); "
                "erwartet wird 600."
            )
        return Keyring.from_json(self.path.read_text())

    def store(self, ring: Keyring) -> None:
        # Durable, rename included: a power cut after a KEK rotation must not bring back the
        # old key file while the database, durable since its commits, holds data keys
        # wrapped by the new KEK (every value they protect would be lost).
        replace_private(self.path, ring.to_json())


class EnvironmentKeyProvider(KeyProvider):
    """The ring as JSON in an environment variable (for container secrets); read-only."""

    def __init__(self, value: str) -> None:
        self.value = value

    def exists(self) -> bool:
        return bool(self.value)

    def load(self) -> Keyring:
        return Keyring.from_json(self.value)

    def store(self, ring: Keyring) -> None:
        raise KeyringError(
            "Der Schlüsselbund kommt aus der Umgebung (FALLTEAM_KEYRING) und kann hier nicht "
            "geändert werden; neuen Schlüsselbund im Secret-Speicher hinterlegen."
        )


def provider_from_settings(settings: dict) -> KeyProvider:
    """The provider the settings name: the environment variable wins over the key file."""
    if settings.get("FALLTEAM_KEYRING"):
        return EnvironmentKeyProvider(settings["FALLTEAM_KEYRING"])
    return FileKeyProvider(settings["FALLTEAM_KEY_FILE"])
