"""Read side of the reports: the Art. 15 answer for one data subject and the record of
processing (Art. 30).

A data subject is found only through the blind index of surname, first name and birth date
(``cases.rules.member_index``) — never by a list. Two versions of the answer:

- the DPO's (``audit.read``): structure and counts. Every encrypted value is asked for as
  "is it filled?" in SQL, so nothing of the person is decrypted, let alone shown;
- the case owner's (``case.art15``): the person's stored data in clear and the consents with
  their content, found only in cases the owner manages.

Generating either version is recorded as a read (HTML) or an export (PDF), one event per case
found, with the pseudonym and ids, never content; a search that finds nothing is recorded too.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Table, distinct, func, literal, select, union_all
from sqlalchemy.orm import selectinload

from fallteam import access
from fallteam.audit.models import AuditAction, AuditEvent, Outcome
from fallteam.audit.operations import record
from fallteam.auth.models import Institution, User
from fallteam.cases.models import CATEGORY_LABELS, FAMILY_ROLE_LABELS, Case, FamilyMember
from fallteam.cases.rules import role_labels
from fallteam.consent.models import CATEGORY_LABELS as DATA_CATEGORY_LABELS
from fallteam.consent.models import FORM_LABELS, PURPOSE_LABELS, Consent, RecipientType
from fallteam.consent.queries import CONSENT_STATE_LABELS, consent_state, recipients_text
from fallteam.consent.rules import PARTICIPANT_KINDS
from fallteam.core.models import Base, utcnow
from fallteam.dpo.queries.case_report import REPORT_OBJECT
from fallteam.extensions import db
from fallteam.reports import rules
from fallteam.retention.rules import (
    RetentionConfigError,
    class_for_case_category,
    retention_classes,
)

#: the audit log's name for an Art. 15 answer (its events are not "recipients" of the data)
SUBJECT_ACCESS = "subject_access"
#: audit object types of looks that show no case content
NO_CONTENT_OBJECTS = (SUBJECT_ACCESS, REPORT_OBJECT)
PURPOSE = "Auskunft nach Art. 15 DSGVO"
DPO_VERSION, OWNER_VERSION = "dpo", "owner"
#: audit actions that put a case's data before someone
DISCLOSING_ACTIONS = (AuditAction.READ.value, AuditAction.EXPORT.value)


@dataclass
class ConsentFacts:
    """One consent that concerns the person: given by them, or by a custodian for them."""

    given_by_person: bool
    state: str
    recorded: datetime
    valid_from: date
    valid_until: date | None
    revoked_on: date | None
    recipients: str
    purposes: str
    categories: str
    form: str
    has_document: bool
    #: the owner's version only: the consent's encrypted content
    witness: str | None = None
    revocation_note: str | None = None
    document_name: str | None = None


@dataclass
class RecipientGroup:
    """Who had the case's data before them, by the reader's institution."""

    institution: str
    persons: int
    accesses: int
    first: datetime
    last: datetime


@dataclass
class RetentionFacts:
    """How long the case is kept, and why."""

    label: str
    period: str
    legal_basis: str
    deletion_date: date | None


@dataclass
class Appearance:
    """The person in one case."""

    case_id: uuid.UUID
    pseudonym: str
    category: str
    role: str
    #: categories of data held about the person (their filled fields)
    held: list[str]
    #: the case's records by kind: (label, count)
    records: list[tuple[str, int]]
    consents: list[ConsentFacts]
    recipients: list[RecipientGroup]
    retention: RetentionFacts | None
    #: the Fachkraft who recorded the case
    source: str
    #: the owner's version only: (label, value) of the person's stored data
    person: list[tuple[str, str]] = field(default_factory=list)
    #: the owner's version only: since when the family disputes the data (bestritten)
    disputed_on: date | None = None


@dataclass
class SubjectAccessReport:
    """The Art. 15 answer: every case the person appears in."""

    version: str
    index: str
    created: datetime
    appearances: list[Appearance]
    #: the owner's version: pseudonyms of restricted cases the person appears in, whose
    #: content this answer leaves out until the owner names a reason on that case's page
    withheld: list[str] = field(default_factory=list)

    @property
    def found(self) -> bool:
        """Whether the search matched anyone."""
        return bool(self.appearances or self.withheld)


def _retention(category: str, deletion_due_on: date | None) -> RetentionFacts | None:
    try:
        item = class_for_case_category(category)
    except RetentionConfigError:
        return None
    return RetentionFacts(
        label=item.label,
        period=rules.retention_period(item),
        legal_basis=item.legal_basis,
        deletion_date=deletion_due_on,
    )


def _case_tables() -> list[Table]:
    """Tables with records about a case (a ``case_id`` column and a label)."""
    return [
        table
        for table in Base.metadata.sorted_tables
        if "case_id" in table.c and table.name in rules.TABLE_LABELS
    ]


def _records(case_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[tuple[str, int]]]:
    """Per case: how many records of each kind it holds (one statement, no decryption)."""
    tables = _case_tables()
    counts = union_all(
        *(
            select(literal(t.name).label("kind"), t.c.case_id, func.count().label("n"))
            .where(t.c.case_id.in_(case_ids))
            .group_by(t.c.case_id)
            for t in tables
        )
    )
    found: dict[uuid.UUID, dict[str, int]] = {case_id: {} for case_id in case_ids}
    for kind, case_id, n in db.session.execute(counts):
        found[_uuid(case_id)][kind] = n
    order = [t.name for t in tables]
    return {
        case_id: [(rules.table_label(k), kinds[k]) for k in order if kinds.get(k)]
        for case_id, kinds in found.items()
    }


def _recipients(pseudonyms: list[str]) -> dict[str, list[RecipientGroup]]:
    """Per case pseudonym: the reads and exports of its data, by the reader's institution."""
    institution = func.coalesce(Institution.name, literal(""))
    rows = db.session.execute(
        select(
            AuditEvent.case_pseudonym,
            institution,
            func.count(distinct(AuditEvent.actor_id)),
            func.count(),
            func.min(AuditEvent.occurred_dt),
            func.max(AuditEvent.occurred_dt),
        )
        .outerjoin(User, User.id == AuditEvent.actor_id)
        .outerjoin(Institution, Institution.id == User.institution_id)
        .where(
            AuditEvent.case_pseudonym.in_(pseudonyms),
            AuditEvent.action.in_(DISCLOSING_ACTIONS),
            AuditEvent.outcome == Outcome.ALLOWED.value,
            # the DPO's own looks at the case (this answer, the access report) carry no
            # content: the family's data did not reach anyone through them
            func.coalesce(AuditEvent.object_type, "").not_in(NO_CONTENT_OBJECTS),
        )
        .group_by(AuditEvent.case_pseudonym, institution)
        .order_by(AuditEvent.case_pseudonym, institution)
    ).all()
    found: dict[str, list[RecipientGroup]] = {p: [] for p in pseudonyms}
    for pseudonym, name, persons, accesses, first, last in rows:
        found[pseudonym].append(
            RecipientGroup(name or _("ohne Institution"), persons, accesses, first, last)
        )
    return found


