"""Reading Fallprotokolle: every load of a protocol's content for a person goes through
``record_read`` (the one read-audit point), after the access check."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from fallteam.auth.models import User
from fallteam.cases.queries import record_read
from fallteam.extensions import db
from fallteam.meetings.models import METHOD_LABELS
from fallteam.protocols.models import (
    STATUS_LABELS,
    CaseProtocol,
    ProtocolAddendum,
    ProtocolRevision,
)
from fallteam.protocols.rules import NO_DECISION, section_diff, sections_for

PURPOSE = "Fallprotokoll"


@dataclass
class Section:
    key: str
    heading: str
    text: str


@dataclass
class Addendum:
    text: str
    reason: str
    author: str
    created_dt: datetime


@dataclass
class ProtocolView:
    protocol: CaseProtocol
    pseudonym: str
    method: str
    status: str
    statement: str
    sections: list[Section]
    writer: str
    finalised_by: str | None
    addenda: list[Addendum] = field(default_factory=list)


def _names(ids) -> dict:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return {
        u.id: u.display_name for u in db.session.scalars(select(User).where(User.id.in_(wanted)))
    }


def _view(protocol: CaseProtocol) -> ProtocolView:
    item = protocol.item
    addenda = list(
        db.session.scalars(
            select(ProtocolAddendum)
            .where(ProtocolAddendum.protocol_id == protocol.id)
            .order_by(ProtocolAddendum.created_dt)
        )
    )
    names = _names([protocol.writer_id, protocol.finalised_by_id, *(a.author_id for a in addenda)])
    texts = protocol.sections or {}
    return ProtocolView(
        protocol=protocol,
        pseudonym=item.case.pseudonym,
        method=str(METHOD_LABELS.get(item.method, item.method)),
        status=str(STATUS_LABELS[protocol.status]),
        statement=str(NO_DECISION),
        sections=[
            Section(key, str(heading), texts.get(key, ""))
            for key, heading in sections_for(item.method)
        ],
        writer=names.get(protocol.writer_id, ""),
        finalised_by=names.get(protocol.finalised_by_id),
        addenda=[
            Addendum(a.text, a.reason, names.get(a.author_id, ""), a.created_dt) for a in addenda
        ],
    )


def protocol_for_reading(protocol: CaseProtocol, viewer: User) -> ProtocolView:
    """The protocol as ``viewer`` reads it (``protocol.read``); the read is recorded."""
    record_read(
        viewer,
        protocol.item.case,
        "protocol.read",
        purpose=PURPOSE,
        fields=("protocol",),
        on=protocol,
    )
    return _view(protocol)


def protocol_for_writing(protocol: CaseProtocol, viewer: User) -> ProtocolView:
    """The draft as its writer edits it (``protocol.write``); the read is recorded."""
    record_read(
        viewer,
        protocol.item.case,
        "protocol.write",
        purpose=PURPOSE,
        fields=("protocol",),
        on=protocol,
    )
    return _view(protocol)


@dataclass
class Revision:
    version: int
    author: str
    created_dt: datetime


@dataclass
class History:
    view: ProtocolView
    revisions: list[Revision]
    old: int | None
    new: int | None
    #: [(heading, [(mark, line)])] for the sections that differ between ``old`` and ``new``
    changes: list[tuple[str, list[tuple[str, str]]]]


def history_of(
    protocol: CaseProtocol, viewer: User, old: int | None = None, new: int | None = None
) -> History:
    """The saved drafts (who, when) and the changes between two of them (by default the last
    two; the first against an empty protocol); the read is recorded."""
    view = protocol_for_reading(protocol, viewer)
    rows = list(
        db.session.scalars(
            select(ProtocolRevision)
            .where(ProtocolRevision.protocol_id == protocol.id)
            .order_by(ProtocolRevision.version)
        )
    )
    names = _names([r.author_id for r in rows])
    by_version = {r.version: r for r in rows}
    if new not in by_version:
        new = rows[-1].version if rows else None
    if old not in by_version or (new is not None and old >= new):
        older = [v for v in by_version if new is not None and v < new]
        old = older[-1] if older else None
    changes = []
    if new is not None:
        before = by_version[old].sections or {} if old is not None else {}
        after = by_version[new].sections or {}
        for key, heading in sections_for(protocol.item.method):
            if before.get(key, "") != after.get(key, ""):
                changes.append(
                    (str(heading), section_diff(before.get(key, ""), after.get(key, "")))
                )
    return History(
        view=view,
        revisions=[Revision(r.version, names.get(r.author_id, ""), r.created_dt) for r in rows],
        old=old,
        new=new,
        changes=changes,
    )
