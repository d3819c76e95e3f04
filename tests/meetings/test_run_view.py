"""The moderator runs the session: attendance, one running clock at a time that adds up,
writers who never write the protocol of the case they present, proposed by fair rotation."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import select

from fallteam.core.models import utcnow
from fallteam.extensions import db
from fallteam.meetings.models import AgendaGuest, AgendaItem, Meeting, MeetingAttendance
from fallteam.meetings.rules import day_start, local_day
from tests.conftest import csrf_token
from tests.meetings.test_agenda_page import (
    audit_events,
    build_meeting,
    client_of,
    register_item,
)


@pytest.fixture
def meeting_sample(app, create_account, create_case, create_team, create_meeting):
    sample = build_meeting(app, create_account, create_case, create_team, create_meeting)
    on_its_day(app, sample.meeting_id)
    return sample


def on_its_day(app, meeting_id) -> None:
    """The session day has come (it was registered for a week ahead): it began at 00:01 today
    in the office's time zone, so it is run today."""
    with app.app_context():
        meeting = db.session.get(Meeting, meeting_id)
        length = meeting.ends_dt - meeting.starts_dt
        meeting.starts_dt = day_start(local_day(utcnow())) + timedelta(minutes=1)
        meeting.ends_dt = meeting.starts_dt + length
        db.session.commit()


def run_url(s, tail=""):
    return f"/sitzungen/{s.meeting_id}{tail}"


def post(client, url, **data):
    return client.post(url, data={**data, "csrf_token": csrf_token(client)})


def item(app, item_id) -> AgendaItem:
    with app.app_context():
        row = db.session.get(AgendaItem, item_id)
        db.session.expunge(row)
        return row


def attendance(app, meeting_id) -> dict:
    with app.app_context():
        rows = db.session.scalars(
            select(MeetingAttendance).where(MeetingAttendance.meeting_id == meeting_id)
        )
        return {a.user_id: a.present for a in rows}


# --- the page --------------------------------------------------------------------------------


def test_the_run_view_lists_members_items_writers_and_time(app, meeting_sample):
    s = meeting_sample
    page = client_of(app, s.moderator).get(run_url(s, "/ablauf"))
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    for member in s.members:
        assert f"Test {member.username}" in html.split('data-testid="attendance"')[1]
    items = html.split('data-testid="run-items"')[1]
    assert [p for p in s.pseudonyms if p in items] == s.pseudonyms
    assert "folgt" not in items and "Protokollführung vorschlagen" in html
    assert "von 180 Minuten Sitzungszeit" in html and "geplant: 105 Minuten" in html
    assert 'src="/static/js/meeting_run.js"' in html and "<script>" not in html
    # the presenter of an item is not offered as its writer
    first = items.split(f'id="top-{s.item_ids[0]}"')[1].split("</li>")[0]
    select_box = first.split("writer-form")[1].split("<select")[1].split("</select>")[0]
    assert str(s.presenters[0].id) not in select_box and str(s.colleague.id) in select_box
    reads = audit_events(app, s.moderator.id, "read", purpose="Sitzungsablauf")
    assert sorted(e.case_pseudonym for e in reads) == sorted(s.pseudonyms)


@pytest.mark.parametrize("who", ["colleague", "presenter", "guest"])
def test_only_the_moderator_runs_the_session(app, meeting_sample, who):
    s = meeting_sample
    account = {"colleague": s.colleague, "presenter": s.presenters[0], "guest": s.guest}[who]
    client = client_of(app, account)
    assert client.get(run_url(s, "/ablauf")).status_code == 403
    for tail, data in [
        ("/anwesenheit", {"user_id": str(account.id), "present": "1"}),
        (f"/tagesordnung/{s.item_ids[0]}/uhr", {"action": "start"}),
        (f"/tagesordnung/{s.item_ids[0]}/schreibende", {f"w-{s.item_ids[0]}-writer_id": ""}),
        ("/schreibende", {}),
    ]:
        assert post(client, run_url(s, tail), **data).status_code == 403
    assert item(app, s.item_ids[0]).clock_started_dt is None
    assert attendance(app, s.meeting_id) == {}


def test_the_moderator_of_another_team_cannot_run_this_session(
    app, meeting_sample, create_account, create_case, create_team, create_meeting
):
    s = meeting_sample
    other = build_meeting(app, create_account, create_case, create_team, create_meeting)
    client = client_of(app, other.moderator)
    assert client.get(run_url(s, "/ablauf")).status_code == 403
    response = post(client, run_url(s, f"/tagesordnung/{s.item_ids[0]}/uhr"), action="start")
    assert response.status_code == 403
    # nor through their own session with this session's item
    response = post(client, run_url(other, f"/tagesordnung/{s.item_ids[0]}/uhr"), action="start")
    assert response.status_code == 404
    assert item(app, s.item_ids[0]).clock_started_dt is None


