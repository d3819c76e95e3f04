"""A session as its moderator and a guest see it in Chromium: the moderator agrees the order of
the agenda by drag and drop and with the keyboard-accessible buttons (both saved without a
reload), runs the session — attendance, a ticking clock on the current item — and a guest sees
only the item they are invited to."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, replace
from datetime import UTC, datetime, time, timedelta

import pytest

from fallteam.auth.models import User
from fallteam.cases import operations as cases
from fallteam.core.models import utcnow
from fallteam.extensions import db
from fallteam.meetings.models import AgendaGuest, AgendaItem, Meeting
from fallteam.meetings.operations import agenda, windows
from fallteam.meetings.rules import day_start, local_day, office_zone
from fallteam.teams import operations as teams
from tests.browser.conftest import sign_in
from tests.browser.test_case_flow import save_screenshot
from tests.conftest import Account, family_of_four

try:
    from playwright.sync_api import expect
except ImportError:
    # Collection must not break: the ``chromium`` fixture skips each test with the reason
    # (or fails it under FALLTEAM_REQUIRE_BROWSER=1) before ``expect`` is needed.
    expect = None

pytestmark = pytest.mark.browser

#: the three cases of the session: method, minutes, question, presentation
ITEMS = [
    (
        "kollegiale_beratung",
        45,
        "Wie kann die Mutter beim Übergang von Kind 1 in die Schule unterstützt werden?",
        "Die Mutter lebt mit beiden Kindern allein; der Vater sieht die Kinder selten.",
    ),
    (
        "familienaufstellung",
        60,
        "Welche Rolle spielt die Großmutter für die Stabilität der Familie?",
        "Seit dem Umzug fehlen Kontakte im Umfeld; die Großmutter hilft täglich aus.",
    ),
    (
        "perspektivwechsel",
        30,
        "Wie erlebt Kind 2 den Wechsel zwischen Mutter und Pflegefamilie?",
        "Kind 2 lebt seit einem Jahr in einer Pflegefamilie; Umgänge finden 14-täglich statt.",
    ),
]
#: fictitious names for the accounts (the screenshots show them)
NAMES = {
    "moderator": "Mia Muster",
    "colleague": "Jonas Beispiel",
    "colleague2": "Lea Probe",
    "presenter1": "Tom Testmann",
    "presenter2": "Paula Platzhalter",
    "presenter3": "Erik Exempel",
    "guest": "Nora Gast (Jobcenter)",
}


@dataclass
class Scene:
    """The session and its people, as stored in the live database."""

    meeting_id: uuid.UUID
    item_ids: list[uuid.UUID]
    pseudonyms: list[str]
    moderator: Account
    colleague: Account
    guest: Account


def _name(live_app, account: Account, name: str) -> None:
    with live_app.app_context():
        db.session.get(User, account.id).display_name = name
        db.session.commit()


def make_scene(live_app, make_account) -> Scene:
    """A team of five, a session a week ahead at 09:00 with three registered cases, the
    moderator assigned and published, a guest invited to the first case."""
    people = {
        "moderator": make_account(["member"]),
        "colleague": make_account(["member"]),
        "colleague2": make_account(["member"]),
        "presenter1": make_account(["fachkraft", "member"]),
        "presenter2": make_account(["fachkraft", "member"]),
        "presenter3": make_account(["fachkraft"]),
        "guest": make_account(["guest"]),
    }
    for key, account in people.items():
        _name(live_app, account, NAMES[key])
    with live_app.app_context():
        team = teams.create_team(
            name="Fallteam Teltow",
            region="Teltow",
            rhythm="weekly",
            weekday=2,
            start_time=time(9, 0),
            duration_minutes=180,
            place="Rathaus Teltow, Raum 2.14",
            registration_deadline_days=1,
            rhythm_anchor=utcnow().date(),
        )
        for key in ("moderator", "colleague", "colleague2", "presenter1", "presenter2"):
            teams.add_member(team, db.session.get(User, people[key].id), kind="permanent")
        # the team's next Wednesday at least two days ahead (registration closes a day before)
        soon = (utcnow() + timedelta(days=2)).astimezone(office_zone()).date()
        day = soon + timedelta(days=(2 - soon.weekday()) % 7)
        starts = datetime.combine(day, time(9, 0), tzinfo=office_zone()).astimezone(UTC)
        meeting = Meeting(
            team_id=team.id,
            starts_dt=starts,
            ends_dt=starts + timedelta(hours=3),
            place=team.place,
            moderator_id=people["moderator"].id,
            moderation_published=True,
        )
        db.session.add(meeting)
        db.session.flush()
        item_ids, pseudonyms = [], []
        for n, (method, minutes, question, presentation) in enumerate(ITEMS, start=1):
            owner = db.session.get(User, people[f"presenter{n}"].id)
            family = [
                replace(m, last_name=f"Beispielfamilie{uuid.uuid4().hex[:6]}")
                for m in family_of_four()
            ]
            case = cases.register_case(
                owner,
                category="hze",
                child_protection=False,
                file_number=f"AZ-51-{uuid.uuid4().hex[:6]}",
                members=family,
            )
            item = agenda.register_case_for_meeting(
                case,
                meeting,
                agenda.Registration(
                    method=method,
                    question=question,
                    presentation=presentation,
                    expected_minutes=minutes,
                    pseudonymised_confirmed=True,
                ),
                actor=owner,
            )
            item_ids.append(item.id)
            pseudonyms.append(case.pseudonym)
        first = db.session.get(AgendaItem, item_ids[0])
        guest = AgendaGuest(item_id=first.id, user_id=people["guest"].id)
        first.guests.append(guest)
        db.session.flush()
        windows.open_guest_window(guest, now=utcnow() - timedelta(minutes=1))
        db.session.commit()
        return Scene(
            meeting.id,
            item_ids,
            pseudonyms,
            people["moderator"],
            people["colleague"],
            people["guest"],
        )


def shown_order(page) -> list[str]:
    return page.locator("[data-testid=agenda] [data-testid=pseudonym]").all_inner_texts()


def stored_order(live_app, meeting_id) -> list[uuid.UUID]:
    with live_app.app_context():
        items = db.session.query(AgendaItem).filter_by(meeting_id=meeting_id)
        return [i.id for i in items.order_by(AgendaItem.position)]


def test_the_moderator_orders_the_agenda_and_runs_the_session(
    page, open_page, live_app, make_account, doc_screenshots_dir
):
    scene = make_scene(live_app, make_account)
    a, b, c = scene.pseudonyms
    sign_in(page, live_app, scene.moderator)

    page.get_by_role("navigation").get_by_role("link", name="Sitzungen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Meine Sitzungen")
    row = page.get_by_test_id("meetings").locator("tr").filter(has_text="Sie moderieren")
    row.get_by_role("link").click()
    expect(page).to_have_url(re.compile(rf"/sitzungen/{scene.meeting_id}$"))
    assert shown_order(page) == [a, b, c]

    # Drag the third case onto the top of the first: it becomes the first.
    items = page.get_by_test_id("agenda").locator("li.agenda-item")
    items.nth(2).locator(".drag-handle").drag_to(items.nth(0), target_position={"x": 40, "y": 4})
    status = page.locator("#agenda-status")
    expect(status).to_contain_text("Reihenfolge gespeichert.")
    expect(status).to_contain_text(f"{c} ist jetzt Punkt 1.")
    assert shown_order(page) == [c, a, b]
    page.reload()
    assert shown_order(page) == [c, a, b]
    assert stored_order(live_app, scene.meeting_id) == [
        scene.item_ids[2],
        scene.item_ids[0],
        scene.item_ids[1],
    ]

    # The keyboard way: the button keeps the focus while its item moves down.
    down = page.get_by_role("button", name=f"{c} nach unten")
    down.focus()
    page.keyboard.press("Enter")
    expect(status).to_contain_text(f"{c} ist jetzt Punkt 2.")
    assert shown_order(page) == [a, c, b]
    expect(page.get_by_role("button", name=f"{c} nach unten")).to_be_focused()
    expect(page.get_by_role("button", name=f"{a} nach oben")).to_be_hidden()
    page.reload()
    assert shown_order(page) == [a, c, b]

    expect(page.get_by_test_id("time-budget")).to_contain_text(
        "Geplante Zeit: 135 von 180 Minuten."
    )
    save_screenshot(page, doc_screenshots_dir / "agenda-moderator.png", full_page=True)

    # The session day has come (a session is run only on its day): today, 09:00.
    with live_app.app_context():
        meeting = db.session.get(Meeting, scene.meeting_id)
        meeting.starts_dt = day_start(local_day(utcnow())) + timedelta(hours=9)
        meeting.ends_dt = meeting.starts_dt + timedelta(hours=3)
        db.session.commit()
    page.reload()

    # The run view: attendance, writers, the clock.
    page.get_by_role("link", name="Sitzung durchführen").click()
    expect(page).to_have_url(re.compile(rf"/sitzungen/{scene.meeting_id}/ablauf$"))
    for person in ("Mia Muster", "Jonas Beispiel", "Lea Probe", "Tom Testmann"):
        page.get_by_role("group", name=f"Anwesenheit von {person}").get_by_role(
            "button", name="anwesend"
        ).click()
    absent = page.get_by_role("group", name="Anwesenheit von Paula Platzhalter")
    absent.get_by_role("button", name="abwesend").click()
    row = page.get_by_test_id("attendance").locator("tr").filter(has_text="Jonas Beispiel")
    expect(row.locator("td").nth(1)).to_have_text("anwesend")
    expect(row.get_by_role("button", name="anwesend")).to_have_attribute("aria-pressed", "true")

    page.get_by_role("button", name="Protokollführung vorschlagen").click()
    expect(page.get_by_role("status")).to_contain_text("Protokollführung für 3 Tagesordnungspunkte")

    first = page.locator(f"#top-{scene.item_ids[0]}")
    page.get_by_role("button", name=f"Uhr für {a} starten").click()
    expect(first).to_have_class(re.compile(r"\bcurrent\b"))
    expect(first).to_have_attribute("aria-current", "step")
    clock = first.get_by_test_id("clock")
    shown = clock.inner_text()
    expect(clock).not_to_have_text(shown, timeout=4_000)  # it ticks
    expect(clock).to_have_text(re.compile(r"^00:0\d$"))
    save_screenshot(page, doc_screenshots_dir / "session-run.png", full_page=True)

    page.get_by_role("button", name=f"Uhr für {a} anhalten").click()
    expect(first).not_to_have_class(re.compile(r"\bcurrent\b"))
    stopped = clock.inner_text()
    page.wait_for_timeout(1_500)
    assert clock.inner_text() == stopped  # a stopped clock stands still
    with live_app.app_context():
        item = db.session.get(AgendaItem, scene.item_ids[0])
        assert item.clock_started_dt is None and item.elapsed_seconds >= 1
        writers = [db.session.get(AgendaItem, i).writer_id for i in scene.item_ids]
        assert all(writers)

    # A guest sees only the case they are invited to.
    guest_page = open_page()
    sign_in(guest_page, live_app, scene.guest)
    guest_page.get_by_role("link", name=re.compile(r"\d{2}\.\d{2}\.\d{4}, 09:00")).click()
    expect(guest_page).to_have_url(re.compile(rf"/sitzungen/{scene.meeting_id}$"))
    assert shown_order(guest_page) == [a]
    html = guest_page.content()
    assert b not in html and c not in html
    assert ITEMS[1][2] not in html and ITEMS[2][2] not in html
    expect(guest_page.get_by_role("button", name=re.compile("nach (oben|unten)"))).to_have_count(0)
