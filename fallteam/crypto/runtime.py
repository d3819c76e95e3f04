"""Binding the key ring to the running application."""

from __future__ import annotations

from flask import Flask, current_app

from fallteam.config import ConfigurationError
from fallteam.crypto.keyring import Keyring, KeyringError, provider_from_settings

_EXTENSION = "fallteam.keyring"


def init_app(app: Flask) -> None:
    """Load the key ring once at start; a missing or unsafe ring stops the start."""
    try:
        ring = provider_from_settings(app.config).load()
    except KeyringError as exc:
        raise ConfigurationError(f"Fallteam startet nicht: {exc}") from None
    app.extensions[_EXTENSION] = ring


def current_keyring() -> Keyring:
    """The key ring of the running application."""
    return current_app.extensions[_EXTENSION]


def replace_keyring(ring: Keyring) -> None:
    """Swap in a changed ring (after a KEK rotation) without restarting."""
    current_app.extensions[_EXTENSION] = ring


def kek(version: int) -> bytes:
    """The KEK of ``version``. A version this process does not know yet (another host rotated
    the KEK) makes it read the ring again once before giving up."""
    ring = current_keyring()
    if version not in ring.keks:
        try:
            fresh = provider_from_settings(current_app.config).load()
        except KeyringError:
            fresh = ring
        if version in fresh.keks:
            replace_keyring(fresh)
            ring = fresh
    return ring.kek(version)
