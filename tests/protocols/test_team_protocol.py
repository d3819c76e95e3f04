"""The Teamprotokoll (part 1, kept by the session's moderator): generated from the session,
pseudonyms only; finalising the session finalises every Fallprotokoll and seals the
Teamprotokoll with a SHA-256 that covers the Fallprotokolle's hashes; afterwards nothing of it
changes through any route, corrections are addenda."""

from __future__ import annotations

import hashlib
import json
import re

import pytest
from sqlalchemy import select

from fallteam.audit.models import AuditEvent
from fallteam.auth.models import User
from fallteam.extensions import db
from fallteam.meetings.models import AgendaItem, AgendaTopic, Meeting
from fallteam.protocols.models import CaseProtocol, TeamProtocol, TeamProtocolAddendum
from tests.meetings.test_run_view import on_its_day
from tests.protocols.conftest import act, stored

pytestmark = pytest.mark.settings(WTF_CSRF_ENABLED=False)

FAMILY = ("Krautwurst", "Sabine", "Marco", "Leonie", "Jonas", "Gisela")
TEXTS = {"hypothesen": "Kind 1 braucht Sicherheit.", "empfehlung": "Schulbegleitung prüfen."}


def url(s, tail: str = "") -> str:
    return f"/sitzungen/{s.meeting_id}/teamprotokoll{tail}"


def add_topic(app, s, title, *, regional=False, notes="") -> None:
    with app.app_context():
        db.session.add(
            AgendaTopic(
                meeting_id=s.meeting_id,
                registered_by_id=s.member.id,
                title=title,
                text="Kurz erklärt.",
                notes=notes,
                for_regional_team=regional,
            )
        )
        db.session.commit()


def submit_all(app, s, *, skip=()) -> None:
    """Every Fallprotokoll submitted (but those in ``skip``), on the session's day after it
    began (the Teamprotokoll is finalised only once the session has taken place)."""
    on_its_day(app, s.meeting_id)
    for number, protocol_id in enumerate(s.protocol_ids):
        act(app, protocol_id, s.writer, "save_draft", TEXTS, 1)
        if number not in skip:
            act(app, protocol_id, s.writer, "submit")


def team_record(app, s) -> TeamProtocol | None:
    with app.app_context():
        db.session.expire_all()
        record = db.session.scalar(
            select(TeamProtocol).where(TeamProtocol.meeting_id == s.meeting_id)
        )
        if record is not None:
            db.session.expunge(record)
        return record


def expected_hash(app, s, notes: str = "", agreed: list | None = None) -> str:
    """The Teamprotokoll's hash computed here from the documented canonical form (not by the
    application): the session, its agenda in order with times, attendance, writers and the
    Fallprotokolle's hashes, the topics, the agreed Wiedervorlagen (``agreed``: each topic
    as the SHA-256 of its text) and the notes, as JSON with sorted keys."""
    with app.app_context():
        meeting = db.session.get(Meeting, s.meeting_id)
        items = db.session.scalars(
            select(AgendaItem)
            .where(AgendaItem.meeting_id == s.meeting_id)
            .order_by(AgendaItem.position, AgendaItem.created_dt)
        ).all()
        hashes = {
            p.item_id: p.content_hash
            for p in db.session.scalars(
                select(CaseProtocol).where(CaseProtocol.item_id.in_([i.id for i in items]))
            )
        }
        topics = db.session.scalars(
            select(AgendaTopic)
            .where(AgendaTopic.meeting_id == s.meeting_id)
            .order_by(AgendaTopic.created_dt)
        ).all()

        def moment(value):
            return value.strftime("%Y-%m-%dT%H:%M:%SZ")

        document = {
            "meeting": str(meeting.id),
            "team": str(meeting.team_id),
            "starts": moment(meeting.starts_dt),
            "ends": moment(meeting.ends_dt),
            "place": meeting.place,
            "moderator": str(s.moderator.id),
            "attendance": {
                str(s.moderator.id): True,
                str(s.writer.id): True,
                str(s.member.id): True,
                str(s.absent.id): False,
            },
            "items": [
                {
                    "number": number,
                    "item": str(item.id),
                    "case": s.pseudonyms[number - 1],
                    "method": "kollegiale_beratung",
                    "purpose": item.purpose,
                    "planned_minutes": 20 + 5 * (number - 1),
                    "used_seconds": 60 * (15 + number - 1),
                    "writer": str(s.writer.id),
                    "protocol_sha256": hashes[item.id],
                    "attendance": {
                        str(s.moderator.id): "present",
                        str(s.writer.id): "present",
                        str(s.member.id): "late",
                        str(s.absent.id): "absent",
                    },
                    "guests": {str(s.guest.id): True} if number == 1 else {},
                }
                for number, item in enumerate(items, start=1)
            ],
            "topics": [
                {
                    "title": t.title,
                    "text": t.text,
                    "notes": t.notes,
                    "for_regional_team": t.for_regional_team,
                }
                for t in topics
            ],
            "agreed_resubmissions": agreed or [],
            "notes": notes,
        }
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def test_the_page_lists_the_agenda_in_the_agreed_order_with_planned_and_used_time(
    app, team_session, client_of
):
    s = team_session(3)
    with app.app_context():  # the moderator put the third case first
        for position, item_id in enumerate([s.item_ids[2], s.item_ids[0], s.item_ids[1]]):
            db.session.get(AgendaItem, item_id).position = position
        db.session.commit()

    page = client_of(s.moderator).get(url(s))

    assert page.status_code == 200
    html = page.get_data(as_text=True)
    order = re.findall(r'data-testid="team-item" data-pseudonym="([^"]+)"', html)
    assert order == [s.pseudonyms[2], s.pseudonyms[0], s.pseudonyms[1]]
    first = html.split('data-testid="team-item"')[1]
    assert "30 Minuten" in first.split('data-testid="planned"')[1].split("</dd>")[0]
    assert "17 Minuten" in first.split('data-testid="actual"')[1].split("</dd>")[0]


