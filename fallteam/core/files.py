"""Files that must survive a power cut: written whole, readable by the owner only."""

from __future__ import annotations

import os
from pathlib import Path


def sync_directory(directory: Path) -> None:
    """Make a rename or link in ``directory`` durable: after a crash the new name must be
    there as well as the content it points to."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def replace_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` (mode 600, its folder 700 when made), replacing the file
    atomically and durably: after a power cut ``path`` holds the old or the new text, never
    a part of either."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    sync_directory(path.parent)