def _words(labels: dict, values: Iterable[str]) -> str:
    return ", ".join(str(labels.get(v, v)) for v in values or [])


def _recipients_by_institution(
    consent: Any, users: dict[uuid.UUID, Any], institutions: dict[uuid.UUID, str]
) -> str:
    """A consent's recipients in words without naming staff: institutions, the institution
    of a named person, or the group of participants."""
    parts = []
    for recipient in consent.recipients or []:
        kind, value = recipient.get("type"), recipient.get("value")
        if kind == RecipientType.USER:
            user = users.get(_uuid(value))
            where = institutions.get(user.institution_id) if user is not None else None
            parts.append(_("eine Person (%(institution)s)", institution=where or "?"))
        elif kind == RecipientType.INSTITUTION:
            parts.append(institutions.get(_uuid(value), "?"))
        else:
            parts.append(str(PARTICIPANT_KINDS.get(value, value)))
    return ", ".join(parts)


def _consent_facts(
    consent: Any, versions: list[Any], member_id: uuid.UUID, recipients: str, *, owner: bool
) -> ConsentFacts:
    facts = ConsentFacts(
        given_by_person=consent.grantor_id == member_id,
        state=str(CONSENT_STATE_LABELS.get(consent_state(consent, versions), "")),
        recorded=consent.created_dt,
        valid_from=consent.valid_from,
        valid_until=consent.valid_until,
        revoked_on=consent.revoked_on,
        recipients=recipients,
        purposes=_words(PURPOSE_LABELS, consent.purposes),
        categories=_words(DATA_CATEGORY_LABELS, consent.data_categories),
        form=str(FORM_LABELS.get(consent.form, consent.form)),
        has_document=bool(consent.has_document),
    )
    if owner:
        facts.witness = _text(consent.witness)
        facts.revocation_note = _text(consent.revocation_note)
        facts.document_name = _text(consent.document_name)
    return facts