def test_the_page_shows_moderator_attendance_guests_writers_and_topics(
    app, team_session, client_of
):
    s = team_session(2)
    add_topic(app, s, "Neue Schulsozialarbeit", regional=True, notes="Weitergeben.")
    add_topic(app, s, "Urlaubsplanung")

    html = client_of(s.moderator).get(url(s)).get_data(as_text=True)

    with app.app_context():
        names = {
            a.id: db.session.get(User, a.id).display_name
            for a in (s.moderator, s.writer, s.member, s.absent, s.guest)
        }
    facts = html.split('data-testid="session-facts"')[1].split("</section>")[0]
    assert names[s.moderator.id] in facts
    assert "Rathaus, Raum 2.14" in facts
    first = html.split('data-testid="team-item"')[1]
    attendance = first.split('data-testid="item-attendance"')[1].split("</dd>")[0]
    assert f"{names[s.member.id]} (später gekommen)" in attendance
    assert f"{names[s.absent.id]} (abwesend)" in attendance
    guests = first.split('data-testid="item-guests"')[1].split("</dd>")[0]
    assert names[s.guest.id] in guests and "anwesend" in guests and "Zugang von" in guests
    assert names[s.writer.id] in first.split('data-testid="writer"')[1].split("</dd>")[0]
    topics = html.split('data-testid="topics"')[1].split("</section>")[0]
    assert "Neue Schulsozialarbeit" in topics and "Urlaubsplanung" in topics
    regional = html.split('data-testid="regional-topics"')[1].split("</section>")[0]
    assert "Neue Schulsozialarbeit" in regional and "Weitergeben." in regional
    assert "Urlaubsplanung" not in regional
    assert "Keine Wiedervorlagen vereinbart." in html.split('data-testid="agreed-resubmissions"')[1]


def test_no_reader_ever_sees_a_family_name(app, team_session, client_of):
    s = team_session(3)
    submit_all(app, s)
    pages = [client_of(a).get(url(s)) for a in (s.moderator, s.member, s.writer)]
    client_of(s.moderator).post(url(s, "/abschliessen"))
    pages += [client_of(a).get(url(s)) for a in (s.moderator, s.member, s.writer)]

    for page in pages:
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        assert all(p in html for p in s.pseudonyms)
        for name in FAMILY:
            assert name not in html