def test_a_cancelled_session_cannot_be_run(app, meeting_sample):
    s = meeting_sample
    with app.app_context():
        meeting = db.session.get(Meeting, s.meeting_id)
        meeting.status, meeting.change_reason = "cancelled", "Fortbildung"
        db.session.commit()
    client = client_of(app, s.moderator)
    response = client.get(run_url(s, "/ablauf"))
    assert response.status_code == 302
    assert response.headers["Location"].endswith(run_url(s))
    page = client.get(run_url(s)).get_data(as_text=True)
    assert "Die Sitzung ist abgesagt und kann nicht durchgeführt werden." in page
    post(client, run_url(s, f"/tagesordnung/{s.item_ids[0]}/uhr"), action="start")
    assert item(app, s.item_ids[0]).clock_started_dt is None


# --- attendance ------------------------------------------------------------------------------


def test_attendance_is_marked_and_changed(app, meeting_sample):
    s = meeting_sample
    client = client_of(app, s.moderator)
    url = run_url(s, "/anwesenheit")
    response = post(client, url, user_id=str(s.colleague.id), present="1")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(run_url(s, "/ablauf#anwesenheit"))
    post(client, url, user_id=str(s.presenters[0].id), present="0")
    post(client, url, user_id=str(s.colleague.id), present="0")
    assert attendance(app, s.meeting_id) == {s.colleague.id: False, s.presenters[0].id: False}
    html = client.get(run_url(s, "/ablauf")).get_data(as_text=True)
    row = html.split(f'data-person="{s.colleague.id}"')[1].split("</tr>")[0]
    assert 'aria-pressed="true">abwesend' in row
    events = audit_events(app, s.moderator.id, "update", purpose="Anwesenheit erfasst")
    assert len(events) == 3


def test_attendance_is_only_for_the_team_and_the_items_guests(app, meeting_sample, signed_in):
    s = meeting_sample
    client = client_of(app, s.moderator)
    url = run_url(s, "/anwesenheit")
    _, stranger = signed_in(["member"])
    post(client, url, user_id=str(stranger.id), present="1")
    assert "nur für Mitglieder dieses Fallteams" in client.get(run_url(s, "/ablauf")).get_data(
        as_text=True
    )
    # a guest is marked for their item, not for the session
    post(client, url, user_id=str(s.guest.id), present="1")
    assert attendance(app, s.meeting_id) == {}
    post(client, url, user_id=str(s.guest.id), present="1", item_id=str(s.item_ids[0]))
    with app.app_context():
        guest = db.session.scalar(select(AgendaGuest).where(AgendaGuest.user_id == s.guest.id))
        assert guest.present is True
    # not for an item they are not invited to, nor for an item of another session
    post(client, url, user_id=str(s.guest.id), present="1", item_id=str(s.item_ids[1]))
    assert "nicht eingeladen" in client.get(run_url(s, "/ablauf")).get_data(as_text=True)
    response = post(client, url, user_id=str(s.guest.id), present="1", item_id=str(uuid.uuid4()))
    assert response.status_code == 404


# --- the clock -------------------------------------------------------------------------------


def clock(client, s, item_id, action):
    return post(client, run_url(s, f"/tagesordnung/{item_id}/uhr"), action=action)


def rewind_clock(app, item_id, seconds):
    """Pretend the item's running clock was started ``seconds`` earlier."""
    with app.app_context():
        row = db.session.get(AgendaItem, item_id)
        row.clock_started_dt -= timedelta(seconds=seconds)
        db.session.commit()


def test_the_clock_starts_stops_and_adds_up(app, meeting_sample):
    s = meeting_sample
    client = client_of(app, s.moderator)
    first = s.item_ids[0]
    response = clock(client, s, first, "start")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(run_url(s, f"/ablauf#top-{first}"))
    assert item(app, first).clock_started_dt is not None
    rewind_clock(app, first, 600)
    clock(client, s, first, "stop")
    stopped = item(app, first)
    assert stopped.clock_started_dt is None and 600 <= stopped.elapsed_seconds <= 605
    clock(client, s, first, "start")
    rewind_clock(app, first, 300)
    clock(client, s, first, "stop")
    assert 900 <= item(app, first).elapsed_seconds <= 910
    html = client.get(run_url(s, "/ablauf")).get_data(as_text=True)
    shown = html.split(f'id="top-{first}"')[1].split("</li>")[0]
    assert 'data-elapsed="9' in shown and ">15:0" in shown and 'data-started=""' in shown


