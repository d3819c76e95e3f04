"""The phase guide for the moderator ("Wächter des Verfahrens"): every method has its phases
with a share of the item's time (adding up to 100 %); the run view shows them with their
planned minutes next to the item's clock and highlights the current one, by the clock until the
moderator moves to the next or previous phase, after which it follows the real course. Only
the session's moderator moves it."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest

from fallteam.audit.models import AuditAction
from fallteam.core.models import utcnow
from fallteam.extensions import db
from fallteam.meetings.models import AgendaItem, Method
from fallteam.meetings.rules import (
    PHASES,
    current_phase,
    phase_by_clock,
    phase_guide,
    phases_of,
    planned_phases,
)
from tests.meetings.test_agenda_page import audit_events, build_meeting, client_of
from tests.meetings.test_run_view import item, meeting_sample, on_its_day, post, run_url

__all__ = ["meeting_sample"]  # the fixture, shared with the run view's tests

COLLEGIAL = [
    "falldarstellung",
    "fragestellung",
    "verstaendnisfragen",
    "ideenboerse",
    "hilfesetting",
    "abschluss",
]
#: the sample's first item: kollegiale Beratung, 45 minutes -> minutes per phase
MINUTES_45 = [9, 2, 7, 14, 9, 4]


@dataclass
class FakeItem:
    """What the guide reads of an agenda item."""

    method: str = Method.COLLEGIAL
    expected_minutes: int = 45
    current_phase: str | None = None
    phase_started_seconds: int | None = None


def set_clock(app, item_id: uuid.UUID, seconds: int, *, running: bool = False) -> None:
    """The item's clock shows ``seconds`` (running: started that long ago)."""
    with app.app_context():
        row = db.session.get(AgendaItem, item_id)
        if running:
            row.elapsed_seconds = 0
            row.clock_started_dt = utcnow() - timedelta(seconds=seconds)
        else:
            row.elapsed_seconds = seconds
            row.clock_started_dt = None
        db.session.commit()


def guide_html(app, s, item_id: uuid.UUID, account=None) -> str:
    html = client_of(app, account or s.moderator).get(run_url(s, "/ablauf")).get_data(as_text=True)
    block = html.split(f'id="top-{item_id}"')[1]
    return block.split('data-testid="phase-guide"')[1].split("</div>")[0]


def highlighted(guide: str) -> list[str]:
    """The phase keys shown as current."""
    return [
        row.split('data-phase="')[1].split('"')[0]
        for row in guide.split("<tr")[1:]
        if "phase-current" in row.split(">")[0]
    ]


def move(client, s, item_id, shown: str, direction: str):
    return post(
        client,
        run_url(s, f"/tagesordnung/{item_id}/phase"),
        shown=shown,
        direction=direction,
    )


# --- the phases as data ------------------------------------------------------------------------


@pytest.mark.parametrize("method", list(Method))
def test_every_method_has_phases_whose_shares_add_up_to_100_percent(method):
    phases = PHASES[method]
    assert sum(p.share for p in phases) == 100
    assert all(p.share > 0 for p in phases)
    keys = [p.key for p in phases]
    assert len(set(keys)) == len(keys) and keys[0] == "falldarstellung"


def test_kollegiale_beratung_has_the_phases_of_the_standard():
    assert [p.key for p in phases_of(Method.COLLEGIAL)] == COLLEGIAL
    labels = [str(p.label) for p in phases_of(Method.COLLEGIAL)]
    assert labels[3] == "Ideenbörse und Hypothesen"
    # an unknown method is guided like kollegiale Beratung
    assert phases_of("unbekannt") == phases_of(Method.COLLEGIAL)


@pytest.mark.parametrize("method", list(Method))
@pytest.mark.parametrize("minutes", [1, 7, 30, 45, 90, 180])
def test_the_planned_minutes_are_the_shares_of_the_item_and_add_up_to_it(method, minutes):
    planned = planned_phases(method, minutes)
    assert sum(p.minutes for p in planned) == minutes
    for p in planned:
        assert abs(p.minutes - p.phase.share * minutes / 100) <= 1
    # each phase begins where the one before ends
    starts = [p.starts_at for p in planned]
    assert starts[0] == 0
    assert [b - a for a, b in zip(starts, starts[1:], strict=False)] == [
        p.minutes * 60 for p in planned[:-1]
    ]