def test_guests_absent_members_and_the_presenter_from_outside_never_read_it(
    app, team_session, client_of
):
    s = team_session(2)
    for account in (s.guest, s.absent, s.owner):
        assert client_of(account).get(url(s)).status_code == 403
    for account in (s.moderator, s.member, s.writer):
        assert client_of(account).get(url(s)).status_code == 200


def test_finalising_the_session_seals_the_team_protocol_with_all_case_protocols(
    app, team_session, client_of
):
    s = team_session(3)
    add_topic(app, s, "Neue Schulsozialarbeit", regional=True)
    submit_all(app, s)

    answer = client_of(s.moderator).post(url(s, "/abschliessen"))

    assert answer.status_code == 302
    protocols = [stored(app, p) for p in s.protocol_ids]
    assert {p.status for p in protocols} == {"finalised"}
    assert all(len(p.content_hash) == 64 for p in protocols)
    record = team_record(app, s)
    assert record.status == "finalised"
    assert record.finalised_by_id == s.moderator.id and record.finalised_dt is not None
    assert record.content_hash == expected_hash(app, s)
    with app.app_context():
        details = [
            json.loads(d)
            for d in db.session.scalars(
                select(AuditEvent.details).where(AuditEvent.object_id == str(record.id))
            )
        ]
    assert any(d.get("sha256") == record.content_hash for d in details)
    html = client_of(s.member).get(url(s)).get_data(as_text=True)
    seal = html.split('data-testid="seal"')[1].split("</p>")[0]
    assert record.content_hash in seal and 'data-testid="hash-ok"' in seal


def test_finalising_is_refused_while_a_protocol_is_a_draft_and_nothing_changes(
    app, team_session, client_of
):
    s = team_session(3)
    submit_all(app, s, skip={1})

    answer = client_of(s.moderator).post(url(s, "/abschliessen"))

    assert answer.status_code == 409
    message = answer.get_data(as_text=True).split('data-testid="refused"')[1].split("</p>")[0]
    assert f"TOP 2 ({s.pseudonyms[1]})" in message
    assert "Entwurf" in message
    assert s.pseudonyms[0] not in message
    assert [stored(app, p).status for p in s.protocol_ids] == ["submitted", "draft", "submitted"]
    record = team_record(app, s)
    assert record is None or record.status == "draft"


def test_the_sealed_team_protocol_cannot_be_changed_through_any_route(app, team_session, client_of):
    s = team_session(2)
    add_topic(app, s, "Urlaubsplanung", notes="Liste folgt.")
    submit_all(app, s)
    moderator = client_of(s.moderator)
    with app.app_context():
        [topic] = db.session.scalars(
            select(AgendaTopic).where(AgendaTopic.meeting_id == s.meeting_id)
        ).all()
        topic_field = f"topic_{topic.id.hex}"
    notes = {"notes": "Vor dem Abschluss.", topic_field: "Liste folgt."}
    assert moderator.post(url(s), data=notes).status_code == 302
    assert moderator.post(url(s, "/abschliessen")).status_code == 302
    before = team_record(app, s)
    first = f"/protokolle/{s.protocol_ids[0]}"

    answers = [
        moderator.post(url(s), data={"notes": "geändert", topic_field: "geändert"}),
        moderator.post(url(s, "/abschliessen")),
        client_of(s.writer).post(f"{first}/entwurf", json={"version": 2, "sections": TEXTS}),
        client_of(s.writer).post(f"{first}/einreichen"),
        moderator.post(f"{first}/abschliessen"),
    ]

    assert [400 <= a.status_code < 500 for a in answers] == [True] * len(answers)
    after = team_record(app, s)
    assert (after.notes, after.status, after.content_hash, after.finalised_dt) == (
        "Vor dem Abschluss.",
        "finalised",
        before.content_hash,
        before.finalised_dt,
    )
    assert after.content_hash == expected_hash(app, s, notes="Vor dem Abschluss.")
    with app.app_context():
        assert db.session.get(AgendaTopic, topic.id).notes == "Liste folgt."


