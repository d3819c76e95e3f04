"""Signed checkpoints outside the database: their text form, the append-only directory they
are written to, and reading them back for verification.

A checkpoint says "event ``seq`` has mac ``head_mac``", signed with the instance's Ed25519
key. Because every mac covers all events before it, one checkpoint kept where the database
role cannot reach pins the whole chain up to it: whoever cuts the newest events and rewinds
the chain head can make the database agree with itself, never with this copy.

The directory is append-only by convention of this module (and, in production, by the file
system: see ``security/KEY_MANAGEMENT.md``): a file is written and ``fsync``'d under a name of
its own in a work folder, then linked into place (``link`` fails when the name exists, so a
file appears whole or not at all, whoever else writes the same checkpoint), and never
rewritten. A different checkpoint for a number that has a file already means the database's
chain is not the one that was exported: that leaves a conflict mark (``conflict-<seq>.txt``)
which the application never removes, and verification fails while it is there.
Nothing here knows Flask or the database.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from fallteam.audit import chain
from fallteam.core.files import sync_directory

HEADER = "Fallteam Audit-Checkpoint v1"
#: the ``format`` of a checkpoint as a JSON line
JSON_FORMAT = "fallteam-audit-checkpoint-v1"
_FILE = re.compile(r"^checkpoint-(\d{1,20})\.txt$")
_CONFLICT = re.compile(r"^conflict-(\d{1,20})\.txt$")
#: where files are written before they are linked into place; not append-only itself (a
#: directory made append-only with ``chattr +a`` would keep every temporary file)
WORK_FOLDER = ".schreiben"
CONFLICT_HEADER = "Fallteam Audit-Checkpoint-Konflikt v1"


class CheckpointFormatError(ValueError):
    """A text that should hold checkpoints does not (German message)."""


@dataclass(frozen=True)
class SignedCheckpoint:
    """One checkpoint as it leaves the system; ``public_key`` is the key that claims to sign."""

    seq: int
    head_mac: bytes
    created: datetime
    signature: bytes
    public_key: bytes
    #: where it was read from (file name), for messages
    source: str = ""

    @property
    def fingerprint(self) -> str:
        """SHA-256 of the public key, hex."""
        return chain.fingerprint(self.public_key)

    def signed_by(self, public_key: bytes) -> bool:
        """Whether the signature is valid under ``public_key``."""
        return chain.checkpoint_signature_valid(
            public_key, self.seq, self.head_mac, self.created, self.signature
        )

    def text(self) -> str:
        """The text block kept outside (what ``flask audit checkpoint`` prints)."""
        return "\n".join(
            [
                HEADER,
                f"Sequenz: {self.seq}",
                f"Kopf-MAC: {self.head_mac.hex()}",
                f"Zeit: {self.created.isoformat()}",
                f"Signatur: {self.signature.hex()}",
                f"Schluessel: {self.public_key.hex()}",
                f"Fingerabdruck: {self.fingerprint}",
                "",
            ]
        )

    def json_line(self) -> str:
        """The same as one JSON line."""
        return json.dumps(
            {
                "format": JSON_FORMAT,
                "seq": self.seq,
                "head_mac": self.head_mac.hex(),
                "created": self.created.isoformat(),
                "signature": self.signature.hex(),
                "public_key": self.public_key.hex(),
                "fingerprint": self.fingerprint,
            },
            sort_keys=True,
        )


def from_row(row, public_key: bytes) -> SignedCheckpoint:
    """A checkpoint row of the database (``AuditCheckpoint`` or a result row) as it leaves."""
    return SignedCheckpoint(
        seq=row.seq,
        head_mac=bytes(row.head_mac),
        created=row.created_dt,
        signature=bytes(row.signature),
        public_key=public_key,
    )


def _from_fields(fields: dict[str, str], source: str) -> SignedCheckpoint:
    try:
        return SignedCheckpoint(
            seq=int(fields["Sequenz"]),
            head_mac=bytes.fromhex(fields["Kopf-MAC"]),
            created=datetime.fromisoformat(fields["Zeit"]),
            signature=bytes.fromhex(fields["Signatur"]),
            # files written before the key was part of the text: the caller's key is assumed
            public_key=bytes.fromhex(fields.get("Schluessel", "")),
            source=source,
        )
    except (KeyError, ValueError) as exc:
        raise CheckpointFormatError("Checkpoint-Datei ist unvollständig oder beschädigt.") from exc


def _from_json(line: str, source: str) -> SignedCheckpoint:
    try:
        data = json.loads(line)
        if data.get("format") != JSON_FORMAT:
            raise CheckpointFormatError("Keine Fallteam-Checkpoint-Datei.")
        return SignedCheckpoint(
            seq=int(data["seq"]),
            head_mac=bytes.fromhex(data["head_mac"]),
            created=datetime.fromisoformat(data["created"]),
            signature=bytes.fromhex(data["signature"]),
            public_key=bytes.fromhex(data.get("public_key", "")),
            source=source,
        )
    except (KeyError, ValueError, TypeError, AttributeError) as exc:
        if isinstance(exc, CheckpointFormatError):
            raise
        raise CheckpointFormatError("Checkpoint-Datei ist unvollständig oder beschädigt.") from exc


def parse(text: str, source: str = "") -> list[SignedCheckpoint]:
    """Every checkpoint in ``text``: one or more text blocks, or JSON lines (the download,
    a single file of the directory, the printout of ``flask audit checkpoint``)."""
    stripped = text.strip()
    if stripped.startswith("{"):
        return [_from_json(line, source) for line in stripped.splitlines() if line.strip()]
    if not stripped.startswith(HEADER):
        raise CheckpointFormatError("Keine Fallteam-Checkpoint-Datei.")
    found = []
    for block in stripped.split(HEADER)[1:]:
        fields = dict(line.split(": ", 1) for line in block.strip().splitlines() if ": " in line)
        found.append(_from_fields(fields, source))
    return found


def file_name(seq: int) -> str:
    """The name of checkpoint ``seq``'s file; zero-padded so that names sort by seq."""
    return f"checkpoint-{seq:012d}.txt"


