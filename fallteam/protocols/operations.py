"""Changes to Fallprotokolle: opened for an item, drafts saved by the writer (optimistic
locking), submitted, finalised by the moderator with a content hash, addenda after locking.
Flush and audit; the view commits."""

from __future__ import annotations

import hashlib
import uuid

from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.orm.attributes import set_committed_value

from fallteam import access
from fallteam.audit.models import AuditAction
from fallteam.audit.operations import record
from fallteam.auth.models import User
from fallteam.cases.guard import identity_hits
from fallteam.cases.operations import identity_of
from fallteam.core.models import utcnow
from fallteam.core.text import control_characters, invisible_characters
from fallteam.crypto import signing
from fallteam.extensions import db
from fallteam.meetings.models import (
    PRESENT_FOR_ITEM,
    TOPIC_TEXT_MAX,
    AgendaItem,
    AgendaTopic,
    Meeting,
    MeetingStatus,
)
from fallteam.protocols import queries
from fallteam.protocols.models import (
    CaseProtocol,
    ProtocolAddendum,
    ProtocolExcerpt,
    ProtocolRevision,
    ProtocolStatus,
    TeamProtocol,
    TeamProtocolAddendum,
)
from fallteam.protocols.pdf import render
from fallteam.protocols.queries import excerpt_document
from fallteam.protocols.rules import (
    MAX_SECTION,
    MIN_PROFESSIONALS,
    RISK_FIELDS,
    RiskLevel,
    content_hash,
    is_risk_assessment,
    normalised_risk,
    sections_for,
    team_content_hash,
)

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
        self.risk_assessment = (
            normalised_risk(protocol.risk_assessment)
            if protocol.risk_assessment is not None
            else None
        )
        #: who saved the version the client did not know (the author of its revision)
        self.saved_by = db.session.scalar(
            select(User.display_name)
            .join(ProtocolRevision, ProtocolRevision.author_id == User.id)
            .where(
                ProtocolRevision.protocol_id == protocol.id,
                ProtocolRevision.version == protocol.version,
            )
            .limit(1)
        )


def _require(actor: User, permission: str, protocol: CaseProtocol) -> None:
    if not access.allowed(actor, permission, protocol):
        raise access.AccessRefused(permission, protocol)


def _refuse_if_locked(protocol: CaseProtocol) -> None:
    if protocol.locked:
        raise ProtocolError(_("Das Fallprotokoll ist abgeschlossen; Korrekturen nur als Nachtrag."))


def _refuse_unless_draft(protocol: CaseProtocol) -> None:
    _refuse_if_locked(protocol)
    if protocol.status != ProtocolStatus.DRAFT:
        raise ProtocolError(
            _("Das Fallprotokoll ist eingereicht und kann nicht mehr bearbeitet werden.")
        )