def test_starting_one_clock_stops_the_other_and_marks_the_current_item(app, meeting_sample):
    s = meeting_sample
    client = client_of(app, s.moderator)
    first, second = s.item_ids[:2]
    clock(client, s, first, "start")
    rewind_clock(app, first, 120)
    clock(client, s, second, "start")
    assert item(app, first).clock_started_dt is None
    assert 120 <= item(app, first).elapsed_seconds <= 125
    assert item(app, second).clock_started_dt is not None
    with app.app_context():
        running = db.session.scalars(
            select(AgendaItem).where(
                AgendaItem.meeting_id == s.meeting_id, AgendaItem.clock_started_dt.is_not(None)
            )
        ).all()
        assert [r.id for r in running] == [second]
    html = client.get(run_url(s, "/ablauf")).get_data(as_text=True)
    current = html.split('aria-current="step"')
    assert len(current) == 2 and f'id="top-{second}"' in current[0].rsplit("<li", 1)[1]
    # starting the running clock again changes nothing
    before = item(app, second).clock_started_dt
    clock(client, s, second, "start")
    assert item(app, second).clock_started_dt == before


def test_a_clock_past_its_planned_time_shows_it(app, meeting_sample):
    s = meeting_sample
    client = client_of(app, s.moderator)
    clock(client, s, s.item_ids[1], "start")
    rewind_clock(app, s.item_ids[1], 31 * 60)
    html = client.get(run_url(s, "/ablauf")).get_data(as_text=True)
    shown = html.split(f'id="top-{s.item_ids[1]}"')[1].split("</li>")[0]
    assert "clock clock-over" in shown and "überzogen</span>" in shown
    assert "data-over-note hidden" not in shown


# --- writers ---------------------------------------------------------------------------------


def assign(client, s, item_id, writer_id):
    return post(
        client,
        run_url(s, f"/tagesordnung/{item_id}/schreibende"),
        **{f"w-{item_id}-writer_id": str(writer_id or "")},
    )


def test_the_moderator_assigns_and_clears_a_writer(app, meeting_sample):
    s = meeting_sample
    client = client_of(app, s.moderator)
    response = assign(client, s, s.item_ids[0], s.colleague.id)
    assert response.status_code == 302
    assert item(app, s.item_ids[0]).writer_id == s.colleague.id
    assign(client, s, s.item_ids[0], None)
    assert item(app, s.item_ids[0]).writer_id is None
    assigned = audit_events(app, s.moderator.id, "update", purpose="Protokollführung zugeteilt")
    assert len(assigned) == 2


def test_the_presenter_never_writes_the_protocol_of_her_case(app, meeting_sample):
    s = meeting_sample
    client = client_of(app, s.moderator)
    assign(client, s, s.item_ids[0], s.colleague.id)
    # the attack: the presenter's id posted although the select does not offer it
    response = assign(client, s, s.item_ids[0], s.presenters[0].id)
    assert response.status_code == 302
    assert item(app, s.item_ids[0]).writer_id == s.colleague.id
    page = client.get(run_url(s, "/ablauf")).get_data(as_text=True)
    assert "Wer den Fall vorstellt, schreibt nicht das Fallprotokoll dazu." in page


def test_writers_are_members_of_the_team(app, meeting_sample, signed_in):
    s = meeting_sample
    client = client_of(app, s.moderator)
    _, outsider = signed_in(["member"])
    for person in (outsider.id, s.guest.id, s.presenters[2].id):
        assign(client, s, s.item_ids[0], person)
        assert item(app, s.item_ids[0]).writer_id is None
    page = client.get(run_url(s, "/ablauf")).get_data(as_text=True)
    assert "Fallprotokolle schreiben nur Mitglieder dieses Fallteams." in page
    assert assign(client, s, uuid.uuid4(), s.colleague.id).status_code == 404


def writers(app, meeting_id) -> dict:
    with app.app_context():
        return {
            i.id: i.writer_id
            for i in db.session.scalars(
                select(AgendaItem).where(AgendaItem.meeting_id == meeting_id)
            )
        }