def _concerns(consent: Any, member_id: uuid.UUID) -> bool:
    return consent.grantor_id == member_id or str(member_id) in {
        str(v) for v in consent.custody_for or []
    }


def _consent_columns(owner: bool):
    columns = [
        Consent.id,
        Consent.case_id,
        Consent.supersedes_id,
        Consent.grantor_id,
        Consent.custody_for,
        Consent.recipients,
        Consent.purposes,
        Consent.data_categories,
        Consent.valid_from,
        Consent.valid_until,
        Consent.form,
        Consent.created_dt,
        Consent.revoked_dt,
        Consent.revoked_on,
        Consent.document.is_not(None).label("has_document"),
    ]
    if not owner:
        # the DPO's version: whether the encrypted fields are filled, never their values
        return select(*columns)
    return select(Consent, Consent.document.is_not(None).label("has_document"))


@dataclass
class _ConsentRow:
    """A consent loaded for the owner, with whether its document exists (the document
    itself stays deferred)."""

    consent: Consent
    has_document: bool

    def __getattr__(self, name: str) -> Any:
        return getattr(self.consent, name)


def _consents(case_ids: list[uuid.UUID], owner: bool) -> dict[uuid.UUID, list[Any]]:
    rows = db.session.execute(
        _consent_columns(owner).where(Consent.case_id.in_(case_ids)).order_by(Consent.created_dt)
    ).all()
    by_case: dict[uuid.UUID, list[Any]] = {case_id: [] for case_id in case_ids}
    for row in rows:
        item = _ConsentRow(row[0], row[1]) if owner else row
        by_case[item.case_id].append(item)
    return by_case


def _people(ids: set) -> tuple[dict[uuid.UUID, Any], dict[uuid.UUID, str]]:
    """Accounts by id (recorders, recipients named in consents) and every institution's name."""
    ids = {i for i in ids if i is not None}
    users = (
        {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids)))} if ids else {}
    )
    # whole rows, so that ``recipients_text`` finds them in the session instead of asking again
    institutions = {i.id: i.name for i in db.session.scalars(select(Institution))}
    return users, institutions


def _named_users(consents: Iterable[Any]) -> set:
    return {
        _uuid(r.get("value"))
        for c in consents
        for r in c.recipients or []
        if r.get("type") == RecipientType.USER
    }


def _record(viewer: Any, version: str, appearances: list[Appearance], *, export: bool) -> None:
    """The answer was generated (read) or handed out as a PDF (export): one event per case.
    Not the person's blind index: the log outlives the case's deletion, and the index would
    let anyone holding the key test a name against it long after."""
    action = AuditAction.EXPORT if export else AuditAction.READ
    details = {"version": version, "format": "pdf" if export else "html"}
    if not appearances:
        record(
            action,
            actor=viewer,
            object_type=SUBJECT_ACCESS,
            purpose=PURPOSE,
            details={**details, "matches": 0},
        )
        return
    for item in appearances:
        record(
            action,
            actor=viewer,
            object_type=SUBJECT_ACCESS,
            object_id=item.case_id,
            case_pseudonym=item.pseudonym,
            purpose=PURPOSE,
            details=details,
        )


