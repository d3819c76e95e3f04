"""The audit search's filter form: GET parameters, so a filtered view is a link (other
reports link into it with ``actor``, ``pseudonym``, ``outcome``, ``since``, ``until``)."""

from __future__ import annotations

import uuid

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional, ValidationError

from fallteam.audit.labels import ACTION_LABELS
from fallteam.core.forms import SubForm, choices_from
from fallteam.dpo.queries.search import AuditFilter

UNKNOWN_ACCOUNT = _l("(Konto nicht mehr vorhanden)")


class AuditFilterForm(SubForm):
    """Filters of the audit search. A search changes nothing, so the form is sent with GET
    and carries no CSRF token (``SubForm``: the shared input rules, no token)."""

    actor = SelectField(_l("Person"), default="", validate_choice=False)
    pseudonym = StringField(
        _l("Fall (Pseudonym)"),
        # typed as "ft-2026-0042 " it is still the case FT-2026-0042 (as in the case report)
        filters=[lambda v: v.strip().upper() if isinstance(v, str) else v],
        validators=[
            Optional(),
            Length(max=40, message=_l("Ein Pseudonym hat höchstens 40 Zeichen.")),
        ],
    )
    action = SelectField(_l("Aktion"), default="")
    outcome = SelectField(
        _l("Ergebnis"),
        default="",
        choices=[
            SelectChoice("", _l("alle")),
            SelectChoice("denied", _l("nur verweigerte Zugriffe")),
        ],
    )
    since = DateField(_l("von (Tag)"), validators=[Optional()])
    until = DateField(_l("bis (Tag)"), validators=[Optional()])
    consent_reads = BooleanField(
        _l("nur Lesezugriffe auf per Schweigepflichtsentbindung freigegebene Daten"),
        false_values=(False, "false", "", "0"),
    )

    def __init__(self, formdata, accounts: list[tuple[uuid.UUID, str]]) -> None:
        super().__init__(formdata)
        self.actor.choices = [SelectChoice("", str(_l("alle Personen")))] + [
            SelectChoice(str(account_id), name) for account_id, name in accounts
        ]
        self.action.choices = [
            SelectChoice("", str(_l("alle Aktionen"))),
            *choices_from(ACTION_LABELS),
        ]

    def validate_actor(self, field) -> None:
        if not field.data:
            return
        try:
            uuid.UUID(field.data)
        except ValueError:
            raise ValidationError(_l("Bitte eine Person aus der Liste wählen.")) from None
        if field.data not in {choice.value for choice in field.choices}:
            # the log outlives accounts: an id without an account may still be searched
            field.choices.append(SelectChoice(field.data, str(UNKNOWN_ACCOUNT)))

    def validate_until(self, field) -> None:
        if field.data and self.since.data and field.data < self.since.data:
            raise ValidationError(_l("Das Ende des Zeitraums liegt vor seinem Beginn."))

    def audit_filter(self) -> AuditFilter:
        """The filter the (validated) form describes."""
        return AuditFilter(
            actor_id=uuid.UUID(self.actor.data) if self.actor.data else None,
            pseudonym=self.pseudonym.data or None,
            action=self.action.data or None,
            denied_only=self.outcome.data == "denied",
            since=self.since.data,
            until=self.until.data,
            consent_reads=bool(self.consent_reads.data),
        )


class PeriodForm(SubForm):
    """The period of a person's activity report (GET)."""

    since = DateField(_l("von (Tag)"), validators=[Optional()])
    until = DateField(_l("bis (Tag)"), validators=[Optional()])

    def validate_until(self, field) -> None:
        if field.data and self.since.data and field.data < self.since.data:
            raise ValidationError(_l("Das Ende des Zeitraums liegt vor seinem Beginn."))
