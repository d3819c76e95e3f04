"""Recording, correcting and revoking Schweigepflichtsentbindungen. Nothing is deleted."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date

from flask import current_app
from flask_babel import gettext as _

from fallteam import access
from fallteam.audit.models import AuditAction
from fallteam.audit.operations import record
from fallteam.auth.models import Institution, User
from fallteam.cases.models import Case, FamilyMember
from fallteam.consent import rules
from fallteam.consent.models import Consent, RecipientType
from fallteam.core.documents import DocumentRefused, identify_document
from fallteam.core.models import utcnow
from fallteam.core.text import safe_file_name
from fallteam.extensions import db


class ConsentError(ValueError):
    """A consent the rules do not allow; the message is for the user."""


class DocumentError(ConsentError):
    """The uploaded document is refused (type or size)."""


def check_document(content: bytes) -> str:
    """The document's type by its first bytes, or ``DocumentError`` with a German message.

    The last line of defence for every caller (imports, the demo data); an upload from a
    form has been read through as a whole document before (``core.forms.DocumentUpload``).
    """
    try:
        return identify_document(
            content, max_bytes=current_app.config["CONSENT_DOCUMENT_MAX_BYTES"]
        )
    except DocumentRefused as exc:
        raise DocumentError(str(exc)) from None


@dataclass
class ConsentData:
    """What the consent form collects."""

    grantor: FamilyMember
    grantor_capacity: str
    recipients: list[dict]
    purposes: list[str]
    data_categories: list[str]
    valid_from: date
    valid_until: date | None
    form: str
    witness: str | None = None
    document: bytes | None = None
    document_name: str | None = None
    #: "sorgeberechtigt für …": the children whose data the grantor releases too
    custody_for: list[FamilyMember] = field(default_factory=list)


#: participant kinds a consent can name
PARTICIPANT_KINDS = ("member", "guest")


def _check_recipients(case: Case, recipients: list[dict]) -> None:
    for recipient in recipients:
        kind, value = recipient.get("type"), str(recipient.get("value"))
        if kind == RecipientType.USER:
            user = _get(User, value)
            if not access.may_receive_case_content(user) or user.id == case.case_manager_id:
                raise ConsentError(
                    _("Diese Person kann nicht Empfängerin einer Schweigepflichtsentbindung sein.")
                )
        elif kind == RecipientType.INSTITUTION:
            institution = _get(Institution, value)
            if institution is None or not institution.active:
                raise ConsentError(_("Bitte eine Institution aus der Liste wählen."))
        elif kind != RecipientType.PARTICIPANT_KIND or value not in PARTICIPANT_KINDS:
            raise ConsentError(_("Unbekannte Empfängerin oder unbekannter Empfänger."))


def _get(model, value):
    try:
        return db.session.get(model, uuid.UUID(str(value)))
    except ValueError:
        return None


def _check(case: Case, data: ConsentData) -> None:
    if data.grantor.case_id != case.id:
        raise ConsentError(_("Die erteilende Person gehört nicht zu diesem Fall."))
    if data.valid_until and data.valid_until < data.valid_from:
        raise ConsentError(_("Das Ende der Gültigkeit liegt vor ihrem Beginn."))
    if not data.recipients:
        raise ConsentError(_("Bitte mindestens eine Empfängerin oder einen Empfänger angeben."))
    _check_recipients(case, data.recipients)
    problem = rules.own_consent_problem(
        data.grantor, data.grantor_capacity, data.valid_from
    ) or rules.custody_problem(
        data.grantor, data.grantor_capacity, data.custody_for, data.valid_from
    )
    if problem:
        raise ConsentError(problem)
    if data.form == "muendlich_zeuge" and not (data.witness or "").strip():
        raise ConsentError(
            _("Bei mündlicher Schweigepflichtsentbindung bitte die Zeugin/den Zeugen angeben.")
        )


def _apply(consent: Consent, data: ConsentData) -> None:
    consent.grantor_id = data.grantor.id
    consent.grantor_capacity = data.grantor_capacity
    consent.custody_for = [str(child.id) for child in data.custody_for]
    consent.recipients = data.recipients
    consent.purposes = data.purposes
    consent.data_categories = data.data_categories
    consent.valid_from = data.valid_from
    consent.valid_until = data.valid_until
    consent.form = data.form
    consent.witness = (data.witness or "").strip() or None
    if data.document is not None:
        if not data.document:
            raise DocumentError(
                _("Die Datei ist leer. Bitte das unterschriebene Dokument hochladen.")
            )
        consent.document_type = check_document(data.document)
        consent.document = data.document
        consent.document_name = safe_file_name(data.document_name)


def record_consent(case: Case, data: ConsentData, *, actor: User) -> Consent:
    """A new Schweigepflichtsentbindung for ``case``."""
    _check(case, data)
    consent = Consent(case_id=case.id, recorded_by_id=actor.id)
    _apply(consent, data)
    db.session.add(consent)
    db.session.flush()
    record(
        AuditAction.CREATE,
        consent,
        case_pseudonym=case.pseudonym,
        purpose=",".join(data.purposes),
        details={
            "categories": data.data_categories,
            "recipients": len(data.recipients),
            # the DPO's list of disclosure decisions finds it by this marker
            "disclosure": "consent_recorded",
        },
    )
    return consent


def correct_consent(case: Case, old: Consent, data: ConsentData, *, actor: User) -> Consent:
    """A corrected version; the old one stays in the history and is no longer in force.

    Without a new upload the signed document of the old version is carried over.
    """
    if old.revoked_dt is not None:
        raise ConsentError(
            _("Eine widerrufene Schweigepflichtsentbindung kann nicht korrigiert werden.")
        )
    _check(case, data)
    consent = Consent(case_id=case.id, recorded_by_id=actor.id, supersedes_id=old.id)
    if data.document is None and old.document is not None:
        consent.document, consent.document_type = old.document, old.document_type
        consent.document_name = old.document_name
    _apply(consent, data)
    db.session.add(consent)
    db.session.flush()
    record(
        AuditAction.UPDATE,
        consent,
        case_pseudonym=case.pseudonym,
        # a corrected version is a consent recorded anew (the DPO's disclosure list)
        details={"corrects": str(old.id), "disclosure": "consent_recorded"},
    )
    return consent


def revoke_consent(
    case: Case,
    consent: Consent,
    *,
    revoked_on: date,
    received_by: User,
    note: str | None,
    actor: User,
) -> None:
    """Record a Widerruf: the consent releases nothing from this moment on."""
    if consent.revoked_dt is not None:
        raise ConsentError(_("Diese Schweigepflichtsentbindung ist bereits widerrufen."))
    if revoked_on > utcnow().date():
        raise ConsentError(_("Ein Widerruf kann nicht in der Zukunft liegen."))
    consent.revoked_dt = utcnow()
    consent.revoked_on = revoked_on
    consent.revocation_received_by_id = received_by.id
    consent.revocation_note = (note or "").strip() or None
    db.session.flush()
    record(
        AuditAction.UPDATE,
        consent,
        case_pseudonym=case.pseudonym,
        purpose="Widerruf",
        details={"revoked": True, "disclosure": "consent_revoked"},
    )
