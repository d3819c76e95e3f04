"""A Fallprotokoll's whole life as people live it in Chromium: its writer types it in the room,
keeps typing while the network is gone, reloads and finds every word on the server, agrees a
Wiedervorlage and submits; the moderator finalises the session and adds an addendum under the
locked protocol; the fallführende Fachkraft finds the Wiedervorlage on her dashboard and
downloads the signed Protokollauszug, which names the case and verifies."""

from __future__ import annotations

import io
import re
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, datetime, time, timedelta

import pypdfium2 as pdfium
import pytest
from pypdf import PdfReader

from fallteam.auth.models import User
from fallteam.cases import operations as cases
from fallteam.core.models import utcnow
from fallteam.extensions import db
from fallteam.meetings.models import Meeting, Presence
from fallteam.meetings.operations import agenda, run
from fallteam.meetings.rules import day_start, local_day, office_zone
from fallteam.protocols.models import CaseProtocol, ProtocolStatus
from fallteam.resubmissions.models import Resubmission
from fallteam.teams import operations as teams
from tests.browser.conftest import sign_in
from tests.browser.test_case_flow import MAX_SCREENSHOT_BYTES, save_screenshot
from tests.conftest import Account, family_of_four

try:
    from playwright.sync_api import expect
except ImportError:
    # Collection must not break: the ``chromium`` fixture skips each test with the reason
    # (or fails it under FALLTEAM_REQUIRE_BROWSER=1) before ``expect`` is needed.
    expect = None

pytestmark = pytest.mark.browser

#: fictitious names for the accounts (the screenshots show them)
NAMES = {
    "moderator": "Mia Muster",
    "writer": "Jonas Beispiel",
    "member": "Lea Probe",
    "fachkraft": "Tom Testmann",
}
#: what the writer types, section by section (roles only, never a name)
ONLINE = {
    "Falldarstellung (mit bisherigen Hilfen)": (
        "Die Mutter lebt mit Kind 1 und Kind 2 allein; seit einem Jahr Erziehungsbeistand, "
        "die Schule meldet häufige Fehlzeiten von Kind 1."
    ),
    "Fragestellung": (
        "Wie kann die Mutter beim Übergang von Kind 1 in die Schule unterstützt werden?"
    ),
    "Hypothesen": "Kind 1 braucht verlässliche Abläufe am Morgen; die Mutter ist überlastet.",
}
OFFLINE = {
    "Ideenbörse (Ressourcen im Sozialraum)": (
        "Frühstücksangebot des Familienzentrums; Patenschaft über den Nachbarschaftsverein."
    ),
    "Empfehlung zu den nächsten Schritten": (
        "Hilfeplangespräch vorziehen; Schulsozialarbeit einbeziehen."
    ),
}
KEYS = {
    "Ideenbörse (Ressourcen im Sozialraum)": "ideenboerse",
    "Empfehlung zu den nächsten Schritten": "empfehlung",
    "Hypothesen": "hypothesen",
}
RESUBMISSION_TOPIC = "Fehlzeiten von Kind 1 nach dem Hilfeplangespräch"
ADDENDUM = "Das Hilfeplangespräch findet bereits am Monatsende statt."
FINALISE_SESSION = "Teamprotokoll mit allen Fallprotokollen abschließen"
SESSION_FINALISED = "Teamprotokoll mit allen Fallprotokollen abgeschlossen."
PSEUDONYM = re.compile(r"FT-\d{4}-\d{4}")


@dataclass
class OneCase:
    """A session of today with one case: its people as stored in the live database."""

    meeting_id: uuid.UUID
    item_id: uuid.UUID
    case_id: uuid.UUID
    pseudonym: str
    family_name: str
    moderator: Account
    writer: Account
    member: Account
    fachkraft: Account