def exported_seqs(directory: Path) -> set[int]:
    """The sequence numbers that have a file in ``directory`` (none if it does not exist)."""
    try:
        names = os.listdir(directory)
    except FileNotFoundError:
        return set()
    return {int(m.group(1)) for m in map(_FILE.match, names) if m}


class CheckpointConflict(RuntimeError):
    """The directory already holds a different checkpoint with this sequence number: the
    database's chain is not the one that was exported (or the file was changed)."""


def conflict_file_name(seq: int) -> str:
    """The name of the conflict mark for checkpoint ``seq``."""
    return f"conflict-{seq:012d}.txt"


def _place(directory: Path, name: str, data: bytes) -> bool:
    """Put a file ``name`` with ``data`` into ``directory`` whole or not at all; False if the
    name exists already (then nothing is changed)."""
    directory.mkdir(mode=0o750, parents=True, exist_ok=True)
    work = directory / WORK_FOLDER
    work.mkdir(mode=0o750, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=work, prefix=f"{name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, 0o640)
        try:
            # atomic, and fails when the name exists: of two writers, exactly one places it
            os.link(temporary, directory / name)
        except FileExistsError:
            return False
    finally:
        try:
            os.unlink(temporary)
        except OSError:
            pass  # a leftover in the work folder is harmless
    sync_directory(directory)
    return True


def write(directory: Path, checkpoint: SignedCheckpoint) -> bool:
    """Write ``checkpoint`` as a new file in ``directory``; False if it is already there.

    Never rewrites: the file appears whole (see ``_place``). A file an earlier version left
    shorter than its text after a crash is completed by appending; any other difference
    raises ``CheckpointConflict`` and leaves the file as it is.
    """
    path = directory / file_name(checkpoint.seq)
    data = checkpoint.text().encode("utf-8")
    if not path.exists() and _place(directory, path.name, data):
        return True
    present = path.read_bytes()
    if present == data:
        return False
    if not data.startswith(present):
        raise CheckpointConflict(
            f"{path} enthält einen anderen Checkpoint Nr. {checkpoint.seq} als die Datenbank."
        )
    fd = os.open(path, os.O_WRONLY | os.O_APPEND)
    try:
        os.write(fd, data[len(present) :])
        os.fsync(fd)
    finally:
        os.close(fd)
    return True


def write_conflict(directory: Path, checkpoint: SignedCheckpoint) -> bool:
    """Leave the lasting mark that the database wanted to write ``checkpoint`` where another
    one with its number lies; False if the mark exists already. The mark holds the
    database's checkpoint (no case data), for comparing with the kept file."""
    text = "\n".join(
        [
            CONFLICT_HEADER,
            f"Bemerkt: {datetime.now(UTC).isoformat()}",
            f"In der Ablage liegt ein anderer Checkpoint Nr. {checkpoint.seq} als der, den die "
            "Datenbank schreiben wollte (dieser hier). Die Kette der Datenbank ist nicht die, "
            "die abgelegt wurde: abgeschnitten und neu geschrieben, oder die Datei verändert.",
            "",
            checkpoint.text(),
        ]
    )
    return _place(directory, conflict_file_name(checkpoint.seq), text.encode("utf-8"))


def conflicts(directory: Path) -> list[str]:
    """The names of the conflict marks in ``directory``, oldest number first."""
    try:
        names = os.listdir(directory)
    except FileNotFoundError:
        return []
    return sorted(name for name in names if _CONFLICT.match(name))


def conflict_seq(name: str) -> int:
    """The checkpoint number a conflict mark's name names."""
    match = _CONFLICT.match(name)
    if match is None:
        raise ValueError(name)
    return int(match.group(1))


@dataclass
class DirectoryScan:
    """The newest usable checkpoint of a directory, and what was wrong with newer files."""

    newest: SignedCheckpoint | None = None
    #: newer files that were unreadable or not signed by this instance, as (file name, problem)
    rejected: list[tuple[str, str]] | None = None
    files: int = 0


def _newest_first(directory: Path) -> Iterator[tuple[int, Path]]:
    for seq in sorted(exported_seqs(directory), reverse=True):
        yield seq, directory / file_name(seq)


def scan(directory: Path, public_key: bytes, limit: int = 100) -> DirectoryScan:
    """The newest checkpoint in ``directory`` signed with ``public_key``; newer files that are
    not (changed, another instance's, unreadable) are listed as rejected. Looks at no more than
    ``limit`` files, newest first: older checkpoints are covered by the newest one (its mac
    depends on every event before it)."""
    result = DirectoryScan(rejected=[])
    result.files = len(exported_seqs(directory))
    for count, (seq, path) in enumerate(_newest_first(directory)):
        if count >= limit:
            break
        try:
            found = parse(path.read_text("utf-8"), path.name)
        except (OSError, UnicodeDecodeError, CheckpointFormatError) as exc:
            result.rejected.append((path.name, str(exc)))
            continue
        problem = problem_of(found, public_key, expected_seq=seq)
        if problem:
            result.rejected.append((path.name, problem))
            continue
        result.newest = found[0]
        break
    return result


@dataclass
class DirectoryContents:
    """Every file of a directory: the valid checkpoints of this instance, the files that are
    not, and the conflict marks."""

    valid: list[SignedCheckpoint] = field(default_factory=list)
    rejected: list[tuple[str, str]] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)


