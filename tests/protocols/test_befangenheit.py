"""A member marked befangen for an item (they know the family) never reads its Fallprotokoll,
not during the session and not afterwards."""

from __future__ import annotations

import pytest

from fallteam import access
from fallteam.auth.models import User
from fallteam.extensions import db
from fallteam.meetings.models import AgendaItem, ItemAttendance
from fallteam.meetings.models.agenda import Presence
from fallteam.meetings.operations import run
from fallteam.protocols import queries
from fallteam.protocols.models import CaseProtocol, ProtocolStatus
from tests.meetings.test_run_view import on_its_day
from tests.protocols.conftest import stored


def test_a_member_marked_befangen_gets_403_on_the_items_protocol(app, setting, client_of):
    url = f"/protokolle/{setting.protocol_id}"
    assert client_of(setting.member).get(url).status_code == 200  # a team member reads it
    with app.app_context():
        item = db.session.get(AgendaItem, setting.item_id)
        meeting_id = item.meeting_id
    on_its_day(app, meeting_id)  # attendance is taken on the session day
    with app.app_context():
        item = db.session.get(AgendaItem, setting.item_id)
        run.mark_item_attendance(
            item.meeting, item, db.session.get(User, setting.member.id), Presence.CONFLICTED
        )
        db.session.commit()
    client = client_of(setting.member)
    page = client.get(url)
    assert page.status_code == 403
    assert client.get(f"{url}/verlauf").status_code == 403
    # the writer still reads it
    assert client_of(setting.writer).get(url).status_code == 200


@pytest.mark.settings(WTF_CSRF_ENABLED=False)
def test_a_writer_marked_befangen_neither_writes_nor_reads_the_protocol(app, setting, client_of):
    url = f"/protokolle/{setting.protocol_id}"
    with app.app_context():
        meeting_id = db.session.get(AgendaItem, setting.item_id).meeting_id
    on_its_day(app, meeting_id)
    with app.app_context():
        item = db.session.get(AgendaItem, setting.item_id)
        run.mark_item_attendance(
            item.meeting, item, db.session.get(User, setting.writer.id), Presence.CONFLICTED
        )
        db.session.commit()
    client = client_of(setting.writer)
    assert client.get(url).status_code == 403
    saved = client.post(f"{url}/entwurf", json={"version": 1, "sections": {"hypothesen": "x"}})
    assert saved.status_code == 403
    assert stored(app, setting.protocol_id).sections == {}


@pytest.mark.settings(WTF_CSRF_ENABLED=False)
def test_a_moderator_marked_befangen_neither_finalises_nor_amends_the_protocol(
    app, setting, client_of
):
    url = f"/protokolle/{setting.protocol_id}"
    with app.app_context():
        item = db.session.get(AgendaItem, setting.item_id)
        item.attendance.append(
            ItemAttendance(
                item_id=item.id, user_id=setting.moderator.id, presence=Presence.CONFLICTED
            )
        )
        db.session.commit()
    client_of(setting.writer).post(f"{url}/einreichen")
    client = client_of(setting.moderator)

    assert client.post(f"{url}/abschliessen").status_code == 403
    assert stored(app, setting.protocol_id).status == ProtocolStatus.SUBMITTED
    # finalised by someone else: no addendum from the befangen moderator either
    with app.app_context():
        db.session.get(CaseProtocol, setting.protocol_id).status = ProtocolStatus.FINALISED
        db.session.commit()
    answer = client.post(f"{url}/nachtrag", data={"text": "Korrektur", "reason": "Tippfehler"})
    assert answer.status_code == 403
    assert client.get(url).status_code == 403


def test_the_read_view_of_a_refused_change_is_refused_to_whom_may_not_read(app, setting):
    # The 409 page of a refused finalise/addendum shows the whole protocol: its query
    # decides ``protocol.read`` itself, whatever the view checked before.
    with app.app_context():
        item = db.session.get(AgendaItem, setting.item_id)
        item.attendance.append(
            ItemAttendance(
                item_id=item.id, user_id=setting.moderator.id, presence=Presence.CONFLICTED
            )
        )
        db.session.flush()
        protocol = db.session.get(CaseProtocol, setting.protocol_id)
        with pytest.raises(access.AccessRefused):
            queries.protocol_for_reading(
                protocol, db.session.get(User, setting.moderator.id), refused_change=True
            )
        db.session.rollback()
