"""Binding the key ring to the running application."""

from __future__ import annotations

from flask import Flask, current_app, has_app_context

from fallteam.config import TESTING, ConfigurationError
from fallteam.crypto.keyring import (
    FileKeyProvider,
    KeyProvider,
    Keyring,
    KeyringError,
    provider_from_settings,
)

_EXTENSION = "fallteam.keyring"
_BASELINE = "fallteam.plaintext_baseline"
_AUDIT_OFF = "fallteam.audit_off"


class _LoadedRing:
    """The ring in use and the state of the key file it came from."""

    def __init__(self, ring: Keyring, provider: KeyProvider) -> None:
        self.ring = ring
        self.provider = provider
        self.stamp = self._file_stamp()

    def _file_stamp(self) -> tuple[int, int, int] | None:
        # Not the modification time alone: file times advance in clock ticks of several
        # milliseconds, and copies that keep times (``cp -p``, ``rsync -a``) carry the
        # source's. Every store replaces the file (a new inode), a KEK more or less changes
        # its size.
        if isinstance(self.provider, FileKeyProvider):
            try:
                found = self.provider.path.stat()
            except OSError:
                return None
            return found.st_mtime_ns, found.st_ino, found.st_size
        return None

    def current(self) -> Keyring:
        # Another process rotated or retired a KEK: every worker follows at its next use,
        # so none keeps wrapping new data keys under a version about to be retired.
        stamp = self._file_stamp()
        if stamp is not None and stamp != self.stamp:
            self.ring, self.stamp = self.provider.load(), stamp
        return self.ring


def init_app(app: Flask) -> None:
    """Load the key ring once at start; a missing or unsafe ring stops the start."""
    provider = provider_from_settings(app.config)
    try:
        ring = provider.load()
    except KeyringError as exc:
        raise ConfigurationError(f"Fallteam startet nicht: {exc}") from None
    app.extensions[_EXTENSION] = _LoadedRing(ring, provider)
    # Decided once, from the settings ``config.finish_settings`` checked (testing only): a
    # later change of app.config must not turn encryption and audit off in a running app.
    testing = app.config.get("FALLTEAM_ENV") == TESTING
    baseline = testing and app.config.get("BENCHMARK_PLAINTEXT_BASELINE") is True
    app.extensions[_BASELINE] = baseline
    app.extensions[_AUDIT_OFF] = baseline or (
        testing and app.config.get("BENCHMARK_AUDIT_OFF") is True
    )


def current_keyring() -> Keyring:
    """The key ring of the running application (re-read when its key file changed)."""
    return current_app.extensions[_EXTENSION].current()


def replace_keyring(ring: Keyring) -> None:
    """Swap in a changed ring (after a KEK rotation here) without restarting."""
    loaded = current_app.extensions[_EXTENSION]
    loaded.ring, loaded.stamp = ring, loaded._file_stamp()


def kek(version: int) -> bytes:
    """The KEK of ``version``; unknown versions are refused before anything is decrypted."""
    return current_keyring().kek(version)


def audit_switched_off() -> bool:
    """True only in a benchmark's instance without audit (the plaintext baseline, or
    ``BENCHMARK_AUDIT_OFF`` over encrypted data; both refused outside testing)."""
    return has_app_context() and current_app.extensions.get(_AUDIT_OFF) is True


def plaintext_baseline() -> bool:
    """True only in a benchmark's baseline instance (``BENCHMARK_PLAINTEXT_BASELINE``, which
    ``config.finish_settings`` refuses outside testing): fields stay plaintext, no audit."""
    return has_app_context() and current_app.extensions.get(_BASELINE) is True
