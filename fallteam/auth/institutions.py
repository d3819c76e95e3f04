"""The one list of institutions: reading it, and the administration's changes to it.

Changes flush and write their audit event; none commits.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import func, select

from fallteam.audit.models import AuditAction
from fallteam.audit.operations import record
from fallteam.auth.models import Institution
from fallteam.extensions import db


class InstitutionError(ValueError):
    """A change the rules do not allow; the message is for the user."""


def all_institutions() -> list[Institution]:
    """Every institution, active ones first, by name."""
    return list(
        db.session.scalars(
            select(Institution).order_by(Institution.active.desc(), Institution.name)
        )
    )


def active_institutions() -> list[Institution]:
    """The institutions that can be chosen for accounts and consent recipients, by name."""
    return list(
        db.session.scalars(
            select(Institution).where(Institution.active.is_(True)).order_by(Institution.name)
        )
    )


def institution_choices() -> list[tuple[str, str]]:
    """(id, name) of the active institutions, for a select field."""
    return [(str(i.id), i.name) for i in active_institutions()]


def _clean(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise InstitutionError(_("Bitte den Namen der Institution angeben."))
    if len(name) > 200:
        raise InstitutionError(_("Der Name ist zu lang (höchstens 200 Zeichen)."))
    return name


def _refuse_duplicate(name: str, keep: Institution | None = None) -> None:
    other = db.session.scalar(
        select(Institution).where(func.lower(Institution.name) == name.lower())
    )
    if other is not None and other is not keep:
        raise InstitutionError(_("Eine Institution mit diesem Namen gibt es bereits."))


def add_institution(name: str) -> Institution:
    """A new entry of the list (e.g. a freier Träger by name)."""
    name = _clean(name)
    _refuse_duplicate(name)
    institution = Institution(name=name)
    db.session.add(institution)
    db.session.flush()
    record(AuditAction.CREATE, institution, details={"name": name})
    return institution


def rename_institution(institution: Institution, name: str) -> None:
    """A new name; accounts and consents keep referring to the same entry."""
    name = _clean(name)
    _refuse_duplicate(name, keep=institution)
    before = institution.name
    institution.name = name
    db.session.flush()
    record(AuditAction.UPDATE, institution, details={"name_from": before, "name_to": name})


def set_institution_active(institution: Institution, active: bool) -> None:
    """Deactivate (no longer offered) or reactivate an entry; nothing that refers to it
    changes."""
    institution.active = active
    db.session.flush()
    record(AuditAction.UPDATE, institution, details={"active": active})
