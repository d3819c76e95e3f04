"""Changes to Fallprotokolle: opened for an item, drafts saved by the writer (optimistic
locking), submitted, finalised by the moderator with a content hash, addenda after locking.
Flush and audit; the view commits."""

from __future__ import annotations

import hashlib

from flask_babel import gettext as _

from fallteam import access
from fallteam.audit.models import AuditAction
from fallteam.audit.operations import record
from fallteam.auth.models import User
from fallteam.cases.guard import identity_hits
from fallteam.cases.operations import identity_of
from fallteam.core.models import utcnow
from fallteam.crypto import signing
from fallteam.extensions import db
from fallteam.meetings.models import AgendaItem
from fallteam.protocols.models import (
    CaseProtocol,
    ProtocolAddendum,
    ProtocolExcerpt,
    ProtocolRevision,
    ProtocolStatus,
)
from fallteam.protocols.pdf import render
from fallteam.protocols.queries import excerpt_document
from fallteam.protocols.rules import MAX_SECTION, content_hash, sections_for

#: the longest addendum text or reason
MAX_ADDENDUM = 5000


class ProtocolError(ValueError):
    """A change the rules do not allow; the message is for the user."""


class VersionConflict(ProtocolError):
    """The draft changed since the client loaded it; nothing was overwritten."""

    def __init__(self, protocol: CaseProtocol) -> None:
        super().__init__(
            _(
                "Das Fallprotokoll wurde inzwischen von anderer Seite gespeichert. Ihre "
                "Fassung wurde nicht gespeichert; bitte beide Fassungen abgleichen."
            )
        )
        self.version = protocol.version
        self.sections = dict(protocol.sections or {})


def _require(actor: User, permission: str, protocol: CaseProtocol) -> None:
    if not access.allowed(actor, permission, protocol):
        raise access.AccessRefused(permission, protocol)


def _refuse_if_locked(protocol: CaseProtocol) -> None:
    if protocol.locked:
        raise ProtocolError(_("Das Fallprotokoll ist abgeschlossen; Korrekturen nur als Nachtrag."))


def _checked(item: AgendaItem, label, text: str, limit: int) -> str:
    text = (text or "").strip()
    if len(text) > limit:
        raise ProtocolError(
            _("„%(section)s“ ist zu lang (höchstens %(n)d Zeichen).", section=label, n=limit)
        )
    if text and identity_hits(text, identity_of(item.case)):
        raise ProtocolError(
            _(
                "„%(section)s“ enthält Angaben, die die Familie erkennbar machen. Bitte durch "
                "Rollen (z. B. „Mutter“, „Kind 1“) ersetzen.",
                section=label,
            )
        )
    return text


def protocol_of(item: AgendaItem) -> CaseProtocol | None:
    """The item's protocol, if it was opened."""
    return db.session.scalar(db.select(CaseProtocol).where(CaseProtocol.item_id == item.id))


def open_protocol(item: AgendaItem, actor: User) -> CaseProtocol:
    """The item's protocol, created (empty draft) on first opening by its writer or the
    session's moderator; the item must have a writer."""
    existing = protocol_of(item)
    if existing is not None:
        return existing
    if item.writer_id is None:
        raise ProtocolError(_("Für diesen Punkt ist noch keine Protokollführung eingeteilt."))
    protocol = CaseProtocol(
        item=item,
        item_id=item.id,
        case_id=item.case_id,
        writer_id=item.writer_id,
        status=ProtocolStatus.DRAFT,
        version=1,
        sections={},
    )
    if not (
        access.allowed(actor, "protocol.write", protocol)
        or access.allowed(actor, "protocol.finalise", protocol)
    ):
        raise access.AccessRefused("protocol.write", protocol)
    db.session.add(protocol)
    db.session.flush()
    record(
        AuditAction.CREATE,
        protocol,
        case_pseudonym=item.case.pseudonym,
        actor=actor,
        details={"item_id": str(item.id)},
    )
    return protocol


def save_draft(
    protocol: CaseProtocol, sections: dict, expected_version: int, actor: User
) -> CaseProtocol:
    """The writer saves the draft they loaded as ``expected_version``: refused (nothing
    overwritten) when someone saved in between; each save is a new version and revision."""
    _require(actor, "protocol.write", protocol)
    _refuse_if_locked(protocol)
    if protocol.status != ProtocolStatus.DRAFT:
        raise ProtocolError(
            _("Das Fallprotokoll ist eingereicht und kann nicht mehr bearbeitet werden.")
        )
    if expected_version != protocol.version:
        raise VersionConflict(protocol)
    item = protocol.item
    clean = {
        key: _checked(item, label, (sections or {}).get(key, ""), MAX_SECTION)
        for key, label in sections_for(item.method)
    }
    protocol.sections = clean
    protocol.version += 1
    db.session.add(
        ProtocolRevision(
            protocol_id=protocol.id,
            case_id=protocol.case_id,
            version=protocol.version,
            author_id=actor.id,
            sections=clean,
        )
    )
    db.session.flush()
    record(
        AuditAction.UPDATE,
        protocol,
        case_pseudonym=item.case.pseudonym,
        actor=actor,
        details={"version": protocol.version, "fields": sorted(k for k, v in clean.items() if v)},
    )
    return protocol


