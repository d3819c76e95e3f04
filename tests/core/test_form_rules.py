"""Rules every form field follows, enforced in one place (the base forms of core/forms.py):
no control characters in single-line fields, line breaks but no other control characters in
multi-line text, no invisible characters anywhere, dates in a sane range, and WTForms' own
messages in the visitor's language, in sub-forms too."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import sys

import pytest
from sqlalchemy import select
from wtforms import Form

import fallteam
from fallteam.cases.models import Case, CaseParticipant, FamilyMember
from fallteam.extensions import db
from fallteam.meetings.models import AgendaItem, Meeting
from fallteam.teams.models import Team
from tests.cases.test_case_pages import _registration
from tests.conftest import QUESTION, csrf_token
from tests.meetings.test_agenda_page import build_meeting, client_of
from tests.teams.test_team_pages import _create as create_team_page

SINGLE_LINE = "Bitte keine Steuerzeichen (wie Zeilenumbrüche) in dieses Feld eingeben."
MULTI_LINE = "Der Text enthält Steuerzeichen (z. B. Nullzeichen). Bitte entfernen Sie sie."
INVISIBLE = "Der Text enthält unsichtbare Zeichen"
DATE_RANGE = "Bitte ein Datum zwischen dem 01.01.1900 und dem 31.12.2100 angeben."
CONTROLS = {
    "NUL": "\x00",
    "CR": "\r",
    "LF": "\n",
    "CRLF": "\r\n",
    "ESC": "\x1b",
    "LINE SEPARATOR": "\u2028",
    "PARAGRAPH SEPARATOR": "\u2029",
}


def _cases_of(app, account) -> list[Case]:
    with app.app_context():
        return db.session.scalars(select(Case).where(Case.case_manager_id == account.id)).all()


# --- single-line fields ------------------------------------------------------------------------


@pytest.mark.parametrize("char", CONTROLS.values(), ids=CONTROLS.keys())
def test_names_and_the_file_number_refuse_control_characters(app, signed_in, char):
    client, account = signed_in(["fachkraft"])
    page = _registration(
        client,
        **{"members-0-last_name": f"Ober{char}holz", "file_number": f"AZ-51{char}-0815"},
    )
    assert page.status_code == 200
    assert page.get_data(as_text=True).count(SINGLE_LINE) == 2
    assert _cases_of(app, account) == []


@pytest.mark.parametrize("char", CONTROLS.values(), ids=CONTROLS.keys())
def test_editing_a_family_member_refuses_control_characters(app, signed_in, create_case, char):
    client, owner = signed_in(["fachkraft"])
    case = create_case(owner)
    url = f"/faelle/{case.id}/personen/{case.member_ids[0]}"
    page = client.post(
        url,
        data={
            "member-role": "Mutter",
            "member-sex": "f",
            "member-first_name": f"Sabine{char}",
            "member-last_name": "Krautwurst",
            "csrf_token": csrf_token(client),
        },
    )
    assert page.status_code == 200
    assert SINGLE_LINE in page.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(FamilyMember, case.member_ids[0]).first_name == "Sabine"


@pytest.mark.parametrize("char", CONTROLS.values(), ids=CONTROLS.keys())
def test_a_team_name_refuses_control_characters(app, signed_in, char):
    admin, _ = signed_in(["admin"])
    page = create_team_page(admin, name=f"Fallteam{char}Teltow")
    assert page.status_code == 200
    assert SINGLE_LINE in page.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(select(Team)).all() == []


@pytest.mark.parametrize(
    "char",
    ["\u200b", "\ufe0f", "\U000e0100", "\u180b", "\u17b4", "\U000e0041", "\u3164", "\u2800"],
    ids=[
        "zero-width space",
        "variation selector 16",
        "variation selector 17",
        "Mongolian free variation selector",
        "Khmer inherent vowel",
        "tag letter",
        "Hangul filler",
        "braille blank",
    ],
)
def test_invisible_characters_are_refused_in_a_single_line_field(app, signed_in, char):
    client, account = signed_in(["fachkraft"])
    page = _registration(client, **{"members-0-last_name": f"Ober{char}holz"})
    assert INVISIBLE in page.get_data(as_text=True)
    assert _cases_of(app, account) == []


# --- multi-line fields -------------------------------------------------------------------------


@pytest.fixture
def meeting_sample(app, create_account, create_case, create_team, create_meeting):
    return build_meeting(app, create_account, create_case, create_team, create_meeting)


def _edit_item(client, item_id, question):
    return client.post(
        f"/tagesordnung/{item_id}/bearbeiten",
        data={
            "method": "kollegiale_beratung",
            "expected_minutes": "45",
            "question": question,
            "presentation": "Die Mutter lebt mit beiden Kindern allein.",
            "csrf_token": csrf_token(client),
        },
    )


def _question(app, item_id) -> str:
    with app.app_context():
        return db.session.get(AgendaItem, item_id).question


@pytest.mark.parametrize("char", ["\x00", "\x1b", "\x7f", "\x85"], ids=["NUL", "ESC", "DEL", "NEL"])
def test_an_agenda_question_refuses_nul_and_other_control_characters(app, meeting_sample, char):
    s = meeting_sample
    client = client_of(app, s.presenters[0])
    page = _edit_item(client, s.item_ids[0], f"Wie weiter?{char}")
    assert page.status_code == 200
    assert MULTI_LINE in page.get_data(as_text=True)
    assert _question(app, s.item_ids[0]) == QUESTION


def test_an_agenda_question_keeps_its_line_breaks(app, meeting_sample):
    s = meeting_sample
    client = client_of(app, s.presenters[0])
    response = _edit_item(client, s.item_ids[0], "Erstens?\r\nZweitens?\nDrittens?")
    assert response.status_code == 302
    assert _question(app, s.item_ids[0]).splitlines() == ["Erstens?", "Zweitens?", "Drittens?"]


@pytest.mark.parametrize("char", ["\u200b", "\u200d", "\u2060", "\u00ad", "\ufeff", "\u202e"])
def test_invisible_characters_are_refused_in_texts_the_guard_checks(app, meeting_sample, char):
    s = meeting_sample
    client = client_of(app, s.presenters[0])
    page = _edit_item(client, s.item_ids[0], f"Was braucht Kind 1{char}?")
    assert INVISIBLE in page.get_data(as_text=True)
    assert _question(app, s.item_ids[0]) == QUESTION


def test_a_background_with_invisible_characters_is_refused(app, signed_in, create_case):
    client, owner = signed_in(["fachkraft"])
    case = create_case(owner)
    page = client.post(
        f"/faelle/{case.id}/bearbeiten",
        data={
            "bg-background": "Frau Kraut\u200bwurst wirkt erschöpft.",
            "bg-submit": "1",
            "csrf_token": csrf_token(client),
        },
    )
    assert INVISIBLE in page.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Case, case.id).background is None


# --- dates -------------------------------------------------------------------------------------


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "1899-12-31", "2101-01-01"])
def test_moving_a_session_to_an_absurd_date_gets_a_german_message(app, meeting_sample, day):
    s = meeting_sample
    client = client_of(app, s.moderator)
    with app.app_context():
        before = db.session.get(Meeting, s.meeting_id).starts_dt
    page = client.post(
        f"/sitzungen/{s.meeting_id}/verlegen",
        data={
            "day": day,
            "start_time": "10:00",
            "reason": "Test",
            "csrf_token": csrf_token(client),
        },
    )
    assert page.status_code == 200
    assert DATE_RANGE in page.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Meeting, s.meeting_id).starts_dt == before


@pytest.mark.parametrize("moment", ["0001-01-01T00:00", "9999-12-31T23:59"])
def test_a_participation_from_an_absurd_date_gets_a_german_message(
    app, signed_in, create_account, create_case, moment
):
    client, owner = signed_in(["fachkraft"])
    case = create_case(owner)
    member = create_account(["member"])
    page = client.post(
        f"/faelle/{case.id}/teilnehmende",
        data={
            "pt-user": str(member.id),
            "pt-kind": "member",
            "pt-valid_from": moment,
            "pt-valid_until": "2027-01-01T00:00",
            "csrf_token": csrf_token(client),
        },
    )
    assert page.status_code == 200
    assert DATE_RANGE in page.get_data(as_text=True)
    with app.app_context():
        assert (
            db.session.scalars(
                select(CaseParticipant).where(CaseParticipant.user_id == member.id)
            ).all()
            == []
        )


def test_a_birth_date_before_1900_is_refused(app, signed_in):
    client, account = signed_in(["fachkraft"])
    page = _registration(client, **{"members-0-birth_date": "0001-01-01"})
    assert DATE_RANGE in page.get_data(as_text=True)
    assert _cases_of(app, account) == []


# --- WTForms' own messages ---------------------------------------------------------------------


def test_the_messages_of_family_member_rows_are_german(app, signed_in):
    client, account = signed_in(["fachkraft"])
    page = _registration(
        client, **{"members-0-first_name": "P" * 101, "members-1-birth_date": "31.02.2016"}
    )
    text = page.get_data(as_text=True)
    assert "Feld kann nicht länger als 100 Zeichen sein." in text
    assert "Kein gültiges Datum." in text
    assert "Field cannot be longer" not in text and "Not a valid date value" not in text
    assert _cases_of(app, account) == []


def test_the_messages_of_family_member_rows_follow_an_english_ui(app, signed_in):
    client, _ = signed_in(["fachkraft"])
    client.post("/sprache", data={"language": "en", "csrf_token": csrf_token(client)})
    page = _registration(client, **{"members-1-birth_date": "31.02.2016"})
    assert "Not a valid date value." in page.get_data(as_text=True)


# --- one place ---------------------------------------------------------------------------------


def _form_classes() -> list[type[Form]]:
    for module in pkgutil.walk_packages(fallteam.__path__, "fallteam."):
        importlib.import_module(module.name)
    found = []
    for name, module in list(sys.modules.items()):
        if not name.startswith("fallteam."):
            continue
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, Form) and cls.__module__ == name:
                found.append(cls)
    return found


def test_every_form_of_the_application_follows_the_shared_rules():
    from fallteam.core.forms import BaseForm, SubForm

    forms = _form_classes()
    assert len(forms) > 30
    outside = [
        f"{cls.__module__}.{cls.__name__}"
        for cls in forms
        if not issubclass(cls, BaseForm | SubForm)
    ]
    assert outside == []


# --- uploaded file names ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "stored"),
    [
        ("Bericht.pdf", "Bericht.pdf"),
        ("Hilfeplan März 2026.pdf", "Hilfeplan März 2026.pdf"),
        ("Bericht\u202efdp.exe", "Berichtfdp.exe"),
        ("Bericht\u2066x\u2069\u200e.pdf", "Berichtx.pdf"),
        ("Bericht\x00.pdf", "Bericht.pdf"),
        ("Bericht\r\nX-Header: 1.pdf", "BerichtX-Header_ 1.pdf"),
        ("Bericht\u2028neu.pdf", "Berichtneu.pdf"),
        ("Bericht\ufe0f\U000e0041.pdf", "Bericht.pdf"),
        ("C:\\Users\\ich\\Bericht.pdf", "Bericht.pdf"),
        ("../../etc/passwd", "passwd"),
        ('a<b>c"d|e?f*.pdf', "a_b_c_d_e_f_.pdf"),
        ("  ..Bericht.pdf. ", "Bericht.pdf"),
        ("\u202e\x00", "Dokument"),
        ("", "Dokument"),
        (None, "Dokument"),
        ("B" * 300 + ".pdf", "B" * 196 + ".pdf"),
        ("Bericht." + "x" * 300, ("Bericht." + "x" * 300)[:200]),
    ],
)
def test_an_uploaded_file_name_is_stored_without_hidden_or_unsafe_characters(name, stored):
    from fallteam.core.text import safe_file_name

    assert safe_file_name(name) == stored
