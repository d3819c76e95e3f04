"""Forms of the user administration."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    EmailField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    ValidationError,
    widgets,
)
from wtforms.validators import DataRequired, Email, Length, Regexp

from fallteam import access
from fallteam.auth.institutions import institution_choices
from fallteam.auth.operations import ROLES_NEEDING_INSTITUTION
from fallteam.core.forms import BaseForm

_REQUIRED = _l("Bitte ausfüllen.")


class MultiCheckboxField(SelectMultipleField):
    """Several choices as checkboxes (accessible, no JavaScript)."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class UserForm(BaseForm):
    """Name, address and roles of an account."""

    display_name = StringField(_l("Name"), validators=[DataRequired(_REQUIRED), Length(max=200)])
    email = EmailField(
        _l("Dienstliche E-Mail-Adresse"),
        validators=[
            DataRequired(_REQUIRED),
            Email(_l("Bitte eine gültige E-Mail-Adresse angeben."), check_deliverability=False),
            Length(max=254),
        ],
    )
    institution_id = SelectField(_l("Institution"))
    roles = MultiCheckboxField(
        _l("Rollen"),
        validators=[DataRequired(_l("Bitte mindestens eine Rolle wählen."))],
    )
    submit = SubmitField(_l("Speichern"))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.roles.choices = [(r.name, _l(r.label)) for r in access.policy().roles.values()]
        self.institution_id.choices = [("", _l("– keine (Administration, Datenschutz) –"))] + (
            institution_choices()
        )

    def validate_institution_id(self, field) -> None:
        # Whoever may see case content is matched against consents by institution: the
        # administration chooses it; nobody belongs to the ASD by default.
        if not field.data and set(self.roles.data or []) & ROLES_NEEDING_INSTITUTION:
            raise ValidationError(
                _l("Bitte die Institution wählen (Konten mit Zugang zu Fällen brauchen eine).")
            )


class NewUserForm(UserForm):
    """A new account additionally needs its sign-in name."""

    username = StringField(
        _l("Benutzername"),
        validators=[
            DataRequired(_REQUIRED),
            Length(min=3, max=80, message=_l("3 bis 80 Zeichen.")),
            Regexp(
                r"^[A-Za-z0-9._-]+$",
                message=_l("Nur Buchstaben ohne Umlaute, Ziffern, Punkt, Binde- und Unterstrich."),
            ),
        ],
    )
    submit = SubmitField(_l("Konto anlegen"))


class InstitutionForm(BaseForm):
    """The name of an institution (a new one, or a new name)."""

    name = StringField(_l("Name"), validators=[DataRequired(_REQUIRED), Length(max=200)])
    submit = SubmitField(_l("Speichern"))