def make_session_with_one_case(live_app, make_account) -> OneCase:
    """A team of four, today's session (at 09:00, once that has passed) with one case of the
    Fachkraft (registered in time), the moderator and the writer assigned; all four recorded
    present for the item."""
    people = {
        "moderator": make_account(["member"]),
        "writer": make_account(["member"]),
        "member": make_account(["member"]),
        "fachkraft": make_account(["fachkraft", "member"]),
    }
    with live_app.app_context():
        users = {key: db.session.get(User, a.id) for key, a in people.items()}
        for key, user in users.items():
            user.display_name = NAMES[key]
        team = teams.create_team(
            name="Fallteam Teltow",
            region="Teltow",
            rhythm="weekly",
            weekday=local_day(utcnow()).weekday(),
            start_time=time(9, 0),
            duration_minutes=180,
            place="Rathaus Teltow, Raum 2.14",
            registration_deadline_days=1,
            rhythm_anchor=utcnow().date(),
        )
        for user in users.values():
            teams.add_member(team, user, kind="permanent")
        # begun by now (a session is finalised only after its start): at nine, or at the
        # day's midnight when the suite runs in the small hours
        now = utcnow()
        starts = datetime.combine(local_day(now), time(9, 0), tzinfo=office_zone())
        if starts > now:
            starts = day_start(local_day(now))
        starts = starts.astimezone(UTC)
        meeting = Meeting(
            team_id=team.id,
            starts_dt=starts,
            ends_dt=starts + timedelta(hours=3),
            place=team.place,
            moderator_id=users["moderator"].id,
            moderation_published=True,
        )
        db.session.add(meeting)
        db.session.flush()
        family_name = f"Beispielfamilie{uuid.uuid4().hex[:6]}"
        case = cases.register_case(
            users["fachkraft"],
            category="hze",
            child_protection=False,
            file_number=f"AZ-51-{uuid.uuid4().hex[:6]}",
            members=[replace(m, last_name=family_name) for m in family_of_four()],
        )
        item = agenda.register_case_for_meeting(
            case,
            meeting,
            agenda.Registration(
                method="kollegiale_beratung",
                question=ONLINE["Fragestellung"],
                presentation="Die Mutter lebt mit beiden Kindern allein.",
                expected_minutes=45,
                pseudonymised_confirmed=True,
            ),
            actor=users["fachkraft"],
            # registered a week ahead, in time
            now=starts - timedelta(days=7),
        )
        run.assign_writer(meeting, item, users["writer"])
        for key in ("moderator", "writer", "member", "fachkraft"):
            run.mark_attendance(meeting, users[key], present=True)
            run.mark_item_attendance(meeting, item, users[key], Presence.PRESENT)
        db.session.commit()
        return OneCase(
            meeting.id,
            item.id,
            case.id,
            case.pseudonym,
            family_name,
            people["moderator"],
            people["writer"],
            people["member"],
            people["fachkraft"],
        )


def stored_protocol(live_app, item_id) -> CaseProtocol:
    """The item's protocol as the server holds it (detached, read in a fresh session)."""
    with live_app.app_context():
        protocol = db.session.scalar(db.select(CaseProtocol).where(CaseProtocol.item_id == item_id))
        db.session.expunge(protocol)
        return protocol


def verify_excerpt(live_app, path):
    """``flask protocols verify-excerpt PATH``, run in a thread of its own: pyHanko's validator
    runs its own asyncio loop, which cannot start in the thread where Playwright's sync API
    already has one running."""
    runner = live_app.test_cli_runner()
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(runner.invoke, args=["protocols", "verify-excerpt", str(path)]).result()


def pdf_first_page_png(pdf: bytes, path) -> None:
    """The first page of ``pdf`` as a PNG small enough to commit (palette if need be)."""
    document = pdfium.PdfDocument(pdf)
    try:
        image = document[0].render(scale=1.5).to_pil()
    finally:
        document.close()
    image.save(path, optimize=True)
    if path.stat().st_size > MAX_SCREENSHOT_BYTES:
        image.convert("P", palette=1, colors=64).save(path, optimize=True)  # 1: adaptive
    assert path.stat().st_size <= MAX_SCREENSHOT_BYTES, f"{path} ist zu groß"


