"""Attendance per agenda item: a member arrives late, leaves early, or is befangen — absent
for one item because they know the family. Befangenheit is a disclosure rule: the member
sees nothing of that item (its page, its case, its documents, its question and
presentation on the agenda and the start page), before or after; their window on the case
ends, audited."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from fallteam.audit.models import AuditAction
from fallteam.cases.models import CaseParticipant, ParticipantKind
from fallteam.core.models import utcnow
from fallteam.extensions import db
from fallteam.meetings.models import AgendaDocument, ItemAttendance
from tests.conftest import PRESENTATION, QUESTION
from tests.meetings.test_agenda_page import audit_events, build_meeting, client_of
from tests.meetings.test_run_view import item, on_its_day, post, run_url


@pytest.fixture
def meeting_sample(app, create_account, create_case, create_team, create_meeting):
    sample = build_meeting(app, create_account, create_case, create_team, create_meeting)
    on_its_day(app, sample.meeting_id)
    return sample


def mark(app, s, item_id, person, presence):
    return post(
        client_of(app, s.moderator),
        run_url(s, f"/tagesordnung/{item_id}/anwesenheit"),
        user_id=str(person.id),
        presence=presence,
    )


def presence_of(app, item_id, person):
    with app.app_context():
        return db.session.scalar(
            select(ItemAttendance.presence).where(
                ItemAttendance.item_id == item_id, ItemAttendance.user_id == person.id
            )
        )


def content_urls(app, s) -> list[str]:
    first = item(app, s.item_ids[0])
    with app.app_context():
        document_id = db.session.scalar(
            select(AgendaDocument.id).where(AgendaDocument.item_id == first.id)
        )
    return [
        f"/tagesordnung/{first.id}",
        f"/faelle/{first.case_id}",
        f"/tagesordnung/{first.id}/unterlagen/{document_id}",
    ]


def test_the_moderator_records_late_arrival_and_early_leaving_per_item(app, meeting_sample):
    s = meeting_sample
    assert mark(app, s, s.item_ids[0], s.colleague, "late").status_code == 302
    assert mark(app, s, s.item_ids[1], s.colleague, "left_early").status_code == 302
    assert presence_of(app, s.item_ids[0], s.colleague) == "late"
    assert presence_of(app, s.item_ids[1], s.colleague) == "left_early"
    html = client_of(app, s.moderator).get(run_url(s, "/ablauf")).get_data(as_text=True)
    assert "später gekommen" in html and "früher gegangen" in html
    events = audit_events(
        app,
        s.moderator.id,
        AuditAction.UPDATE,
        purpose="Anwesenheit zum Tagesordnungspunkt erfasst",
    )
    assert len(events) == 2


def test_a_member_marked_befangen_sees_nothing_of_that_item(app, meeting_sample):
    s = meeting_sample
    colleague = client_of(app, s.colleague)
    urls = content_urls(app, s)
    for url in urls:
        assert colleague.get(url, follow_redirects=True).status_code == 200, url

    assert mark(app, s, s.item_ids[0], s.colleague, "conflicted").status_code == 302
    assert presence_of(app, s.item_ids[0], s.colleague) == "conflicted"

    for url in urls:
        assert colleague.get(url).status_code == 403, url
    pseudonym = s.pseudonyms[0]
    for page in (f"/sitzungen/{s.meeting_id}", "/"):
        html = colleague.get(page).get_data(as_text=True)
        assert pseudonym not in html, page
        assert QUESTION not in html and PRESENTATION not in html, page
    # the other items stay visible to them
    assert s.pseudonyms[1] in colleague.get(f"/sitzungen/{s.meeting_id}").get_data(as_text=True)


def test_befangenheit_ends_the_members_window_on_the_case_audited(app, meeting_sample):
    s = meeting_sample
    case_id = item(app, s.item_ids[0]).case_id
    mark(app, s, s.item_ids[0], s.colleague, "conflicted")
    with app.app_context():
        now = utcnow()
        open_windows = db.session.scalars(
            select(CaseParticipant).where(
                CaseParticipant.case_id == case_id,
                CaseParticipant.user_id == s.colleague.id,
                CaseParticipant.kind == ParticipantKind.MEMBER,
                CaseParticipant.valid_until_dt > now,
            )
        ).all()
    assert open_windows == []
    assert audit_events(
        app, s.moderator.id, AuditAction.UPDATE, purpose="Befangenheit: Zugang zum Fall beendet"
    )


def test_befangen_cannot_be_taken_back(app, meeting_sample):
    s = meeting_sample
    mark(app, s, s.item_ids[0], s.colleague, "conflicted")
    mark(app, s, s.item_ids[0], s.colleague, "present")
    assert presence_of(app, s.item_ids[0], s.colleague) == "conflicted"
    assert client_of(app, s.colleague).get(f"/tagesordnung/{s.item_ids[0]}").status_code == 403


def test_neither_the_presenter_nor_the_moderator_can_be_befangen(app, meeting_sample):
    s = meeting_sample
    mark(app, s, s.item_ids[0], s.presenters[0], "conflicted")
    mark(app, s, s.item_ids[0], s.moderator, "conflicted")
    assert presence_of(app, s.item_ids[0], s.presenters[0]) is None
    assert presence_of(app, s.item_ids[0], s.moderator) is None


def test_only_the_moderator_records_item_attendance(app, meeting_sample):
    s = meeting_sample
    response = post(
        client_of(app, s.colleague),
        run_url(s, f"/tagesordnung/{s.item_ids[0]}/anwesenheit"),
        user_id=str(s.presenters[1].id),
        presence="conflicted",
    )
    assert response.status_code == 403
    assert presence_of(app, s.item_ids[0], s.presenters[1]) is None
