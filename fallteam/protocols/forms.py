"""Forms of the Fallprotokoll: the draft (one text per section of the item's method), the
addendum after locking."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, IntegerField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length
from wtforms.widgets import HiddenInput

from fallteam.core.forms import BaseForm
from fallteam.protocols.operations import MAX_ADDENDUM
from fallteam.protocols.rules import MAX_SECTION, sections_for

_REQUIRED = _l("Bitte ausfüllen.")


class _DraftBase(BaseForm):
    version = IntegerField(widget=HiddenInput(), validators=[InputRequired()])
    save = SubmitField(_l("Entwurf speichern"))


def draft_form_class(method: str) -> type[BaseForm]:
    """The draft form of a protocol of ``method``: one text field per section."""
    fields = {
        key: TextAreaField(heading, validators=[Length(max=MAX_SECTION)])
        for key, heading in sections_for(method)
    }
    return type("DraftForm", (_DraftBase,), fields)


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
