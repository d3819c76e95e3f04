"""Who chose English reads English: operation errors, enum labels and consent states come from
the catalogue, while what the code compares and the audit log records stays German."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from fallteam import access
from fallteam.core.models import utcnow
from tests.conftest import csrf_token
from tests.meetings.test_agenda_page import audit_events, build_meeting, client_of

MEMBERS = {"recipients": [{"type": "participant_kind", "value": "member"}]}


def choose_english(client) -> None:
    client.post("/sprache", data={"language": "en", "next": "/", "csrf_token": csrf_token(client)})


@pytest.fixture
def meeting_sample(app, create_account, create_case, create_team, create_meeting):
    return build_meeting(app, create_account, create_case, create_team, create_meeting)


def test_a_meeting_error_on_a_form_is_english(app, meeting_sample):
    s = meeting_sample
    client = client_of(app, s.moderator)
    choose_english(client)
    response = client.post(
        f"/sitzungen/{s.meeting_id}/verlegen",
        data={
            "day": "2020-03-04",
            "start_time": "10:15",
            "reason": "conflict",
            "csrf_token": csrf_token(client),
        },
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "The new date is in the past." in html
    assert "Vergangenheit" not in html
    # the reasons to choose from are English too
    assert "Scheduling conflict" in html and "Terminüberschneidung" not in html


def test_the_audit_purpose_stays_german_in_the_english_ui(app, meeting_sample):
    s = meeting_sample
    client = client_of(app, s.moderator)
    choose_english(client)
    day = (utcnow() + timedelta(days=20)).astimezone(ZoneInfo("Europe/Berlin")).date()
    response = client.post(
        f"/sitzungen/{s.meeting_id}/verlegen",
        data={
            "day": day.isoformat(),
            "start_time": "13:30",
            "reason": "room",
            "csrf_token": csrf_token(client),
        },
    )
    assert response.status_code == 302
    assert audit_events(app, s.moderator.id, "update", purpose="Sitzung verlegt")


def test_a_refused_cancellation_says_why_in_english(app, meeting_sample):
    s = meeting_sample
    client = client_of(app, s.moderator)
    choose_english(client)
    response = client.post(
        f"/sitzungen/{s.meeting_id}/absagen",
        data={"reason": "staff", "csrf_token": csrf_token(client)},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "There is no following meeting to which the registered cases can be moved." in html
    assert "keine folgende Sitzung" not in html


def test_case_labels_and_consent_states_are_english(app, create_account, create_case):
    owner = create_account(["fachkraft"])
    case = create_case(owner, consent=MEMBERS)
    client = client_of(app, owner)
    choose_english(client)
    page = client.get(f"/faelle/{case.id}").get_data(as_text=True)
    assert "Educational support (Hilfen zur Erziehung)" in page  # the case category
    assert "Case consultation in the Fallteam" in page  # the consent's purpose
    assert "Identity (names, dates of birth)" in page  # the released category
    assert ">in force<" in page and "in Kraft" not in page  # the consent's state
    assert 'class="badge state-in-Kraft"' in page  # the code behind it is unchanged
    assert "has custody of" in page and "sorgeberechtigt für" not in page
    edit = client.get(f"/faelle/{case.id}/bearbeiten").get_data(as_text=True)
    assert "lives separately from" in edit and "lebt getrennt von" not in edit
    assert "Mother" in edit and "Child 1" in edit


def test_the_same_pages_stay_german_by_default(app, create_account, create_case):
    owner = create_account(["fachkraft"])
    case = create_case(owner, consent=MEMBERS)
    client = client_of(app, owner)
    page = client.get(f"/faelle/{case.id}").get_data(as_text=True)
    assert "Hilfen zur Erziehung" in page and "Fallberatung im Fallteam" in page
    assert ">in Kraft<" in page and "sorgeberechtigt für" in page


def test_every_text_of_the_policy_file_is_listed_for_translation(app):
    policy = access.Policy.load()
    texts = {*policy.permissions.values()}
    texts |= {r.label for r in policy.roles.values()} | {
        r.description for r in policy.roles.values()
    }
    with app.app_context():  # outside a request: the German words themselves
        listed = {str(text) for text in access.POLICY_TEXTS}
    assert texts - listed == set(), "add the policy file's new texts to access.POLICY_TEXTS"


def test_roles_on_the_start_page_are_english(app, signed_in):
    client, _ = signed_in(["fachkraft"])
    choose_english(client)
    page = client.get("/").get_data(as_text=True)
    assert "Practitioner (ASD)" in page and "Case manager: registers own cases" in page
    assert "Fallführende Fachkraft" not in page