def test_an_addendum_stands_under_the_sealed_team_protocol(app, team_session, client_of):
    s = team_session(2)
    submit_all(app, s)
    moderator = client_of(s.moderator)
    moderator.post(url(s, "/abschliessen"))
    before = team_record(app, s)

    answer = moderator.post(
        url(s, "/nachtrag"), data={"text": "Frau M. kam um 10 Uhr dazu.", "reason": "vergessen"}
    )

    assert answer.status_code == 302
    assert team_record(app, s).content_hash == before.content_hash == expected_hash(app, s)
    html = client_of(s.member).get(url(s)).get_data(as_text=True)
    assert "Frau M. kam um 10 Uhr dazu." in html and 'data-testid="hash-ok"' in html
    with app.app_context():
        assert db.session.scalar(select(TeamProtocolAddendum.reason)) == "vergessen"
    assert (
        client_of(s.member).post(url(s, "/nachtrag"), data={"text": "x", "reason": "y"}).status_code
        == 403
    )


def test_no_note_may_name_a_family(app, team_session, client_of):
    s = team_session(2)

    answer = client_of(s.moderator).post(url(s), data={"notes": "Familie Krautwurst kommt wieder."})

    assert answer.status_code == 409
    assert "Familie erkennbar" in answer.get_data(as_text=True)
    record = team_record(app, s)
    assert record is None or record.notes == ""


def test_the_moderator_notes_a_topic(app, team_session, client_of):
    s = team_session(1)
    add_topic(app, s, "Neue Schulsozialarbeit", regional=True)
    with app.app_context():
        topic = db.session.scalar(select(AgendaTopic))
        field = f"topic_{topic.id.hex}"

    answer = client_of(s.moderator).post(url(s), data={"notes": "", field: "An Regionalteam."})

    assert answer.status_code == 302
    with app.app_context():
        assert db.session.get(AgendaTopic, topic.id).notes == "An Regionalteam."
    regional = client_of(s.member).get(url(s)).get_data(as_text=True)
    assert "An Regionalteam." in regional.split('data-testid="regional-topics"')[1]
    assert client_of(s.member).post(url(s), data={field: "x"}).status_code == 403


def test_the_page_sends_as_many_statements_for_six_items_as_for_two(
    app, team_session, client_of, count_statements
):
    counts = []
    for n in (2, 6):
        s = team_session(n)
        submit_all(app, s)
        client = client_of(s.moderator)
        client.post(url(s, "/abschliessen"))
        client.get(url(s))
        with count_statements() as sent:
            assert client.get(url(s)).status_code == 200
        counts.append(len(sent.sent))
    assert counts[0] == counts[1]


def test_a_sealed_session_is_no_longer_run(app, team_session, client_of):
    s = team_session(2)
    on_its_day(app, s.meeting_id)
    submit_all(app, s)
    moderator = client_of(s.moderator)
    assert moderator.get(f"/sitzungen/{s.meeting_id}/ablauf").status_code == 200
    assert moderator.post(url(s, "/abschliessen")).status_code == 302
    item_url = f"/sitzungen/{s.meeting_id}/tagesordnung/{s.item_ids[0]}"

    answers = [
        moderator.get(f"/sitzungen/{s.meeting_id}/ablauf"),
        moderator.post(
            f"{item_url}/anwesenheit", data={"user_id": str(s.member.id), "presence": "absent"}
        ),
        moderator.post(f"{item_url}/uhr", data={"action": "start"}),
        moderator.post(f"{item_url}/schreibende", data={f"w-{s.item_ids[0]}-writer_id": ""}),
        moderator.post(f"/sitzungen/{s.meeting_id}/schreibende"),
    ]

    assert [a.status_code for a in answers] == [403] * len(answers)
    assert team_record(app, s).content_hash == expected_hash(app, s)
    html = client_of(s.member).get(url(s)).get_data(as_text=True)
    assert 'data-testid="hash-ok"' in html


def test_the_moderator_reaches_each_fallprotokoll_from_the_team_protocol(
    app, team_session, client_of
):
    s = team_session(2)
    submit_all(app, s)

    html = client_of(s.moderator).get(url(s)).get_data(as_text=True)

    links = re.findall(r'href="(/protokolle/[^"]+)" data-testid="protocol-link"', html)
    assert links == [f"/protokolle/{p}" for p in s.protocol_ids]
    for link in links:
        assert client_of(s.moderator).get(link).status_code == 200
    # the other readers see the status; the protocol is theirs only if they were there
    assert 'data-testid="protocol-link"' not in client_of(s.member).get(url(s)).get_data(
        as_text=True
    )