def subject_overview(viewer: Any, index: str, *, export: bool = False) -> SubjectAccessReport:
    """The DPO's Art. 15 answer for the person with this blind index: in which cases and
    roles they appear, which categories of data are held, their consents, who received the
    case's data (by institution), the retention and the source — structure and counts only;
    nothing is decrypted. Recorded as a read (or, ``export``, an export) per case."""
    if not access.allowed(viewer, "audit.read"):
        raise access.AccessRefused("audit.read")
    filled = [
        getattr(FamilyMember, name).is_not(None).label(name)
        for name in rules.MEMBER_FIELD_CATEGORIES
    ]
    rows = db.session.execute(
        select(
            FamilyMember.id,
            FamilyMember.role,
            Case.id.label("case_id"),
            Case.pseudonym,
            Case.category,
            Case.deletion_due_on,
            Case.created_by_id,
            *filled,
        )
        .join(Case, Case.id == FamilyMember.case_id)
        .where(FamilyMember.identity_index == index)
        .order_by(Case.pseudonym)
    ).all()
    case_ids = [row.case_id for row in rows]
    records = _records(case_ids) if rows else {}
    recipients = _recipients([row.pseudonym for row in rows]) if rows else {}
    consents = _consents(case_ids, owner=False) if rows else {}
    all_consents = [c for versions in consents.values() for c in versions]
    users, institutions = _people({row.created_by_id for row in rows} | _named_users(all_consents))
    appearances = []
    for row in rows:
        versions = consents.get(row.case_id, [])
        creator = users.get(row.created_by_id)
        appearances.append(
            Appearance(
                case_id=row.case_id,
                pseudonym=row.pseudonym,
                category=str(CATEGORY_LABELS.get(row.category, row.category)),
                role=str(FAMILY_ROLE_LABELS.get(row.role, row.role)),
                held=[
                    str(label)
                    for name, label in rules.MEMBER_FIELD_CATEGORIES.items()
                    if getattr(row, name)
                ],
                records=records.get(row.case_id, []),
                consents=[
                    _consent_facts(
                        c,
                        versions,
                        row.id,
                        _recipients_by_institution(c, users, institutions),
                        owner=False,
                    )
                    for c in versions
                    if _concerns(c, row.id)
                ],
                recipients=recipients.get(row.pseudonym, []),
                retention=_retention(row.category, row.deletion_due_on),
                source=creator.display_name if creator is not None else "?",
            )
        )
    _record(viewer, DPO_VERSION, appearances, export=export)
    return SubjectAccessReport(DPO_VERSION, index, utcnow(), appearances)


def _person(member: FamilyMember, label: str) -> list[tuple[str, str]]:
    """The person's stored data in clear (owner's version)."""
    facts = member.facts if isinstance(member.facts, dict) else {}
    yes, no = _("ja"), _("nein")
    values = [
        (_("Rolle"), label),
        (_("Vorname"), _text(member.first_name) or "–"),
        (_("Nachname"), _text(member.last_name) or "–"),
        (_("Geburtsdatum"), member.born.strftime("%d.%m.%Y") if member.born else "–"),
        (_("Anschrift"), _text(member.address) or "–"),
        (_("Im Haushalt"), yes if facts.get("in_household") else no),
        (_("Verstorben"), yes if facts.get("deceased") else no),
        (_("Indexperson"), yes if facts.get("is_index") else no),
    ]
    return values