def read_all(directory: Path, public_key: bytes) -> DirectoryContents:
    """Every checkpoint file of ``directory`` (for verification: each one kept pins the chain
    up to it, and a kept file the database contradicts must fail even when newer files
    agree — the application may have run on past a cut and written new ones)."""
    contents = DirectoryContents(conflicts=conflicts(directory))
    for seq in sorted(exported_seqs(directory)):
        path = directory / file_name(seq)
        try:
            found = parse(path.read_text("utf-8"), path.name)
        except (OSError, UnicodeDecodeError, CheckpointFormatError) as exc:
            contents.rejected.append((path.name, str(exc)))
            continue
        problem = problem_of(found, public_key, expected_seq=seq)
        if problem:
            contents.rejected.append((path.name, problem))
        else:
            contents.valid.append(found[0])
    return contents


def problem_of(found: Iterable[SignedCheckpoint], public_key: bytes, expected_seq=None):
    """What is wrong with a directory file's content, or None."""
    found = list(found)
    if len(found) != 1 or (expected_seq is not None and found[0].seq != expected_seq):
        return "Dateiname und Inhalt passen nicht zusammen."
    return signature_problem(found[0], public_key)


def signature_problem(checkpoint: SignedCheckpoint, public_key: bytes) -> str | None:
    """Why ``checkpoint`` is not a valid checkpoint of this instance, or None."""
    if checkpoint.public_key and checkpoint.public_key != public_key:
        return (
            "stammt von einem anderen Schlüssel (Fingerabdruck "
            f"{checkpoint.fingerprint[:16]}…), nicht von dieser Instanz."
        )
    if not checkpoint.signed_by(public_key):
        return "Die Signatur des Checkpoints ist ungültig (anderer Schlüssel oder verändert)."
    return None
