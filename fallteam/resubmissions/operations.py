"""Changes to Wiedervorlagen: set by the case's owner, closed or renewed with an outcome.
Flush and audit; the view commits."""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import or_, select, update

from fallteam import access
from fallteam.audit.models import AuditAction
from fallteam.audit.operations import record
from fallteam.auth.models import User
from fallteam.cases.guard import identity_hits
from fallteam.cases.models import Case
from fallteam.cases.operations import identity_of
from fallteam.core.models import utcnow
from fallteam.extensions import db
from fallteam.mail.invitations import queue_resubmission_reminder, reachable
from fallteam.meetings.models import AgendaItem
from fallteam.protocols.models import CaseProtocol
from fallteam.resubmissions.models import Resubmission, ResubmissionStatus
from fallteam.resubmissions.queries import team_member_ids, teams_for
from fallteam.resubmissions.rules import office_today, topic_digest
from fallteam.teams.models import Team

#: the longest text of a topic or outcome
MAX_TEXT = 2000


class ResubmissionError(ValueError):
    """A change the rules do not allow; the message is for the user."""


def _require_owner(actor: User, case: Case) -> None:
    if not access.allowed(actor, "resubmission.manage", case):
        raise access.AccessRefused("resubmission.manage", case)


def _checked_text(case: Case, text: str, *, missing: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ResubmissionError(missing)
    if len(text) > MAX_TEXT:
        raise ResubmissionError(_("Der Text ist zu lang (höchstens %(n)d Zeichen).", n=MAX_TEXT))
    if text and identity_hits(text, identity_of(case)):
        raise ResubmissionError(
            _(
                "Der Text enthält Angaben, die die Familie erkennbar machen. "
                "Bitte durch Rollen (z. B. „Mutter“, „Kind 1“) ersetzen."
            )
        )
    return text


def _check_due(due: date, today: date) -> None:
    if due < today:
        raise ResubmissionError(_("Das Datum der Wiedervorlage liegt in der Vergangenheit."))


def _protocol_open(protocol: CaseProtocol, actor: User) -> None:
    """A Wiedervorlage is agreed or dealt with through a protocol only by the item's writer or
    the case manager (``resubmission.agree``), and only until the protocol is finalised."""
    if not access.allowed(actor, "resubmission.agree", protocol.item):
        raise access.AccessRefused("resubmission.agree", protocol.item)
    if protocol.locked:
        raise ResubmissionError(
            _(
                "Das Fallprotokoll ist abgeschlossen; über dieses Protokoll kann keine "
                "Wiedervorlage mehr vereinbart oder erledigt werden."
            )
        )


def _create(
    case: Case,
    team: Team,
    due: date,
    topic: str,
    responsible: User,
    actor: User,
    today: date,
    *,
    agreed_in: AgendaItem | None = None,
) -> Resubmission:
    _check_due(due, today)
    if responsible.id != case.case_manager_id and responsible.id not in team_member_ids(
        team, today
    ):
        raise ResubmissionError(
            _(
                "Verantwortlich kann die fallführende Fachkraft oder ein Mitglied "
                "des Fallteams sein."
            )
        )
    text = _checked_text(case, topic, missing=_("Bitte angeben, was betrachtet werden soll."))
    resubmission = Resubmission(
        case_id=case.id,
        team_id=team.id,
        due=due,
        topic=text,
        topic_sha256=topic_digest(text),
        responsible_id=responsible.id,
        status=ResubmissionStatus.OPEN,
        created_by_id=actor.id,
        agreed_in_item_id=agreed_in.id if agreed_in is not None else None,
    )
    db.session.add(resubmission)
    db.session.flush()
    details = {"case_id": str(case.id), "team_id": str(team.id), "due": due.isoformat()}
    if agreed_in is not None:
        details["agreed_in_item"] = str(agreed_in.id)
    record(
        AuditAction.CREATE,
        resubmission,
        case_pseudonym=case.pseudonym,
        actor=actor,
        details=details,
    )
    return resubmission


def set_resubmission(
    case: Case,
    team: Team,
    due: date,
    topic: str,
    responsible: User,
    actor: User,
    *,
    now: datetime | None = None,
) -> Resubmission:
    """The case's owner sets a Wiedervorlage to one of the case's teams."""
    _require_owner(actor, case)
    today = office_today(now or utcnow())
    _check_due(due, today)
    if team.id not in {t.id for t in teams_for(case)}:
        raise ResubmissionError(_("Dieser Fall gehört zu keinem Fallteam dieser Auswahl."))
    return _create(case, team, due, topic, responsible, actor, today)


def agree_in_protocol(
    protocol: CaseProtocol,
    due: date,
    topic: str,
    responsible: User,
    actor: User,
    *,
    now: datetime | None = None,
) -> Resubmission:
    """Agreed in the Fallprotokoll (by its writer or the case manager, until it is
    finalised): a Wiedervorlage of the item's case to the session's team, linked to the item
    (it appears in the session's Teamprotokoll)."""
    _protocol_open(protocol, actor)
    item = protocol.item
    team = db.session.get(Team, item.meeting.team_id)
    return _create(
        item.case,
        team,
        due,
        topic,
        responsible,
        actor,
        office_today(now or utcnow()),
        agreed_in=item,
    )


def _finish(
    resubmission: Resubmission,
    case: Case,
    outcome: str,
    status: str,
    actor: User,
    protocol: CaseProtocol | None,
):
    if protocol is None:
        _require_owner(actor, case)
    else:
        _protocol_open(protocol, actor)
        if protocol.case_id != resubmission.case_id:
            raise ResubmissionError(_("Diese Wiedervorlage gehört zu einem anderen Fall."))
    if resubmission.status != ResubmissionStatus.OPEN:
        raise ResubmissionError(_("Diese Wiedervorlage ist bereits erledigt."))
    resubmission.outcome = _checked_text(case, outcome, missing=_("Bitte das Ergebnis angeben."))
    resubmission.status = status
    details = {"status": status}
    if protocol is not None:
        resubmission.dealt_in_item_id = protocol.item_id
        details["dealt_in_item"] = str(protocol.item_id)
    db.session.flush()
    record(
        AuditAction.UPDATE,
        resubmission,
        case_pseudonym=case.pseudonym,
        actor=actor,
        details=details,
    )


def close_resubmission(
    resubmission: Resubmission,
    outcome: str,
    actor: User,
    *,
    protocol: CaseProtocol | None = None,
) -> None:
    """The owner records how it was dealt with and closes it; with ``protocol``: recorded in
    that (later) Fallprotokoll by its writer or the case manager."""
    case = db.session.get(Case, resubmission.case_id)
    _finish(resubmission, case, outcome, ResubmissionStatus.CLOSED, actor, protocol)


def renew_resubmission(
    resubmission: Resubmission,
    new_due: date,
    outcome: str,
    actor: User,
    *,
    now: datetime | None = None,
    protocol: CaseProtocol | None = None,
) -> Resubmission:
    """The owner records the outcome, closes it as renewed and sets a new one, linked to it,
    for the same team, topic and responsible person. With ``protocol``: recorded in that
    (later) Fallprotokoll by its writer or the case manager; the new one counts as agreed
    there."""
    case = db.session.get(Case, resubmission.case_id)
    if protocol is None:
        _require_owner(actor, case)
    else:
        _protocol_open(protocol, actor)
    _check_due(new_due, office_today(now or utcnow()))
    _finish(resubmission, case, outcome, ResubmissionStatus.RENEWED, actor, protocol)
    renewed = Resubmission(
        case_id=case.id,
        team_id=resubmission.team_id,
        due=new_due,
        topic=resubmission.topic,
        topic_sha256=resubmission.topic_sha256,
        responsible_id=resubmission.responsible_id,
        status=ResubmissionStatus.OPEN,
        renewed_from_id=resubmission.id,
        created_by_id=actor.id,
        agreed_in_item_id=protocol.item_id if protocol is not None else None,
    )
    db.session.add(renewed)
    db.session.flush()
    record(
        AuditAction.CREATE,
        renewed,
        case_pseudonym=case.pseudonym,
        actor=actor,
        details={"renewed_from": str(resubmission.id), "due": new_due.isoformat()},
    )
    return renewed


def queue_due_reminders(*, now: datetime | None = None) -> int:
    """For ``flask resubmissions remind`` (daily): every responsible person with open
    Wiedervorlagen due today or earlier (the office's day) that were not yet reminded for
    their due day gets one mail saying how many — no case content (``fallteam.mail`` renders
    it). Each Wiedervorlage is reminded once per due day (``reminded_on``); people who cannot
    be reached (inactive, expired, no address) are left for a later run. Returns the mails
    queued."""
    now = now or utcnow()
    today = office_today(now)
    # ids only: nothing encrypted is loaded (the mail says nothing of the case)
    rows = db.session.execute(
        select(Resubmission.id, Resubmission.responsible_id, Case.pseudonym)
        .join(Case, Case.id == Resubmission.case_id)
        .where(
            Resubmission.status == ResubmissionStatus.OPEN,
            Resubmission.due <= today,
            or_(Resubmission.reminded_on.is_(None), Resubmission.reminded_on < Resubmission.due),
        )
    ).all()
    by_person: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
    # the audit log names each Wiedervorlage's case (by pseudonym, as every case event)
    pseudonyms: dict[uuid.UUID, str] = {}
    for resubmission_id, responsible_id, pseudonym in rows:
        by_person[responsible_id].append(resubmission_id)
        pseudonyms[resubmission_id] = pseudonym
    if not by_person:
        return 0
    people = db.session.scalars(
        select(User).where(User.id.in_(list(by_person))).order_by(User.display_name)
    )
    queued = 0
    for person in people:
        if not reachable(person, now):
            continue
        ids = by_person[person.id]
        queue_resubmission_reminder(person, len(ids), now)
        db.session.execute(
            update(Resubmission)
            .where(Resubmission.id.in_(ids))
            .values(reminded_on=today)
            .execution_options(synchronize_session=False)
        )
        for resubmission_id in ids:
            record(
                AuditAction.UPDATE,
                object_type=Resubmission.__audit_type__,
                object_id=resubmission_id,
                case_pseudonym=pseudonyms[resubmission_id],
                purpose="An fällige Wiedervorlage erinnert",
                details={"responsible": str(person.id), "reminded_on": today.isoformat()},
            )
        queued += 1
    db.session.flush()
    return queued