def subject_answer(owner: Any, index: str, *, export: bool = False) -> SubjectAccessReport:
    """The case owner's Art. 15 answer: the person with this blind index in the cases
    ``owner`` manages (no other case is ever matched), with their stored data in clear and
    the consents' content, plus what the DPO's version holds. Recorded as a read (or,
    ``export``, an export) per case."""
    members = db.session.scalars(
        select(FamilyMember)
        .join(Case, Case.id == FamilyMember.case_id)
        .where(FamilyMember.identity_index == index, Case.case_manager_id == owner.id)
        .options(selectinload(FamilyMember.case).selectinload(Case.members))
        .order_by(Case.pseudonym)
    ).all()
    members = [m for m in members if access.allowed(owner, "case.art15", m.case)]
    # A restricted case's content only with a reason named for it (the answer for that case,
    # asked from its page, passes the reason flow); other restricted cases by pseudonym only.
    withheld = sorted(
        m.case.pseudonym
        for m in members
        if access.reason_missing(owner, "case.art15", m.case) is not None
    )
    members = [m for m in members if m.case.pseudonym not in withheld]
    case_ids = [m.case_id for m in members]
    records = _records(case_ids) if members else {}
    recipients = _recipients([m.case.pseudonym for m in members]) if members else {}
    consents = _consents(case_ids, owner=True) if members else {}
    all_consents = [c for versions in consents.values() for c in versions]
    users, _institutions = _people(
        {m.case.created_by_id for m in members} | _named_users(all_consents)
    )
    appearances = []
    for member in members:
        case = member.case
        labels = dict(zip((m.id for m in case.members), role_labels(case.members), strict=True))
        versions = consents.get(case.id, [])
        creator = users.get(case.created_by_id)
        appearances.append(
            Appearance(
                case_id=case.id,
                pseudonym=case.pseudonym,
                category=str(CATEGORY_LABELS.get(case.category, case.category)),
                role=labels.get(member.id, member.role),
                held=[
                    str(label)
                    for name, label in rules.MEMBER_FIELD_CATEGORIES.items()
                    if getattr(member, name) is not None
                ],
                records=records.get(case.id, []),
                consents=[
                    _consent_facts(
                        c, versions, member.id, recipients_text(c.consent, users), owner=True
                    )
                    for c in versions
                    if _concerns(c, member.id)
                ],
                recipients=recipients.get(case.pseudonym, []),
                retention=_retention(case.category, case.deletion_due_on),
                source=creator.display_name if creator is not None else "?",
                person=_person(member, labels.get(member.id, member.role)),
                disputed_on=case.disputed_on,
            )
        )
    _record(owner, OWNER_VERSION, appearances, export=export)
    return SubjectAccessReport(OWNER_VERSION, index, utcnow(), appearances, withheld)


# --- record of processing (Art. 30) --------------------------------------------------------


@dataclass
class FieldGroup:
    """The encrypted fields of one table."""

    table: str
    label: str
    fields: list[str]


@dataclass
class ProcessingRecord:
    """Everything the record of processing shows, from the configuration and the models."""

    text: rules.ProcessingText
    fields: list[FieldGroup]
    #: (label, description) of every role of the policy
    roles: list[tuple[str, str]]
    #: the groups of participants a consent can name
    participant_kinds: list[str]
    #: the institutions list; None: not read (the committed Markdown file)
    institutions: list[str] | None
    #: (label, period, legal basis) of every retention class
    retention: list[tuple[str, str, str]]
    #: how many encrypted fields, in how many tables
    encrypted_count: tuple[int, int]


def processing_record(*, with_institutions: bool = True) -> ProcessingRecord:
    """The record of processing activities (Art. 30 DSGVO) as configured: purposes and TOMs
    from ``security/processing.toml``, the data categories from the models' encrypted
    columns, roles from the policy, retention classes from ``security/retention.toml`` and,
    ``with_institutions``, the institutions list of this instance."""
    groups = [
        FieldGroup(table, rules.table_label(table), [rules.field_label(table, c) for c in cols])
        for table, cols in rules.encrypted_columns(Base.metadata)
    ]
    institutions = None
    if with_institutions:
        institutions = list(
            db.session.scalars(
                select(Institution.name).where(Institution.active).order_by(Institution.name)
            )
        )
    return ProcessingRecord(
        text=rules.processing_text(),
        fields=groups,
        roles=[(_(r.label), _(r.description)) for r in access.policy().roles.values()],
        participant_kinds=[str(label) for label in PARTICIPANT_KINDS.values()],
        institutions=institutions,
        retention=[
            (item.label, rules.retention_period(item), item.legal_basis)
            for item in retention_classes()
        ],
        encrypted_count=(sum(len(g.fields) for g in groups), len(groups)),
    )


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _uuid(value: Any) -> uuid.UUID | None:
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None