def test_a_45_minute_kollegiale_beratung_is_planned_minute_by_minute():
    assert [p.minutes for p in planned_phases(Method.COLLEGIAL, 45)] == MINUTES_45


@pytest.mark.parametrize(
    ("seconds", "phase"),
    [
        (0, "falldarstellung"),
        (9 * 60 - 1, "falldarstellung"),
        (9 * 60, "fragestellung"),
        (11 * 60, "verstaendnisfragen"),
        (20 * 60, "ideenboerse"),
        (41 * 60, "abschluss"),
        (3 * 3600, "abschluss"),  # past the plan: the last phase
    ],
)
def test_by_default_the_current_phase_follows_the_clock(seconds, phase):
    assert phase_by_clock(Method.COLLEGIAL, 45, seconds) == phase
    assert current_phase(FakeItem(), seconds) == phase


def test_a_phase_the_moderator_moved_to_stays_whatever_the_clock_says():
    moved = FakeItem(current_phase="verstaendnisfragen", phase_started_seconds=120)
    for seconds in (0, 120, 40 * 60, 3 * 3600):
        assert current_phase(moved, seconds) == "verstaendnisfragen"
    guide = phase_guide(moved, 300)
    assert (guide.current, guide.moved, guide.since, guide.current_minutes) == (
        "verstaendnisfragen",
        True,
        120,
        7,
    )
    # a phase of another method (the method was changed) counts as not moved
    other = FakeItem(current_phase="rollenspiel")
    assert current_phase(other, 0) == "falldarstellung" and not phase_guide(other, 0).moved


# --- the run view --------------------------------------------------------------------------------


def test_the_run_view_shows_the_phases_with_their_minutes_next_to_the_clock(app, meeting_sample):
    s = meeting_sample
    first = s.item_ids[0]
    guide = guide_html(app, s, first)
    rows = guide.split("<tr")[2:]  # after the header
    assert [r.split('data-phase="')[1].split('"')[0] for r in rows] == COLLEGIAL
    assert [int(r.split('data-minutes="')[1].split('"')[0]) for r in rows] == MINUTES_45
    assert "Ideenbörse und Hypothesen" in guide and "14 Minuten" in guide
    assert highlighted(guide) == ["falldarstellung"] and "(nach Zeitplan)" in guide
    # the buttons move on from the phase shown
    assert 'name="shown" value="falldarstellung"' in guide and guide.count('name="shown"') == 1
    assert "Nächste Phase" in guide and "Vorige Phase" in guide
    # the other methods have their own phases (the sample's other items: Perspektivwechsel)
    other = guide_html(app, s, s.item_ids[1])
    assert 'data-phase="sichtweisen"' in other and 'data-phase="ideenboerse"' not in other


@pytest.mark.parametrize(
    ("seconds", "running", "phase"),
    [
        (8 * 60, False, "falldarstellung"),
        (20 * 60, False, "ideenboerse"),
        (33 * 60, True, "hilfesetting"),
        (50 * 60, True, "abschluss"),
    ],
)
def test_the_highlight_follows_the_elapsed_time_of_the_item(
    app, meeting_sample, seconds, running, phase
):
    s = meeting_sample
    set_clock(app, s.item_ids[0], seconds, running=running)
    guide = guide_html(app, s, s.item_ids[0])
    assert highlighted(guide) == [phase]
    assert f'name="shown" value="{phase}"' in guide


