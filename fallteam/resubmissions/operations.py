"""Changes to Wiedervorlagen: set by the case's owner, closed or renewed with an outcome.
Flush and audit; the view commits."""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import gettext as _

from fallteam import access
from fallteam.audit.models import AuditAction
from fallteam.audit.operations import record
from fallteam.auth.models import User
from fallteam.cases.guard import identity_hits
from fallteam.cases.models import Case
from fallteam.cases.operations import identity_of
from fallteam.core.models import utcnow
from fallteam.extensions import db
from fallteam.resubmissions.models import Resubmission, ResubmissionStatus
from fallteam.resubmissions.queries import team_member_ids, teams_for
from fallteam.resubmissions.rules import office_today
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
        responsible_id=responsible.id,
        status=ResubmissionStatus.OPEN,
        created_by_id=actor.id,
    )
    db.session.add(resubmission)
    db.session.flush()
    record(
        AuditAction.CREATE,
        resubmission,
        case_pseudonym=case.pseudonym,
        actor=actor,
        details={"case_id": str(case.id), "team_id": str(team.id), "due": due.isoformat()},
    )
    return resubmission


def _finish(resubmission: Resubmission, case: Case, outcome: str, status: str, actor: User):
    _require_owner(actor, case)
    if resubmission.status != ResubmissionStatus.OPEN:
        raise ResubmissionError(_("Diese Wiedervorlage ist bereits erledigt."))
    resubmission.outcome = _checked_text(case, outcome, missing=_("Bitte das Ergebnis angeben."))
    resubmission.status = status
    db.session.flush()
    record(
        AuditAction.UPDATE,
        resubmission,
        case_pseudonym=case.pseudonym,
        actor=actor,
        details={"status": status},
    )


def close_resubmission(resubmission: Resubmission, outcome: str, actor: User) -> None:
    """The owner records how it was dealt with and closes it."""
    case = db.session.get(Case, resubmission.case_id)
    _finish(resubmission, case, outcome, ResubmissionStatus.CLOSED, actor)


def renew_resubmission(
    resubmission: Resubmission,
    new_due: date,
    outcome: str,
    actor: User,
    *,
    now: datetime | None = None,
) -> Resubmission:
    """The owner records the outcome, closes it as renewed and sets a new one, linked to it,
    for the same team, topic and responsible person."""
    case = db.session.get(Case, resubmission.case_id)
    _require_owner(actor, case)
    _check_due(new_due, office_today(now or utcnow()))
    _finish(resubmission, case, outcome, ResubmissionStatus.RENEWED, actor)
    renewed = Resubmission(
        case_id=case.id,
        team_id=resubmission.team_id,
        due=new_due,
        topic=resubmission.topic,
        responsible_id=resubmission.responsible_id,
        status=ResubmissionStatus.OPEN,
        renewed_from_id=resubmission.id,
        created_by_id=actor.id,
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
