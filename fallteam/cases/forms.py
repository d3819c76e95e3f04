"""Forms of case registration and case editing (CSRF by Flask-WTF)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    FieldList,
    FormField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from fallteam.cases.models import (
    CATEGORY_LABELS,
    CLOSING_REASON_LABELS,
    FAMILY_ROLE_LABELS,
    RELATION_LABELS,
    REOPENING_REASON_LABELS,
    RESOURCE_KIND_LABELS,
    RESOURCE_QUALITY_LABELS,
    ParticipantKind,
)
from fallteam.cases.operations import MemberData
from fallteam.core.forms import BaseForm, SubForm, choices_from
from fallteam.retention import rules as retention

_REQUIRED = _l("Bitte ausfüllen.")
SEX_CHOICES = {"f": _l("weiblich"), "m": _l("männlich"), "d": _l("divers"), "u": _l("unbekannt")}


def not_in_future(form, field) -> None:
    """Birth dates and declarations cannot lie ahead, by the office's calendar (the server's
    clock may run on UTC: just after midnight in Berlin, today is still yesterday there)."""
    if field.data and field.data > retention.today():
        raise ValidationError(_l("Das Datum liegt in der Zukunft."))


class MemberFields(SubForm):
    """One family member (a sub-form: the outer form carries the CSRF token)."""

    role = SelectField(
        _l("Rolle in der Familie"),
        choices=choices_from({"": "–", **FAMILY_ROLE_LABELS}),
        default="",
    )
    sex = SelectField(
        _l("Geschlecht (für das Genogramm)"), choices=choices_from(SEX_CHOICES), default="u"
    )
    first_name = StringField(_l("Vorname"), validators=[Optional(), Length(max=100)])
    last_name = StringField(_l("Nachname"), validators=[Optional(), Length(max=100)])
    birth_date = DateField(_l("Geburtsdatum"), validators=[Optional(), not_in_future])
    address = StringField(_l("Anschrift"), validators=[Optional(), Length(max=300)])
    in_household = BooleanField(_l("lebt im Haushalt"))
    deceased = BooleanField(_l("verstorben"))
    is_index = BooleanField(_l("Indexkind"))

    def is_empty(self) -> bool:
        """Nothing entered in this row."""
        return not any(
            [
                self.role.data,
                self.first_name.data,
                self.last_name.data,
                self.birth_date.data,
                self.address.data,
            ]
        )

    def to_data(self) -> MemberData:
        """The row as operation input."""
        return MemberData(
            role=self.role.data,
            sex=self.sex.data,
            first_name=self.first_name.data,
            last_name=self.last_name.data,
            birth_date=self.birth_date.data,
            address=self.address.data,
            deceased=self.deceased.data,
            in_household=self.in_household.data,
            is_index=self.is_index.data,
        )

    def validate_role(self, field) -> None:
        if not self.is_empty() and not field.data:
            raise ValidationError(_l("Bitte die Rolle in der Familie wählen."))


class CaseFrameFields(BaseForm):
    """Category, § 8a flag and file number."""

    category = SelectField(
        _l("Fallkategorie"),
        choices=choices_from(CATEGORY_LABELS),
        validators=[DataRequired(_REQUIRED)],
    )
    child_protection = BooleanField(_l("Gefährdungseinschätzung nach § 8a SGB VIII"))
    file_number = StringField(_l("Aktenzeichen"), validators=[Optional(), Length(max=60)])


class RegisterCaseForm(CaseFrameFields):
    """A new case with its family (empty rows are ignored)."""

    members = FieldList(FormField(MemberFields), min_entries=4, max_entries=15)
    confirm_duplicate = BooleanField(
        _l("Ich habe geprüft: Es ist kein bereits erfasster Fall, trotzdem anlegen.")
    )
    submit = SubmitField(_l("Fall anlegen"))

    def member_data(self) -> list[MemberData]:
        """The filled rows."""
        return [row.form.to_data() for row in self.members if not row.form.is_empty()]

    def validate_members(self, field) -> None:
        if not self.member_data():
            raise ValidationError(_l("Bitte mindestens eine Person der Familie erfassen."))


class EditCaseForm(CaseFrameFields):
    """Change the frame data."""

    submit = SubmitField(_l("Speichern"))


class BackgroundForm(BaseForm):
    """The background, checked by the re-identification guard before the team sees it."""

    background = TextAreaField(
        _l("Hintergrund"), validators=[Optional(), Length(max=20000)], render_kw={"rows": 8}
    )
    release_reason = TextAreaField(
        _l("Trotzdem freigeben – Begründung"),
        validators=[Optional(), Length(max=2000)],
        render_kw={"rows": 2},
    )
    submit = SubmitField(_l("Hintergrund speichern"))


class MemberForm(BaseForm):
    """Add or edit one family member."""

    member = FormField(MemberFields)
    submit = SubmitField(_l("Speichern"))


class RelationForm(BaseForm):
    """A genogram line."""

    a = SelectField(_l("Person"), validators=[DataRequired(_REQUIRED)])
    kind = SelectField(_l("Beziehung"), choices=choices_from(RELATION_LABELS))
    b = SelectField(_l("zu Person"), validators=[DataRequired(_REQUIRED)])
    submit = SubmitField(_l("Beziehung eintragen"))


class ResourceForm(BaseForm):
    """A resource map entry."""

    label = StringField(_l("Wer oder was"), validators=[DataRequired(_REQUIRED), Length(max=200)])
    kind = SelectField(_l("Art"), choices=choices_from(RESOURCE_KIND_LABELS))
    quality = SelectField(_l("Verbindung"), choices=choices_from(RESOURCE_QUALITY_LABELS))
    submit = SubmitField(_l("Eintragen"))


class TransferForm(BaseForm):
    """Hand the Fallführung to another Fachkraft."""

    new_manager = SelectField(
        _l("Neue fallführende Fachkraft"), validators=[DataRequired(_REQUIRED)]
    )
    submit = SubmitField(_l("Fallführung übertragen"))


class ParticipantForm(BaseForm):
    """Let a team member or guest see the pseudonymised presentation for a while."""

    user = SelectField(_l("Person"), validators=[DataRequired(_REQUIRED)])
    kind = SelectField(
        _l("Teilnahme als"),
        choices=choices_from(
            {
                ParticipantKind.MEMBER.value: _l("Fallteam-Mitglied"),
                ParticipantKind.GUEST.value: _l("Gast (fallbezogen)"),
            }
        ),
    )
    valid_from = DateTimeLocalField(_l("ab"), validators=[DataRequired(_REQUIRED)])
    valid_until = DateTimeLocalField(_l("bis"), validators=[DataRequired(_REQUIRED)])
    submit = SubmitField(_l("Freigeben"))


class CloseCaseForm(BaseForm):
    """The owner closes the case: the day, why (a short list) and, if need be, a note."""

    closed_on = DateField(
        _l("Abgeschlossen am"), validators=[DataRequired(_REQUIRED), not_in_future]
    )
    reason = SelectField(
        _l("Grund"), choices=choices_from(CLOSING_REASON_LABELS), validators=[DataRequired()]
    )
    note = TextAreaField(_l("Notiz (optional)"), validators=[Optional(), Length(max=1000)])
    submit = SubmitField(_l("Fall abschließen"))


class ReopenCaseForm(BaseForm):
    """The owner reopens a closed case, naming why."""

    reason = SelectField(
        _l("Grund"), choices=choices_from(REOPENING_REASON_LABELS), validators=[DataRequired()]
    )
    submit = SubmitField(_l("Fall wieder öffnen"))


class DisputedForm(BaseForm):
    """The family disputes the accuracy of the case's data: the day it was noted (empty:
    no longer disputed)."""

    disputed_on = DateField(_l("Bestritten seit"), validators=[Optional(), not_in_future])
    submit = SubmitField(_l("Speichern"))
