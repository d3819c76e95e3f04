"""The DPO sees who did what to which case — pseudonyms and the names of staff — never the
family: after a case with known names, addresses and texts has been read, changed, refused
and consented, none of its plaintext appears on the search pages, the person's activity or
the exports, while its pseudonym does."""

from __future__ import annotations

import pytest

from tests.conftest import PRESENTATION, QUESTION, family_of_four, sign_in

BACKGROUND = "Die Familie zog 2024 aus Cottbus zu; Frau K. arbeitet im Schichtdienst."


def _plaintexts() -> list[str]:
    values = [BACKGROUND, QUESTION, PRESENTATION, "Oma Gisela", "entbindung.pdf", "AZ-"]
    for member in family_of_four():
        values += [
            member.first_name,
            member.last_name,
            member.address,
            member.birth_date.isoformat(),
        ]
    return values


@pytest.fixture
def scene(app, create_account, create_case, create_team, create_meeting):
    owner = create_account(["fachkraft"])
    moderator, guest, outsider = (
        create_account(["member"]),
        create_account(["guest"]),
        create_account(["fachkraft"]),
    )
    case = create_case(
        owner,
        participants=[(guest, "guest")],
        consent={"recipients": [{"type": "participant_kind", "value": "guest"}]},
        background=BACKGROUND,
    )
    team_id, _ = create_team([(moderator, "permanent")])
    session = create_meeting(team_id, case, moderator=moderator, guests=[guest])
    for account, urls in (
        (
            owner,
            [
                f"/faelle/{case.id}",
                f"/faelle/{case.id}/bearbeiten",
                f"/einwilligungen/{case.consent_id}/dokument",
            ],
        ),
        (guest, [f"/tagesordnung/{session.item_id}"]),
        (moderator, [f"/sitzungen/{session.meeting_id}", f"/tagesordnung/{session.item_id}"]),
        (outsider, [f"/faelle/{case.id}", f"/tagesordnung/{session.item_id}"]),
    ):
        client = app.test_client()
        sign_in(client, app, account)
        for url in urls:
            client.get(url)
    return owner, guest, outsider, case


def test_no_dpo_search_page_or_export_shows_the_familys_data(app, scene, signed_in):
    owner, guest, outsider, case = scene
    dpo, _account = signed_in(["dpo"])
    urls = [
        "/datenschutz/",
        "/datenschutz/protokoll",
        f"/datenschutz/protokoll?pseudonym={case.pseudonym}",
        f"/datenschutz/protokoll?pseudonym={case.pseudonym}&outcome=denied",
        "/datenschutz/protokoll?consent_reads=1",
        f"/datenschutz/protokoll.csv?pseudonym={case.pseudonym}",
        f"/datenschutz/protokoll.json?pseudonym={case.pseudonym}",
        "/datenschutz/protokoll.csv",
        "/datenschutz/protokoll.json",
        *(f"/datenschutz/personen/{a.id}" for a in (owner, guest, outsider)),
    ]
    seen = ""
    for url in urls:
        response = dpo.get(url)
        assert response.status_code == 200, url
        body = response.get_data(as_text=True)
        seen += body
        for value in _plaintexts():
            assert value not in body, (url, value)
    # what the DPO is there to see: the case by pseudonym, the refusal, the consent read
    assert case.pseudonym in seen
    assert "Zugriff verweigert" in seen
    assert "Gast (eingeladen), Schweigepflichtsentbindung" in seen
    assert f"Test {outsider.username}" in seen