def submit(protocol: CaseProtocol, actor: User) -> None:
    """The writer hands the draft to the moderator; it cannot be edited afterwards."""
    _require(actor, "protocol.write", protocol)
    _refuse_if_locked(protocol)
    if protocol.status != ProtocolStatus.DRAFT:
        raise ProtocolError(_("Das Fallprotokoll ist bereits eingereicht."))
    protocol.status = ProtocolStatus.SUBMITTED
    db.session.flush()
    record(
        AuditAction.UPDATE,
        protocol,
        case_pseudonym=protocol.item.case.pseudonym,
        actor=actor,
        details={"status": ProtocolStatus.SUBMITTED},
    )


def finalise(protocol: CaseProtocol, actor: User) -> str:
    """The session's moderator locks a submitted protocol: stores the SHA-256 of its
    canonical content, who and when, and audits the hash. Returns the hash."""
    _require(actor, "protocol.finalise", protocol)
    _refuse_if_locked(protocol)
    if protocol.status != ProtocolStatus.SUBMITTED:
        raise ProtocolError(_("Abschließen kann man nur ein eingereichtes Fallprotokoll."))
    item = protocol.item
    digest = content_hash(item.id, item.method, protocol.sections or {})
    protocol.status = ProtocolStatus.FINALISED
    protocol.content_hash = digest
    protocol.finalised_by_id = actor.id
    protocol.finalised_dt = utcnow()
    db.session.flush()
    record(
        AuditAction.UPDATE,
        protocol,
        case_pseudonym=item.case.pseudonym,
        actor=actor,
        details={"status": ProtocolStatus.FINALISED, "sha256": digest},
    )
    return digest


def add_addendum(protocol: CaseProtocol, text: str, reason: str, actor: User) -> ProtocolAddendum:
    """A correction under a finalised protocol (writer, moderator or case manager); the
    protocol and its hash stay as they are."""
    _require(actor, "protocol.amend", protocol)
    if not protocol.locked:
        raise ProtocolError(_("Nachträge gibt es erst zu einem abgeschlossenen Fallprotokoll."))
    item = protocol.item
    text = _checked(item, _("Nachtrag"), text, MAX_ADDENDUM)
    reason = _checked(item, _("Grund"), reason, MAX_ADDENDUM)
    if not text or not reason:
        raise ProtocolError(_("Bitte Nachtrag und Grund angeben."))
    addendum = ProtocolAddendum(
        protocol_id=protocol.id,
        case_id=protocol.case_id,
        text=text,
        reason=reason,
        author_id=actor.id,
    )
    db.session.add(addendum)
    db.session.flush()
    record(
        AuditAction.CREATE,
        addendum,
        case_pseudonym=item.case.pseudonym,
        actor=actor,
        details={"protocol_id": str(protocol.id), "sha256": protocol.content_hash},
    )
    return addendum


def make_excerpt(
    protocol: CaseProtocol, actor: User, *, real_names: bool, instance: str
) -> tuple[ProtocolExcerpt, bytes]:
    """The signed Protokollauszug of a finalised protocol for its case's fallführende
    Fachkraft: laid out (only this case), signed with the instance's document-signing key,
    and recorded (who, when, real names or not, SHA-256 of the PDF). Returns the record and
    the PDF; handing it out is the caller's audited export."""
    _require(actor, "protocol.excerpt", protocol)
    if not protocol.locked:
        raise ProtocolError(_("Einen Auszug gibt es nur von einem abgeschlossenen Fallprotokoll."))
    document = excerpt_document(protocol, actor, real_names=real_names, instance=instance)
    try:
        material = signing.current_material()
    except signing.SigningKeyError as exc:
        raise ProtocolError(
            _("Der Auszug kann nicht signiert werden: %(problem)s", problem=str(exc))
        ) from exc
    signed = signing.sign_pdf(
        render(document),
        material,
        reason=_("Protokollauszug für die Fallakte"),
        location=f"Fallteam {instance}",
    )
    excerpt = ProtocolExcerpt(
        protocol_id=protocol.id,
        case_id=protocol.case_id,
        created_by_id=actor.id,
        real_names=real_names,
        sha256=hashlib.sha256(signed).hexdigest(),
        content_hash=protocol.content_hash or "",
    )
    db.session.add(excerpt)
    db.session.flush()
    record(
        AuditAction.CREATE,
        excerpt,
        case_pseudonym=protocol.item.case.pseudonym,
        actor=actor,
        details={
            "protocol_id": str(protocol.id),
            "real_names": real_names,
            "sha256": excerpt.sha256,
            "content_hash": excerpt.content_hash,
        },
    )
    return excerpt, signed