def _current(protocol: CaseProtocol) -> CaseProtocol:
    """The protocol as the database holds it now, its row locked until the transaction ends
    (``SELECT … FOR UPDATE`` on PostgreSQL; SQLite's writing transactions hold the database's
    write lock from their start): a status change decided on it cannot race another one."""
    return db.session.scalars(
        select(CaseProtocol)
        .where(CaseProtocol.id == protocol.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def _claim_version(protocol: CaseProtocol, expected_version: int) -> None:
    """Raise the draft's version from ``expected_version`` in one conditional UPDATE: only
    one of several simultaneous saves from the same version (or none, once the draft was
    submitted or finalised) changes the row; the others learn why from the current row."""
    claimed = db.session.execute(
        update(CaseProtocol)
        .where(
            CaseProtocol.id == protocol.id,
            CaseProtocol.version == expected_version,
            CaseProtocol.status == ProtocolStatus.DRAFT,
        )
        .values(version=expected_version + 1)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        db.session.refresh(protocol)
        _refuse_unless_draft(protocol)
        raise VersionConflict(protocol)
    # the row holds the new version now; the object agrees without writing it again
    set_committed_value(protocol, "version", expected_version + 1)


def _checked(item: AgendaItem, label, text: str, limit: int) -> str:
    text = (text or "").strip()
    # The autosave's JSON is no form: the rules every multi-line form field follows are
    # applied here (NUL, ESC, a lone surrogate cannot be stored or shown)
    if control_characters(text, multiline=True):
        raise ProtocolError(
            _(
                "„%(section)s“ enthält Steuerzeichen (z. B. Nullzeichen). Bitte entfernen Sie sie.",
                section=label,
            )
        )
    # and as in every form: no invisible characters (a direction override would show the
    # protocol's text otherwise than it is stored, in the signed Protokollauszug too)
    if invisible_characters(text):
        raise ProtocolError(
            _(
                "„%(section)s“ enthält unsichtbare Zeichen (z. B. Leerzeichen ohne Breite oder "
                "Richtungswechsel), oft aus kopiertem Text. Bitte geben Sie ihn neu ein.",
                section=label,
            )
        )
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


def present_professionals(item: AgendaItem) -> set[str]:
    """The ids (as strings) of the people recorded present for the item (present, late or
    left early): the only ones a §8a assessment can name as participating professionals."""
    return {str(a.user_id) for a in item.attendance if a.presence in PRESENT_FOR_ITEM}


def _well_formed_risk(risk) -> bool:
    """A client's assessment has texts (or nothing) in its text fields and the level, and a
    list of ids (or nothing) as the professionals."""
    if not isinstance(risk, dict):
        return False
    texts = [risk.get(key) for key, _label in RISK_FIELDS] + [risk.get("risk_level")]
    professionals = risk.get("professionals")
    return all(t is None or isinstance(t, str) for t in texts) and (
        professionals is None
        or (isinstance(professionals, list) and all(isinstance(p, str) for p in professionals))
    )


def _checked_risk(item: AgendaItem, risk: dict | None, stored: dict | None) -> dict | None:
    """The §8a assessment to store with a draft: None for other items; the stored one when
    the client sent none; texts through the guard, the level from the fixed list, the
    professionals only from the item's attendance."""
    if not is_risk_assessment(item.purpose):
        return None
    if risk is None:
        return normalised_risk(stored)
    if not _well_formed_risk(risk):
        raise ProtocolError(_("Ungültige Gefährdungseinschätzung."))
    clean = normalised_risk(
        {
            **{
                key: _checked(item, label, str(risk.get(key) or ""), MAX_SECTION)
                for key, label in RISK_FIELDS
            },
            "risk_level": risk.get("risk_level"),
            "professionals": risk.get("professionals"),
        }
    )
    if clean["risk_level"] and clean["risk_level"] not in set(RiskLevel):
        raise ProtocolError(_("Bitte einen Gefährdungsgrad aus der Liste wählen."))
    strangers = set(clean["professionals"]) - present_professionals(item)
    if strangers:
        raise ProtocolError(
            _(
                "Als beteiligte Fachkräfte lassen sich nur Personen wählen, die bei diesem "
                "Punkt als anwesend erfasst sind."
            )
        )
    return clean


def _require_assessment_complete(protocol: CaseProtocol) -> None:
    """§8a Abs. 1 SGB VIII: the risk is assessed "im Zusammenwirken mehrerer Fachkräfte" —
    at least two professionals recorded present for the item (checked again at finalising:
    the attendance may have been corrected), and a risk level."""
    item = protocol.item
    if not is_risk_assessment(item.purpose):
        return
    risk = normalised_risk(protocol.risk_assessment)
    named = set(risk["professionals"]) & present_professionals(item)
    if len(named) < MIN_PROFESSIONALS:
        raise ProtocolError(
            _(
                "Die Gefährdungseinschätzung nach § 8a SGB VIII erfolgt im Zusammenwirken "
                "mehrerer Fachkräfte: bitte mindestens %(min)d beteiligte Fachkräfte angeben, "
                "die bei diesem Punkt anwesend waren (bisher %(n)d).",
                min=MIN_PROFESSIONALS,
                n=len(named),
            )
        )
    if not risk["risk_level"]:
        raise ProtocolError(_("Bitte den Gefährdungsgrad der Einschätzung angeben."))


def _hashed_risk(protocol: CaseProtocol) -> dict | None:
    """What the hash covers of the assessment: only §8a protocols have one (so the hashes of
    all other protocols are exactly those of the canonical form without it)."""
    if not is_risk_assessment(protocol.item.purpose):
        return None
    return normalised_risk(protocol.risk_assessment)


def save_draft(
    protocol: CaseProtocol,
    sections: dict,
    expected_version: int,
    actor: User,
    risk: dict | None = None,
) -> CaseProtocol:
    """The writer saves the draft they loaded as ``expected_version``: refused (nothing
    overwritten) when someone saved in between; each save is a new version and revision.
    A §8a item's ``risk`` assessment is saved with it (None: unchanged)."""
    _require(actor, "protocol.write", protocol)
    _refuse_unless_draft(protocol)
    if expected_version != protocol.version:
        raise VersionConflict(protocol)
    item = protocol.item
    clean = {
        key: _checked(item, label, (sections or {}).get(key, ""), MAX_SECTION)
        for key, label in sections_for(item.method)
    }
    clean_risk = _checked_risk(item, risk, protocol.risk_assessment)
    # Checked on what this request loaded; the claim below succeeds only while the row is
    # still that version and a draft (every save raises the version), so what was checked is
    # what is overwritten, and the row stays locked until this save commits.
    _claim_version(protocol, expected_version)
    protocol.sections = clean
    protocol.risk_assessment = clean_risk
    db.session.add(
        ProtocolRevision(
            protocol_id=protocol.id,
            case_id=protocol.case_id,
            version=protocol.version,
            author_id=actor.id,
            sections=clean,
            risk_assessment=clean_risk,
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
    protocol = _current(protocol)
    _refuse_if_locked(protocol)
    if protocol.status != ProtocolStatus.DRAFT:
        raise ProtocolError(_("Das Fallprotokoll ist bereits eingereicht."))
    _require_assessment_complete(protocol)
    protocol.status = ProtocolStatus.SUBMITTED
    db.session.flush()
    record(
        AuditAction.UPDATE,
        protocol,
        case_pseudonym=protocol.item.case.pseudonym,
        actor=actor,
        details={"status": ProtocolStatus.SUBMITTED},
    )


def _seal(record: CaseProtocol | TeamProtocol, digest: str, actor: User) -> None:
    """Lock a Fallprotokoll or Teamprotokoll: finalised, with its hash, who and when."""
    record.status = ProtocolStatus.FINALISED
    record.content_hash = digest
    record.finalised_by_id = actor.id
    record.finalised_dt = utcnow()
    db.session.flush()


def finalise(protocol: CaseProtocol, actor: User) -> str:
    """The session's moderator locks a submitted protocol: stores the SHA-256 of its
    canonical content, who and when, and audits the hash. Returns the hash."""
    _require(actor, "protocol.finalise", protocol)
    protocol = _current(protocol)
    _refuse_if_locked(protocol)
    if protocol.status != ProtocolStatus.SUBMITTED:
        raise ProtocolError(_("Abschließen kann man nur ein eingereichtes Fallprotokoll."))
    _require_assessment_complete(protocol)
    item = protocol.item
    digest = content_hash(item.id, item.method, protocol.sections or {}, _hashed_risk(protocol))
    _seal(protocol, digest, actor)
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
    protocol = _current(protocol)
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
            # names instead of role labels: a disclosure decision the DPO lists
            **({"disclosure": "real_name_excerpt"} if real_names else {}),
        },
    )
    return excerpt, signed


# --- Teamprotokoll ---------------------------------------------------------------------------

#: the longest note of the moderator on the session
MAX_TEAM_NOTES = 2000


def _require_keeper(actor: User, meeting: Meeting) -> None:
    if not access.allowed(actor, "team_protocol.keep", meeting):
        raise access.AccessRefused("team_protocol.keep", meeting)


def _refuse_if_sealed(record: TeamProtocol | None) -> None:
    if record is not None and record.locked:
        raise ProtocolError(_("Das Teamprotokoll ist abgeschlossen; Korrekturen nur als Nachtrag."))


def _team_text(items: list[AgendaItem], label, text: str, limit: int) -> str:
    """A text of the Teamprotokoll: short, and naming no family of the session's cases (it is
    read by the whole team and is not encrypted with a case key)."""
    text = (text or "").strip()
    if len(text) > limit:
        raise ProtocolError(
            _("„%(section)s“ ist zu lang (höchstens %(n)d Zeichen).", section=label, n=limit)
        )
    if text and any(identity_hits(text, identity_of(item.case)) for item in items):
        raise ProtocolError(
            _(
                "„%(section)s“ enthält Angaben, die eine Familie erkennbar machen. Im "
                "Teamprotokoll stehen nur Pseudonyme und Rollen.",
                section=label,
            )
        )
    return text


def _team_record(meeting: Meeting) -> TeamProtocol:
    team = queries.team_protocol_of(meeting)
    if team is None:
        team = TeamProtocol(meeting_id=meeting.id, notes="", status=ProtocolStatus.DRAFT)
        db.session.add(team)
        db.session.flush()
    return team


def save_team_notes(
    meeting: Meeting, notes: str, topic_notes: dict[uuid.UUID, str], actor: User
) -> TeamProtocol:
    """The moderator's short notes on the session and on each topic without a case; refused
    once the Teamprotokoll is sealed, and for any text that names a family of the session."""
    _require_keeper(actor, meeting)
    _refuse_if_sealed(queries.team_protocol_of(meeting))
    items = access.agenda_of(meeting)
    topics = {
        t.id: t
        for t in db.session.scalars(select(AgendaTopic).where(AgendaTopic.meeting_id == meeting.id))
    }
    clean_notes = _team_text(items, _("Notizen zur Sitzung"), notes, MAX_TEAM_NOTES)
    clean_topics = {
        topic_id: _team_text(items, topics[topic_id].title, text, TOPIC_TEXT_MAX)
        for topic_id, text in topic_notes.items()
        if topic_id in topics
    }
    team = _team_record(meeting)
    team.notes = clean_notes
    for topic_id, text in clean_topics.items():
        topics[topic_id].notes = text
    db.session.flush()
    record(
        AuditAction.UPDATE,
        team,
        actor=actor,
        purpose=queries.TEAM_PURPOSE,
        details={
            "meeting": str(meeting.id),
            "notes": bool(clean_notes),
            "topics": sorted(str(t) for t, text in clean_topics.items() if text),
        },
    )
    return team


def _label(number: int, item: AgendaItem) -> str:
    return _("TOP %(n)d (%(pseudonym)s)", n=number, pseudonym=item.case.pseudonym)


def finalise_session(meeting: Meeting, actor: User) -> str:
    """The moderator finalises the Teamprotokoll with all its Fallprotokolle, in one unit of
    work: every submitted Fallprotokoll of the session is finalised (``finalise``, with its own
    hash and audit event), then the Teamprotokoll is sealed with the SHA-256 of its canonical
    content, which includes the Fallprotokolle's hashes. Refused, with nothing changed, before
    the session has begun, while an item's clock runs, while an item's protocol is still a
    draft (or missing) or a §8a assessment is incomplete.
    Returns the Teamprotokoll's hash."""
    _require_keeper(actor, meeting)
    _refuse_if_sealed(queries.team_protocol_of(meeting))
    if meeting.status == MeetingStatus.CANCELLED:
        raise ProtocolError(
            _("Die Sitzung ist abgesagt; es gibt kein Teamprotokoll abzuschließen.")
        )
    if utcnow() < meeting.starts_dt:
        raise ProtocolError(
            _(
                "Die Sitzung hat noch nicht begonnen; das Teamprotokoll wird erst nach der "
                "Sitzung abgeschlossen. Nichts wurde geändert."
            )
        )
    items = access.agenda_of(meeting)
    running = [_label(n, item) for n, item in enumerate(items, start=1) if item.clock_started_dt]
    if running:
        raise ProtocolError(
            _(
                "Die Zeit läuft noch bei %(items)s; bitte erst die Uhr anhalten. "
                "Nichts wurde geändert.",
                items=", ".join(running),
            )
        )
    protocols = (
        {
            p.item_id: p
            for p in db.session.scalars(
                select(CaseProtocol).where(CaseProtocol.item_id.in_([i.id for i in items]))
            )
        }
        if items
        else {}
    )
    drafts, missing, incomplete = [], [], []
    for number, item in enumerate(items, start=1):
        protocol = protocols.get(item.id)
        if protocol is None:
            missing.append(_label(number, item))
        elif protocol.status == ProtocolStatus.DRAFT:
            drafts.append(_label(number, item))
        elif protocol.status == ProtocolStatus.SUBMITTED:
            try:
                _require_assessment_complete(protocol)
            except ProtocolError as exc:
                incomplete.append(f"{_label(number, item)}: {exc}")
    if drafts or missing or incomplete:
        reasons = []
        if drafts:
            reasons.append(
                _("noch im Entwurf (nicht eingereicht): %(items)s", items=", ".join(drafts))
            )
        if missing:
            reasons.append(_("ohne Fallprotokoll: %(items)s", items=", ".join(missing)))
        reasons.extend(incomplete)
        raise ProtocolError(
            _(
                "Die Sitzung kann noch nicht abgeschlossen werden; nichts wurde geändert. "
                "%(reasons)s.",
                reasons="; ".join(reasons),
            )
        )
    for item in items:
        protocol = protocols[item.id]
        if protocol.status == ProtocolStatus.SUBMITTED:
            finalise(protocol, actor)
    team = _team_record(meeting)
    digest = team_content_hash(queries.team_protocol_document(meeting))
    _seal(team, digest, actor)
    record(
        AuditAction.UPDATE,
        team,
        actor=actor,
        purpose=queries.TEAM_PURPOSE,
        details={
            "meeting": str(meeting.id),
            "status": ProtocolStatus.FINALISED,
            "sha256": digest,
            "case_protocols": {str(p.id): p.content_hash for p in protocols.values()},
        },
    )
    return digest


def add_team_addendum(
    meeting: Meeting, text: str, reason: str, actor: User
) -> TeamProtocolAddendum:
    """A correction under the sealed Teamprotokoll (the moderator); the Teamprotokoll and its
    hash stay as they are."""
    _require_keeper(actor, meeting)
    team = queries.team_protocol_of(meeting)
    if team is None or not team.locked:
        raise ProtocolError(_("Nachträge gibt es erst zu einem abgeschlossenen Teamprotokoll."))
    items = access.agenda_of(meeting)
    text = _team_text(items, _("Nachtrag"), text, MAX_ADDENDUM)
    reason = _team_text(items, _("Grund"), reason, MAX_ADDENDUM)
    if not text or not reason:
        raise ProtocolError(_("Bitte Nachtrag und Grund angeben."))
    addendum = TeamProtocolAddendum(
        team_protocol_id=team.id, text=text, reason=reason, author_id=actor.id
    )
    db.session.add(addendum)
    db.session.flush()
    record(
        AuditAction.CREATE,
        addendum,
        actor=actor,
        purpose=queries.TEAM_PURPOSE,
        details={"team_protocol_id": str(team.id), "sha256": team.content_hash},
    )
    return addendum
