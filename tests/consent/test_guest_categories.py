"""Categories reach guests only where released: a guest sees their agenda item (question,
presentation, released fields), never the case page; free text that carries a data category
(health, school, finances) is entered per category and shown only where that category is
released to the viewer for the person it concerns."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from fallteam.auth.models import User
from fallteam.extensions import db
from fallteam.meetings.models import AgendaItem
from fallteam.meetings.operations import agenda
from tests.conftest import (
    EINGLIEDERUNGSHILFE,
    JOBCENTER,
    PRESENTATION,
    QUESTION,
    csrf_token,
    sign_in,
)

HEALTH = "Die Mutter ist seit einem Jahr in ärztlicher Behandlung"


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.links.append(href)


def walk(client, start: str = "/", extra=()) -> dict[str, str]:
    """Every page of the site the client reaches by following links (GET only)."""
    seen: dict[str, str] = {}
    queue = [start, *extra]
    while queue:
        url = urlsplit(queue.pop(0))._replace(fragment="").geturl()
        if url in seen or not url.startswith("/") or url.startswith("/static"):
            continue
        response = client.get(url)
        text = response.get_data(as_text=True) if response.mimetype == "text/html" else ""
        seen[url] = text
        parser = _Links()
        parser.feed(text)
        queue.extend(urljoin(url, link) for link in parser.links)
    return seen


def _background_case(create_case, owner, participants=(), consent=None):
    return create_case(
        owner,
        participants=participants,
        consent=consent,
        background=f"{HEALTH}. Die Kinder gehen gern zur Schule.",
    )


def test_a_jobcenter_guest_without_consent_never_reads_the_health_sentence(
    app, create_account, create_case, create_team, create_meeting
):
    """The attack of the issue: the guest opened the case page and read the background."""
    owner = create_account(["fachkraft"])
    guest = create_account(["guest"], institution=JOBCENTER)
    case = _background_case(create_case, owner)
    team_id, _ = create_team([(create_account(["member"]), "permanent")])
    session = create_meeting(team_id, case, guests=[guest])
    with app.app_context():
        item = db.session.get(AgendaItem, session.item_id)
        item.category_notes = [
            {"category": "health", "member": str(case.member_ids[0]), "text": HEALTH}
        ]
        db.session.commit()
    client = app.test_client()
    sign_in(client, app, guest)
    pages = walk(client, extra=[f"/faelle/{case.id}", f"/tagesordnung/{session.item_id}"])
    assert f"/tagesordnung/{session.item_id}" in pages
    assert QUESTION in pages[f"/tagesordnung/{session.item_id}"]
    for url, text in pages.items():
        assert HEALTH not in text, url
        assert "Behandlung" not in text, url
    assert client.get(f"/faelle/{case.id}").status_code == 403


def test_the_team_member_sees_the_released_background_when_opening_the_case(
    app, create_account, create_case, create_team, create_meeting
):
    owner, member = create_account(["fachkraft"]), create_account(["member"])
    case = _background_case(create_case, owner)
    team_id, _ = create_team([(member, "permanent")])
    create_meeting(team_id, case)
    client = app.test_client()
    sign_in(client, app, member)
    # the case page takes the member to the agenda item, which shows the released background
    page = client.get(f"/faelle/{case.id}", follow_redirects=True)
    assert page.request.path.startswith("/tagesordnung/")
    assert HEALTH in page.get_data(as_text=True)


def _note_item(app, create_account, create_case, create_team, create_meeting, consent, guest):
    owner = create_account(["fachkraft"])
    case = create_case(owner, consent=consent)
    team_id, _ = create_team([(create_account(["member"]), "permanent")])
    session = create_meeting(team_id, case, guests=[guest])
    client = app.test_client()
    sign_in(client, app, owner)
    response = client.post(
        f"/tagesordnung/{session.item_id}/bearbeiten",
        data={
            "method": "kollegiale_beratung",
            "expected_minutes": "45",
            "question": QUESTION,
            "presentation": PRESENTATION,
            "health_note": HEALTH,
            "health_member": str(case.member_ids[0]),
            "include_genogram": "y",
            "pseudonymised_confirmed": "y",
            "csrf_token": csrf_token(client),
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    return case, session


def test_a_health_note_reaches_a_guest_only_where_health_is_released_for_that_person(
    app, create_account, create_case, create_team, create_meeting, institution_id
):
    released = create_account(["guest"], institution=JOBCENTER)
    jobcenter = [{"type": "institution", "value": str(institution_id(JOBCENTER))}]
    case, session = _note_item(
        app,
        create_account,
        create_case,
        create_team,
        create_meeting,
        {"recipients": jobcenter, "categories": ["identity", "health"]},
        released,
    )
    client = app.test_client()
    sign_in(client, app, released)
    assert HEALTH in client.get(f"/tagesordnung/{session.item_id}").get_data(as_text=True)


def test_a_health_note_stays_hidden_where_only_identity_is_released(
    app, create_account, create_case, create_team, create_meeting, institution_id
):
    guest = create_account(["guest"], institution=JOBCENTER)
    jobcenter = [{"type": "institution", "value": str(institution_id(JOBCENTER))}]
    case, session = _note_item(
        app,
        create_account,
        create_case,
        create_team,
        create_meeting,
        {"recipients": jobcenter, "categories": ["identity"]},
        guest,
    )
    client = app.test_client()
    sign_in(client, app, guest)
    page = client.get(f"/tagesordnung/{session.item_id}").get_data(as_text=True)
    assert HEALTH not in page and "Sabine" in page


def test_a_note_about_the_whole_family_needs_everyone_released(
    app, create_account, create_case, create_team, create_meeting, institution_id
):
    guest = create_account(["guest"], institution=JOBCENTER)
    owner = create_account(["fachkraft"])
    jobcenter = [{"type": "institution", "value": str(institution_id(JOBCENTER))}]
    case = create_case(owner, consent={"recipients": jobcenter, "categories": ["school"]})
    team_id, _ = create_team([(create_account(["member"]), "permanent")])
    session = create_meeting(team_id, case, guests=[guest])
    with app.app_context():
        item = db.session.get(AgendaItem, session.item_id)
        agenda.update_registration(
            item,
            agenda.Registration(
                method="kollegiale_beratung",
                question=QUESTION,
                presentation=PRESENTATION,
                expected_minutes=45,
                category_notes=[{"category": "school", "member": None, "text": "Schulwechsel"}],
            ),
            actor=db.session.get(User, owner.id),
        )
        db.session.commit()
    client = app.test_client()
    sign_in(client, app, guest)
    # the father released nothing: a note about the whole family stays hidden
    assert "Schulwechsel" not in client.get(f"/tagesordnung/{session.item_id}").get_data(
        as_text=True
    )


def test_category_notes_pass_the_reidentification_guard(
    app, create_account, create_case, create_team, create_meeting
):
    owner = create_account(["fachkraft"])
    case = create_case(owner)
    team_id, _ = create_team([(create_account(["member"]), "permanent")])
    session = create_meeting(team_id, case)
    with app.app_context():
        item = db.session.get(AgendaItem, session.item_id)
        try:
            agenda.update_registration(
                item,
                agenda.Registration(
                    method="kollegiale_beratung",
                    question=QUESTION,
                    presentation=PRESENTATION,
                    expected_minutes=45,
                    category_notes=[
                        {"category": "health", "member": None, "text": "Frau Krautwurst ist krank"}
                    ],
                ),
                actor=db.session.get(User, owner.id),
            )
        except agenda.IdentityInText as exc:
            assert exc.field == "health_note"
        else:
            raise AssertionError("the guard let a name through")
        db.session.rollback()


def test_an_item_guest_with_a_member_account_sees_the_item_but_never_the_background(
    app, create_account, create_case, create_team, create_meeting
):
    """A colleague of another institution with a normal account, invited as the item's
    guest: her participation is a guest's, so the item shows no background and the case
    page stays shut — whatever her role."""
    owner = create_account(["fachkraft"])
    outsider = create_account(["member"], institution=EINGLIEDERUNGSHILFE)
    case = _background_case(create_case, owner)
    team_id, _ = create_team([(create_account(["member"]), "permanent")])
    session = create_meeting(team_id, case, guests=[outsider])
    client = app.test_client()
    sign_in(client, app, outsider)
    item_page = client.get(f"/tagesordnung/{session.item_id}")
    assert item_page.status_code == 200
    assert QUESTION in item_page.get_data(as_text=True)
    assert HEALTH not in item_page.get_data(as_text=True)
    case_page = client.get(f"/faelle/{case.id}")
    assert case_page.status_code == 403
    assert HEALTH not in case_page.get_data(as_text=True)


def test_a_guest_participation_of_a_member_account_does_not_open_the_case_page(
    app, create_account, create_case
):
    owner = create_account(["fachkraft"])
    outsider = create_account(["member"], institution=EINGLIEDERUNGSHILFE)
    case = _background_case(create_case, owner, participants=[(outsider, "guest")])
    client = app.test_client()
    sign_in(client, app, outsider)
    response = client.get(f"/faelle/{case.id}")
    assert response.status_code == 403
    assert HEALTH not in response.get_data(as_text=True)
    # nor does the start page offer it among the presentations she takes part in
    assert f"/faelle/{case.id}" not in client.get("/").get_data(as_text=True)