def test_a_protocol_is_written_offline_finalised_amended_and_excerpted(
    page, open_page, live_app, make_account, doc_screenshots_dir, tmp_path
):
    scene = make_session_with_one_case(live_app, make_account)

    # --- 1. The writer types the protocol in the room -----------------------------------
    sign_in(page, live_app, scene.writer)
    page.goto(f"/tagesordnung/{scene.item_id}")
    page.get_by_role("button", name="Fallprotokoll").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(scene.pseudonym)
    status = page.locator("[data-autosave-status]")
    for label, text in ONLINE.items():
        page.get_by_label(label, exact=True).fill(text)
    page.get_by_label("Hypothesen", exact=True).blur()
    expect(status).to_have_text("gespeichert", timeout=8000)
    assert stored_protocol(live_app, scene.item_id).sections["hypothesen"] == ONLINE["Hypothesen"]

    page.context.set_offline(True)
    for label, text in OFFLINE.items():
        page.get_by_label(label, exact=True).fill(text)
    page.get_by_label("Hilfesetting", exact=True).focus()
    expect(status).to_contain_text("keine Verbindung", timeout=8000)
    assert not stored_protocol(live_app, scene.item_id).sections.get("ideenboerse")
    page.context.set_offline(False)
    expect(status).to_have_text("gespeichert", timeout=8000)
    sections = stored_protocol(live_app, scene.item_id).sections
    for label, text in OFFLINE.items():
        assert sections[KEYS[label]] == text
    save_screenshot(page, doc_screenshots_dir / "fallprotokoll-schreiben.png", full_page=True)

    # Reloaded, the page shows what the server holds; the browser kept nothing itself.
    page.reload()
    for label, text in {**ONLINE, **OFFLINE}.items():
        expect(page.get_by_label(label, exact=True)).to_have_value(text)
    assert page.evaluate("localStorage.length + sessionStorage.length") == 0

    # --- 2. A Wiedervorlage agreed in the protocol, then handed in ------------------------
    with live_app.app_context():
        due = local_day(utcnow()) + timedelta(days=28)
    agree = page.get_by_test_id("agree-resubmission")
    agree.get_by_label("Fällig am").fill(due.isoformat())
    agree.get_by_label("Was soll betrachtet werden?").fill(RESUBMISSION_TOPIC)
    agree.get_by_label("Verantwortlich").select_option(label=NAMES["fachkraft"])
    agree.get_by_role("button", name="Wiedervorlage vereinbaren").click()
    expect(page.get_by_text("Wiedervorlage vereinbart.")).to_be_visible()
    expect(page.get_by_test_id("agreed-resubmission")).to_contain_text(RESUBMISSION_TOPIC)
    page.get_by_role("button", name=re.compile("^Einreichen")).click()
    expect(page.get_by_text("Fallprotokoll eingereicht.")).to_be_visible()
    assert stored_protocol(live_app, scene.item_id).status == ProtocolStatus.SUBMITTED

    # --- 3. The moderator finalises the session and adds an addendum ---------------------
    moderator = open_page()
    sign_in(moderator, live_app, scene.moderator)
    moderator.goto(f"/sitzungen/{scene.meeting_id}")
    moderator.get_by_test_id("team-protocol-link").click()
    expect(moderator.get_by_test_id("agreed-resubmissions")).to_contain_text(RESUBMISSION_TOPIC)
    moderator.get_by_role("button", name=FINALISE_SESSION).click()
    expect(moderator.get_by_text(SESSION_FINALISED)).to_be_visible()
    expect(moderator.get_by_test_id("hash-ok")).to_be_visible()
    locked = stored_protocol(live_app, scene.item_id)
    assert locked.status == ProtocolStatus.FINALISED and locked.content_hash

    moderator.get_by_role("link", name="Fallprotokoll lesen").click()
    expect(moderator.get_by_test_id("content-hash")).to_have_text(locked.content_hash)
    moderator.get_by_label("Nachtrag", exact=True).fill(ADDENDUM)
    moderator.get_by_label("Grund des Nachtrags").fill("Termin nach der Sitzung vorgezogen.")
    moderator.get_by_role("button", name="Nachtrag anfügen").click()
    expect(moderator.get_by_text("Nachtrag angefügt.")).to_be_visible()
    expect(moderator.get_by_test_id("addendum")).to_contain_text(ADDENDUM)
    expect(moderator.get_by_test_id("content-hash")).to_have_text(locked.content_hash)
    save_screenshot(
        moderator, doc_screenshots_dir / "fallprotokoll-abgeschlossen-nachtrag.png", full_page=True
    )

    # --- 4. The Fachkraft: her Wiedervorlagen, then the signed excerpt for the case file ---
    fachkraft = open_page()
    sign_in(fachkraft, live_app, scene.fachkraft)
    fachkraft.get_by_role("navigation").get_by_role("link", name="Wiedervorlagen").click()
    expect(fachkraft.get_by_role("heading", level=1)).to_have_text("Meine Wiedervorlagen")
    expect(fachkraft.get_by_test_id("demnaechst")).to_contain_text(scene.pseudonym)
    save_screenshot(fachkraft, doc_screenshots_dir / "wiedervorlagen-dashboard.png", full_page=True)

    fachkraft.goto(f"/faelle/{scene.case_id}")
    fachkraft.get_by_test_id("case-history-link").click()
    fachkraft.get_by_test_id("history-protocol").get_by_role("link", name="Fallprotokoll").click()
    expect(fachkraft.get_by_test_id("addendum")).to_contain_text(ADDENDUM)
    fachkraft.get_by_test_id("excerpt-link").click()
    expect(fachkraft.get_by_role("heading", level=1)).to_have_text(
        f"Protokollauszug {scene.pseudonym}"
    )
    with fachkraft.expect_download() as download:
        fachkraft.get_by_role("button", name="Signierten Auszug herunterladen").click()
    pdf_path = tmp_path / download.value.suggested_filename
    download.value.save_as(pdf_path)
    assert pdf_path.suffix == ".pdf"
    pdf = pdf_path.read_bytes()

    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    flat = " ".join(text.split())
    assert scene.pseudonym in flat
    for typed in (ONLINE["Hypothesen"], *OFFLINE.values(), ADDENDUM, RESUBMISSION_TOPIC):
        assert " ".join(typed.split()) in flat, typed
    assert scene.family_name not in flat  # role labels, never the family
    assert set(PSEUDONYM.findall(flat)) == {scene.pseudonym}
    verified = verify_excerpt(live_app, pdf_path)
    assert verified.exit_code == 0, verified.output
    assert "GÜLTIG" in verified.output
    pdf_first_page_png(pdf, doc_screenshots_dir / "protokollauszug-seite1.png")

    with live_app.app_context():
        agreed = db.session.scalars(
            db.select(Resubmission).where(Resubmission.case_id == scene.case_id)
        ).all()
        assert [(r.due, r.responsible_id) for r in agreed] == [(due, scene.fachkraft.id)]
