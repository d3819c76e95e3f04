"""Uploaded file names can name the family: anyone but the case manager sees a neutral name
(pseudonym, document kind and number) instead."""

from __future__ import annotations

from fallteam.extensions import db
from fallteam.meetings.models import AgendaItem
from fallteam.meetings.operations import agenda
from tests.conftest import PDF, sign_in
from tests.consent.test_guest_categories import walk

NAME = "Hollerbach_Katrin_Bericht.pdf"


def test_an_uploaded_file_name_never_reaches_a_member_or_guest(
    app, create_account, create_case, create_team, create_meeting
):
    owner, member, guest = (
        create_account(["fachkraft"]),
        create_account(["member"]),
        create_account(["guest"]),
    )
    case = create_case(owner)
    team_id, _ = create_team([(member, "permanent")])
    session = create_meeting(team_id, case, guests=[guest])
    with app.app_context():
        agenda.add_document(db.session.get(AgendaItem, session.item_id), filename=NAME, content=PDF)
        db.session.commit()
    item_page = f"/tagesordnung/{session.item_id}"
    for account in (member, guest):
        client = app.test_client()
        sign_in(client, app, account)
        pages = walk(client, extra=[item_page, f"/faelle/{case.id}"])
        for url, text in pages.items():
            assert "Hollerbach" not in text and "Katrin" not in text, url
        assert f"{case.pseudonym} – Unterlage 2 (PDF)" in pages[item_page]
    client = app.test_client()
    sign_in(client, app, owner)
    assert NAME in client.get(item_page).get_data(as_text=True)