def test_proposed_writers_rotate_fairly_among_those_present(
    app, create_account, create_case, create_team, create_meeting
):
    extra = [create_account(["member"]) for _ in range(2)]
    s = build_meeting(app, create_account, create_case, create_team, create_meeting, extra=extra)
    late = create_account(["fachkraft"])
    register_item(app, create_case(late).id, s.meeting_id)
    on_its_day(app, s.meeting_id)
    client = client_of(app, s.moderator)
    absent = extra[1]
    for member in s.members:
        post(
            client,
            run_url(s, "/anwesenheit"),
            user_id=str(member.id),
            present="0" if member == absent else "1",
        )
    response = post(client, run_url(s, "/schreibende"))
    assert response.status_code == 302
    assigned = writers(app, s.meeting_id)
    with app.app_context():
        presenters = {
            i.id: i.presenter_id
            for i in db.session.scalars(
                select(AgendaItem).where(AgendaItem.meeting_id == s.meeting_id)
            )
        }
    assert all(assigned.values()), "every item has a writer"
    assert all(assigned[i] != presenters[i] for i in assigned), "nobody writes their own case"
    assert absent.id not in assigned.values(), "only those present write"
    counts = Counter(assigned.values())
    assert max(counts.values()) == 1  # 4 items, 5 present: nobody writes twice
    assert "Protokollführung für 4 Tagesordnungspunkte vorgeschlagen." in client.get(
        run_url(s, "/ablauf")
    ).get_data(as_text=True)
    (event,) = audit_events(app, s.moderator.id, "update", purpose="Protokollführung vorgeschlagen")
    assert event.object_id == str(s.meeting_id)


def test_proposing_fills_only_items_without_a_writer_and_counts_earlier_protocols(
    app, meeting_sample, create_case
):
    s = meeting_sample
    client = client_of(app, s.moderator)
    # The colleague wrote two protocols in an earlier session of the team; the moderator none.
    earlier_cases = [create_case(p).id for p in s.presenters[:2]]
    with app.app_context():
        now = utcnow()
        earlier = Meeting(
            team_id=s.team_id,
            starts_dt=now - timedelta(days=14),
            ends_dt=now - timedelta(days=14) + timedelta(hours=3),
        )
        db.session.add(earlier)
        db.session.flush()
        for presenter, case_id in zip(s.presenters[:2], earlier_cases, strict=True):
            db.session.add(
                AgendaItem(
                    meeting_id=earlier.id,
                    case_id=case_id,
                    presenter_id=presenter.id,
                    registered_by_id=presenter.id,
                    method="kollegiale_beratung",
                    writer_id=s.colleague.id,
                )
            )
        db.session.commit()
    # The moderator, the colleague and the first presenter are there; the first item already
    # has a writer (the colleague: a turn taken in this session).
    for member in (s.moderator, s.colleague, s.presenters[0]):
        post(client, run_url(s, "/anwesenheit"), user_id=str(member.id), present="1")
    assign(client, s, s.item_ids[0], s.colleague.id)
    post(client, run_url(s, "/schreibende"))
    assigned = writers(app, s.meeting_id)
    assert assigned[s.item_ids[0]] == s.colleague.id  # kept
    # two open items, two members besides the moderator: one each, and whoever wrote fewer
    # protocols before (earlier sessions and this one) takes the first
    assert assigned[s.item_ids[1]] == s.presenters[0].id
    assert assigned[s.item_ids[2]] == s.colleague.id


def test_without_attendance_every_member_is_a_candidate(app, meeting_sample):
    s = meeting_sample
    client = client_of(app, s.moderator)
    post(client, run_url(s, "/schreibende"))
    assigned = writers(app, s.meeting_id)
    assert all(assigned.values())
    member_ids = {m.id for m in s.members}
    assert set(assigned.values()) <= member_ids
    assert len(set(assigned.values())) == 3  # three items, spread over three people


def test_moderation_ends_with_the_session_day_and_with_the_membership(
    app, create_account, create_case, create_team, create_meeting
):
    from fallteam.teams.models import TeamMember
    from tests.conftest import sign_in

    moderator = create_account(["member"])
    team_id, _ = create_team([(moderator, "permanent")])
    session = create_meeting(
        team_id, create_case(create_account(["fachkraft"])), moderator=moderator
    )
    on_its_day(app, session.meeting_id)
    client = app.test_client()
    sign_in(client, app, moderator)
    assert client.get(f"/sitzungen/{session.meeting_id}/ablauf").status_code == 200
    with app.app_context():
        db.session.execute(TeamMember.__table__.delete().where(TeamMember.user_id == moderator.id))
        db.session.commit()
    assert client.get(f"/sitzungen/{session.meeting_id}/ablauf").status_code == 403
    with app.app_context():
        db.session.add(TeamMember(team_id=team_id, user_id=moderator.id, kind="permanent"))
        meeting = db.session.get(Meeting, session.meeting_id)
        meeting.starts_dt = (utcnow() - timedelta(days=3)).replace(microsecond=0)
        meeting.ends_dt = meeting.starts_dt + timedelta(hours=3)
        db.session.commit()
    assert client.get(f"/sitzungen/{session.meeting_id}/ablauf").status_code == 403
