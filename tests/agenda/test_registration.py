"""Registering a case for a session (TOP): the form, the guard, who then sees it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, text

from fallteam.auth.models import User
from fallteam.cases.models import Case, CaseParticipant
from fallteam.core.models import utcnow
from fallteam.extensions import db
from fallteam.meetings.models import AgendaItem, Meeting
from fallteam.meetings.operations import MeetingError
from fallteam.meetings.operations import agenda as operations
from fallteam.meetings.rules import meeting_day_end
from tests.agenda.helpers import add_meeting
from tests.conftest import QUESTION, csrf_token, sign_in

PRESENTATION = "Kind 1 zieht sich zurück; die Mutter bittet um Unterstützung."


def _register(client, case_id, meeting_id, **overrides):
    data = {
        "meeting": str(meeting_id),
        "method": "familienaufstellung",
        "expected_minutes": "40",
        "question": QUESTION,
        "presentation": PRESENTATION,
        "include_genogram": "y",
        "csrf_token": csrf_token(client),
    }
    data.update(overrides)
    return client.post(f"/faelle/{case_id}/anmelden", data=data)


def test_a_case_manager_registers_her_case_and_the_team_sees_it_pseudonymised(
    app, signed_in, create_account, create_case, create_team
):
    client, owner = signed_in(["fachkraft"])
    member = create_account(["member"])
    case = create_case(owner)
    team_id, _ = create_team([(member, "permanent")])
    meeting_id = add_meeting(app, team_id)

    form = client.get(f"/faelle/{case.id}/anmelden").get_data(as_text=True)
    assert "Anmeldeschluss" in form
    response = _register(client, case.id, meeting_id)
    assert response.status_code == 302
    with app.app_context():
        item = db.session.scalars(select(AgendaItem).where(AgendaItem.case_id == case.id)).one()
        assert (item.method, item.expected_minutes, item.question) == (
            "familienaufstellung",
            40,
            QUESTION,
        )
        assert item.include_genogram and not item.include_resource_map
        assert response.headers["Location"].endswith(f"/tagesordnung/{item.id}/bearbeiten")
        stored = db.session.execute(
            text("SELECT question FROM agenda_items WHERE id = :id"),
            {"id": item.id.hex} if db.engine.dialect.name == "sqlite" else {"id": item.id},
        ).scalar_one()
        assert QUESTION.encode() not in bytes(stored)
        meeting = db.session.get(Meeting, meeting_id)
        participation = db.session.scalars(
            select(CaseParticipant).where(
                CaseParticipant.case_id == case.id, CaseParticipant.user_id == member.id
            )
        ).one()
        assert participation.kind == "member"
        assert participation.valid_until_dt == meeting_day_end(meeting)
        item_id = item.id

    member_client = app.test_client()
    sign_in(member_client, app, member)
    page = member_client.get(f"/tagesordnung/{item_id}").get_data(as_text=True)
    assert QUESTION in page and case.pseudonym in page
    for name in ("Krautwurst", "Sabine", "Leonie"):
        assert name not in page


def test_a_question_naming_the_family_is_refused_and_nothing_is_saved(
    app, signed_in, create_account, create_case, create_team
):
    client, owner = signed_in(["fachkraft"])
    case = create_case(owner)
    team_id, _ = create_team([(create_account(["member"]), "permanent")])
    meeting_id = add_meeting(app, team_id)
    question = "Wie geht es mit Sabine Krautwurst weiter?"
    response = _register(client, case.id, meeting_id, question=question)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "die die Familie erkennbar machen" in page
    assert question in page  # what was typed is kept
    with app.app_context():
        assert db.session.scalars(select(AgendaItem)).all() == []


def test_the_registration_form_names_its_problems_in_german(
    app, signed_in, create_account, create_case, create_team
):
    client, owner = signed_in(["fachkraft"])
    case = create_case(owner)
    team_id, _ = create_team([(create_account(["member"]), "permanent")])
    meeting_id = add_meeting(app, team_id)
    page = _register(client, case.id, meeting_id, expected_minutes="900").get_data(as_text=True)
    assert "zwischen 5 und 180 Minuten" in page
    with app.app_context():
        assert db.session.scalars(select(AgendaItem)).all() == []


def test_a_session_past_its_deadline_is_not_offered_and_cannot_be_posted(
    app, signed_in, create_account, create_case, create_team
):
    client, owner = signed_in(["fachkraft"])
    case = create_case(owner)
    team_id, _ = create_team([(create_account(["member"]), "permanent")])
    soon = add_meeting(app, team_id, (utcnow() + timedelta(hours=12)).replace(microsecond=0))
    page = client.get(f"/faelle/{case.id}/anmelden").get_data(as_text=True)
    assert str(soon) not in page
    assert "Zurzeit ist keine Sitzung zur Anmeldung offen" in page
    response = _register(client, case.id, soon)
    assert response.status_code == 200
    with app.app_context():
        assert db.session.scalars(select(AgendaItem)).all() == []


def test_a_case_is_registered_once_per_session(
    app, signed_in, create_account, create_case, create_team, create_meeting
):
    client, owner = signed_in(["fachkraft"])
    case = create_case(owner)
    team_id, _ = create_team([(create_account(["member"]), "permanent")])
    session = create_meeting(team_id, case)
    page = client.get(f"/faelle/{case.id}/anmelden").get_data(as_text=True)
    assert str(session.meeting_id) not in page
    with app.app_context():
        with pytest.raises(MeetingError, match="bereits angemeldet"):
            operations.register_case_for_meeting(
                db.session.get(Case, case.id),
                db.session.get(Meeting, session.meeting_id),
                operations.Registration("rollenspiel", "", "", 30),
                actor=db.session.get(User, owner.id),
            )


def test_another_fachkraft_cannot_register_or_touch_someone_elses_case(
    app, signed_in, create_account, create_case, create_team, create_meeting
):
    owner = create_account(["fachkraft"])
    case = create_case(owner)
    team_id, _ = create_team([(create_account(["member"]), "permanent")])
    session = create_meeting(team_id, case)
    meeting_id = add_meeting(app, team_id, utcnow() + timedelta(days=14))
    intruder, _ = signed_in(["fachkraft"])
    token = csrf_token(intruder)
    item = f"/tagesordnung/{session.item_id}"
    assert _register(intruder, case.id, meeting_id).status_code == 403
    assert intruder.get(f"{item}/bearbeiten").status_code == 403
    assert intruder.post(f"{item}/bearbeiten", data={"csrf_token": token}).status_code == 403
    assert intruder.post(f"{item}/zurueckziehen", data={"csrf_token": token}).status_code == 403
    assert intruder.get(f"{item}/unterlagen/{session.document_id}").status_code == 403
    assert intruder.get(item).status_code == 403
    with app.app_context():
        assert db.session.get(AgendaItem, session.item_id) is not None


def test_parts_of_another_item_are_not_found_under_this_one(
    app, signed_in, create_account, create_case, create_team, create_meeting
):
    client, owner = signed_in(["fachkraft"])
    team_id, _ = create_team([(create_account(["member"]), "permanent")])
    mine = create_meeting(team_id, create_case(owner), guests=[create_account(["guest"])])
    theirs = create_meeting(
        team_id, create_case(create_account(["fachkraft"])), guests=[create_account(["guest"])]
    )
    token = csrf_token(client)
    base = f"/tagesordnung/{mine.item_id}"
    assert client.get(f"{base}/unterlagen/{theirs.document_id}").status_code == 404
    assert (
        client.post(
            f"{base}/unterlagen/{theirs.document_id}/entfernen", data={"csrf_token": token}
        ).status_code
        == 404
    )
    assert (
        client.post(
            f"{base}/gaeste/{theirs.guest_ids[0]}/entfernen", data={"csrf_token": token}
        ).status_code
        == 404
    )


def test_withdrawing_a_registration_ends_what_it_opened(
    app, signed_in, create_account, create_case, create_team, create_meeting
):
    client, owner = signed_in(["fachkraft"])
    member = create_account(["member"])
    case = create_case(owner)
    team_id, _ = create_team([(member, "permanent")])
    session = create_meeting(team_id, case)
    response = client.post(
        f"/tagesordnung/{session.item_id}/zurueckziehen", data={"csrf_token": csrf_token(client)}
    )
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(AgendaItem, session.item_id) is None
    member_client = app.test_client()
    sign_in(member_client, app, member)
    assert member_client.get(f"/faelle/{case.id}").status_code == 403


def test_the_presenter_downloads_an_attached_document_as_an_audited_export(
    app, signed_in, create_account, create_case, create_team, create_meeting
):
    from fallteam.audit.models import AuditEvent
    from tests.conftest import PDF

    client, owner = signed_in(["fachkraft"])
    team_id, _ = create_team([(create_account(["member"]), "permanent")])
    session = create_meeting(team_id, create_case(owner))
    response = client.get(f"/tagesordnung/{session.item_id}/unterlagen/{session.document_id}")
    assert response.status_code == 200 and response.data == PDF
    assert "attachment" in response.headers["Content-Disposition"]
    with app.app_context():
        event = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "export").order_by(AuditEvent.seq.desc())
        ).first()
        assert event.object_id == str(session.document_id)


def test_an_upload_that_is_no_pdf_or_image_is_refused(
    app, signed_in, create_account, create_case, create_team, create_meeting
):
    import io

    client, owner = signed_in(["fachkraft"])
    team_id, _ = create_team([(create_account(["member"]), "permanent")])
    session = create_meeting(team_id, create_case(owner))
    response = client.post(
        f"/tagesordnung/{session.item_id}/unterlagen",
        data={
            "d-document": (io.BytesIO(b"MZ\x90\x00 not a pdf"), "bericht.pdf"),
            "csrf_token": csrf_token(client),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    assert "Bitte ein PDF oder ein Bild" in response.get_data(as_text=True)
    with app.app_context():
        assert len(db.session.get(AgendaItem, session.item_id).documents) == 1


def _upload(client, item_id, content, name):
    import io

    return client.post(
        f"/tagesordnung/{item_id}/unterlagen",
        data={"d-document": (io.BytesIO(content), name), "csrf_token": csrf_token(client)},
        content_type="multipart/form-data",
    )


def test_an_empty_agenda_document_is_refused_with_a_neutral_message(
    app, signed_in, create_account, create_case, create_team, create_meeting
):
    client, owner = signed_in(["fachkraft"])
    team_id, _ = create_team([(create_account(["member"]), "permanent")])
    session = create_meeting(team_id, create_case(owner))
    text = _upload(client, session.item_id, b"", "bericht.pdf").get_data(as_text=True)
    assert "Die Datei ist leer." in text
    assert "unterschriebene" not in text  # that hint is for a consent document only


@pytest.mark.parametrize(
    ("name", "stored"),
    [
        ("Bericht\u202efdp.exe", "Berichtfdp.exe"),  # right-to-left override: "Berichtexe.pdf"
        ("Bericht\u2066\u2069\u200b.pdf", "Bericht.pdf"),
        ("Bericht\x00.pdf", "Bericht.pdf"),
        ("\u202e\x00", "Dokument"),
        ("B" * 300 + ".pdf", "B" * 196 + ".pdf"),
    ],
    ids=["RLO", "isolates", "NUL", "nothing left", "too long"],
)
def test_the_stored_name_of_an_agenda_document_is_safe(
    app, signed_in, create_account, create_case, create_team, create_meeting, name, stored
):
    from tests.documents import valid_pdf

    client, owner = signed_in(["fachkraft"])
    team_id, _ = create_team([(create_account(["member"]), "permanent")])
    session = create_meeting(team_id, create_case(owner))
    assert _upload(client, session.item_id, valid_pdf(), name).status_code == 302
    with app.app_context():
        documents = db.session.get(AgendaItem, session.item_id).documents
        assert len(documents) == 2
        assert stored in {document.filename for document in documents}
