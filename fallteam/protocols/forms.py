"""Forms of the Fallprotokoll: the draft (one text per section of the item's method), the
addendum after locking."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    SubmitField,
    TextAreaField,
    widgets,
)
from wtforms.validators import DataRequired, InputRequired, Length
from wtforms.widgets import HiddenInput

from fallteam.core.forms import BaseForm, choices_from
from fallteam.meetings.models import TOPIC_TEXT_MAX
from fallteam.protocols.operations import MAX_ADDENDUM, MAX_TEAM_NOTES
from fallteam.protocols.rules import (
    MAX_SECTION,
    RISK_FIELDS,
    RISK_LEVEL_LABELS,
    sections_for,
)

_REQUIRED = _l("Bitte ausfüllen.")


class _DraftBase(BaseForm):
    version = IntegerField(widget=HiddenInput(), validators=[InputRequired()])
    save = SubmitField(_l("Entwurf speichern"))


class MultiCheckboxField(SelectMultipleField):
    """Several choices as checkboxes (accessible, no JavaScript)."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


def draft_form_class(method: str, *, assessed: bool = False) -> type[BaseForm]:
    """The draft form of a protocol of ``method``: one text field per section; a §8a item's
    protocol (``assessed``) adds the risk assessment (its texts, the level, and the
    participating professionals, whose choices the view sets from the item's attendance)."""
    fields: dict = {
        key: TextAreaField(heading, validators=[Length(max=MAX_SECTION)])
        for key, heading in sections_for(method)
    }
    if assessed:
        for key, label in RISK_FIELDS:
            fields[key] = TextAreaField(
                label, validators=[Length(max=MAX_SECTION)], render_kw={"data-risk": key}
            )
        fields["risk_level"] = SelectField(
            _l("Gefährdungsgrad"),
            choices=choices_from({"": _l("– bitte wählen –"), **RISK_LEVEL_LABELS}),
            render_kw={"data-risk": "risk_level"},
        )
        fields["professionals"] = MultiCheckboxField(
            _l("Beteiligte Fachkräfte (bei diesem Punkt anwesend, mindestens zwei)"),
            choices=[],
            render_kw={"data-risk": "professionals"},
        )
    return type("DraftForm", (_DraftBase,), fields)


def team_notes_form_class(topic_ids) -> type[BaseForm]:
    """The moderator's notes on the session and one short note per topic without a case
    (field ``topic_<id hex>``)."""
    fields: dict = {
        "notes": TextAreaField(_l("Notizen zur Sitzung"), validators=[Length(max=MAX_TEAM_NOTES)]),
        "save": SubmitField(_l("Notizen speichern")),
    }
    for topic_id in topic_ids:
        fields[f"topic_{topic_id.hex}"] = TextAreaField(
            _l("Kurznotiz"), validators=[Length(max=TOPIC_TEXT_MAX)]
        )
    return type("TeamNotesForm", (BaseForm,), fields)


class AddendumForm(BaseForm):
    """A correction under a finalised protocol, with its reason."""

    text = TextAreaField(
        _l("Nachtrag"), validators=[DataRequired(_REQUIRED), Length(max=MAX_ADDENDUM)]
    )
    reason = TextAreaField(
        _l("Grund des Nachtrags"), validators=[DataRequired(_REQUIRED), Length(max=MAX_ADDENDUM)]
    )
    submit = SubmitField(_l("Nachtrag anfügen"))


class ExcerptForm(BaseForm):
    """The Protokollauszug: role labels by default, real names only by explicit choice."""

    real_names = BooleanField(_l("Klarnamen statt Rollenbezeichnungen"))
    submit = SubmitField(_l("Signierten Auszug herunterladen"))