def test_the_moderator_moves_to_the_next_phase_and_back(app, meeting_sample):
    s = meeting_sample
    first = s.item_ids[0]
    set_clock(app, first, 5 * 60)
    client = client_of(app, s.moderator)
    assert move(client, s, first, "falldarstellung", "next").status_code == 302
    moved = item(app, first)
    assert (moved.current_phase, moved.phase_started_seconds) == ("fragestellung", 300)
    [event] = audit_events(app, s.moderator.id, AuditAction.UPDATE, purpose="Phase gewechselt")
    details = json.loads(event.details)
    assert details == {"from": "falldarstellung", "to": "fragestellung", "clock_seconds": 300}
    # the clock runs on into later phases of the plan: the highlight stays where the
    # moderator put it
    set_clock(app, first, 30 * 60)
    guide = guide_html(app, s, first)
    assert highlighted(guide) == ["fragestellung"] and 'data-phase-moved="1"' in guide
    assert "(nach Zeitplan)" not in guide
    # a double click moves once
    move(client, s, first, "fragestellung", "next")
    move(client, s, first, "fragestellung", "next")
    assert item(app, first).current_phase == "verstaendnisfragen"
    assert item(app, first).phase_started_seconds == 30 * 60
    move(client, s, first, "verstaendnisfragen", "previous")
    assert item(app, first).current_phase == "fragestellung"
    assert highlighted(guide_html(app, s, first)) == ["fragestellung"]
    events = audit_events(app, s.moderator.id, AuditAction.UPDATE, purpose="Phase gewechselt")
    assert [json.loads(e.details)["to"] for e in events] == [
        "fragestellung",
        "verstaendnisfragen",
        "fragestellung",
    ]


def test_there_is_no_phase_before_the_first_nor_after_the_last(app, meeting_sample):
    s = meeting_sample
    first = s.item_ids[0]
    client = client_of(app, s.moderator)
    response = move(client, s, first, "falldarstellung", "previous")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Das ist bereits die erste Phase." in page
    move(client, s, first, "abschluss", "next")
    page = client.get(run_url(s, "/ablauf")).get_data(as_text=True)
    assert "Das ist bereits die letzte Phase." in page
    assert item(app, first).current_phase is None


@pytest.mark.parametrize(
    ("shown", "direction"), [("sichtweisen", "next"), ("", "next"), ("fragestellung", "weiter")]
)
def test_a_forged_move_changes_nothing_and_says_why_in_german(
    app, meeting_sample, shown, direction
):
    s = meeting_sample
    client = client_of(app, s.moderator)
    response = move(client, s, s.item_ids[0], shown, direction)
    assert response.status_code == 302
    page = client.get(run_url(s, "/ablauf")).get_data(as_text=True)
    assert (
        "bitte laden Sie die Seite neu" in page
        or "Bitte die nächste oder die vorige Phase wählen." in page
    )
    assert item(app, s.item_ids[0]).current_phase is None


@pytest.mark.parametrize("who", ["colleague", "presenter", "guest", "outsider"])
def test_only_the_moderator_moves_the_phase(app, meeting_sample, who):
    s = meeting_sample
    account = {
        "colleague": s.colleague,
        "presenter": s.presenters[0],
        "guest": s.guest,
        "outsider": s.presenters[2],
    }[who]
    client = client_of(app, account)
    for direction in ("next", "previous"):
        response = move(client, s, s.item_ids[0], "fragestellung", direction)
        assert response.status_code == 403
    assert item(app, s.item_ids[0]).current_phase is None


def test_the_moderator_of_another_session_cannot_move_this_sessions_phase(
    app, meeting_sample, create_account, create_case, create_team, create_meeting
):
    s = meeting_sample
    other = build_meeting(app, create_account, create_case, create_team, create_meeting)
    on_its_day(app, other.meeting_id)
    client = client_of(app, other.moderator)
    assert move(client, s, s.item_ids[0], "falldarstellung", "next").status_code == 403
    # nor through their own session with this session's item
    response = move(client, other, s.item_ids[0], "falldarstellung", "next")
    assert response.status_code == 404
    assert item(app, s.item_ids[0]).current_phase is None


def test_settling_another_method_starts_the_guide_again(app, meeting_sample):
    s = meeting_sample
    first = s.item_ids[0]
    client = client_of(app, s.moderator)
    move(client, s, first, "falldarstellung", "next")
    assert item(app, first).current_phase == "fragestellung"
    post(client, run_url(s, f"/tagesordnung/{first}/methode"), method="rollenspiel")
    assert (item(app, first).method, item(app, first).current_phase) == ("rollenspiel", None)
    guide = guide_html(app, s, first)
    assert highlighted(guide) == ["falldarstellung"] and 'data-phase="szene"' in guide


def test_the_script_keeps_nothing_in_the_browser():
    script = Path(__file__).resolve().parents[2] / "fallteam/static/js/meeting_run.js"
    text = script.read_text(encoding="utf-8")
    assert "data-phase-moved" in text
    assert "localStorage" not in text and "sessionStorage" not in text
    assert "indexedDB" not in text and "document.cookie" not in text
