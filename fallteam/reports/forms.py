"""Forms of the reports: the search for a data subject (Art. 15), and the download of its
answer, which carries the person's blind index, never their name."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, HiddenField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Regexp

from fallteam.core.forms import BaseForm

_REQUIRED = _l("Bitte ausfüllen.")


def _strip(value: str | None) -> str | None:
    # the blind index ignores case and inner spacing, not spaces around a typed name
    return value.strip() if isinstance(value, str) else value


class SubjectSearchForm(BaseForm):
    """Surname, first name and birth date, exactly as recorded (the blind index matches only
    the same person, never a similar one)."""

    last_name = StringField(
        _l("Nachname"), filters=[_strip], validators=[DataRequired(_REQUIRED), Length(max=200)]
    )
    first_name = StringField(
        _l("Vorname"), filters=[_strip], validators=[DataRequired(_REQUIRED), Length(max=200)]
    )
    birth_date = DateField(_l("Geburtsdatum"), validators=[DataRequired(_REQUIRED)])
    submit = SubmitField(_l("Auskunft erstellen"))


class SubjectDownloadForm(BaseForm):
    """The PDF of an answer just generated: the person's blind index travels in the form, so
    neither the page nor a URL holds their name."""

    index = HiddenField(validators=[DataRequired(), Regexp(r"^[0-9a-f]{64}$")])
    download = SubmitField(_l("Als PDF herunterladen"))
