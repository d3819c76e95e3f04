"""The Teamprotokoll names the Wiedervorlagen agreed in the session's Fallprotokolle (case
pseudonym, date, what to look at, responsible person) and seals them with the session; a
member befangen for an item finds nothing of that item there, its Wiedervorlagen included."""

from __future__ import annotations

import hashlib
import hmac
from datetime import date, timedelta

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from fallteam.auth.models import User
from fallteam.crypto.runtime import current_keyring
from fallteam.extensions import db
from fallteam.meetings.models import ItemAttendance, Presence
from fallteam.protocols.models import CaseProtocol
from fallteam.resubmissions.operations import agree_in_protocol
from tests.protocols.test_team_protocol import expected_hash, submit_all, team_record, url

pytestmark = pytest.mark.settings(WTF_CSRF_ENABLED=False)

TOPIC = "Ist die Schulbegleitung beantragt?"


def agree(app, s, number: int) -> date:
    due = date.today() + timedelta(days=21)
    with app.app_context():
        protocol = db.session.get(CaseProtocol, s.protocol_ids[number])
        agree_in_protocol(
            protocol,
            due,
            TOPIC,
            db.session.get(User, s.owner.id),
            db.session.get(User, s.writer.id),
        )
        db.session.commit()
    return due


def test_a_wiedervorlage_agreed_in_a_fallprotokoll_is_listed_and_sealed(
    app, team_session, client_of
):
    s = team_session(3)
    due = agree(app, s, 1)

    html = client_of(s.moderator).get(url(s)).get_data(as_text=True)

    section = html.split('data-testid="agreed-resubmissions"')[1].split("</section>")[0]
    row = section.split('data-testid="agreed-resubmission"')[1].split("</tr>")[0]
    assert s.pseudonyms[1] in row and TOPIC in row and due.strftime("%d.%m.%Y") in row
    with app.app_context():
        owner_name = db.session.get(User, s.owner.id).display_name
    assert owner_name in row

    submit_all(app, s)
    assert client_of(s.moderator).post(url(s, "/abschliessen")).status_code == 302
    with app.app_context():
        case_id = str(db.session.get(CaseProtocol, s.protocol_ids[1]).case_id)
        # the topic by its HMAC-SHA256 under the key derived for resubmissions.topic from the
        # key ring's blind-index key (HKDF-SHA256), never the text — nor a plain SHA-256,
        # which could be tested against guesses once the case is deleted
        key = HKDF(
            algorithm=hashes.SHA256(),
            length=32,
            salt=None,
            info=b"fallteam:blind-index:v1:resubmissions.topic",
        ).derive(current_keyring().blind_index_key)
    digest = hmac.new(key, TOPIC.encode("utf-8"), hashlib.sha256).hexdigest()
    assert digest != hashlib.sha256(TOPIC.encode("utf-8")).hexdigest()
    agreed = [
        {
            "case_id": case_id,
            "pseudonym": s.pseudonyms[1],
            "due": due.isoformat(),
            "topic_sha256": digest,
            "responsible_id": str(s.owner.id),
        }
    ]
    record = team_record(app, s)
    assert record.content_hash == expected_hash(app, s, agreed=agreed)
    assert record.content_hash != expected_hash(app, s)


def test_a_member_befangen_for_an_item_finds_nothing_of_it_in_the_team_protocol(
    app, team_session, client_of
):
    s = team_session(3)
    agree(app, s, 1)
    with app.app_context():
        attendance = db.session.scalars(
            db.select(ItemAttendance).where(
                ItemAttendance.item_id == s.item_ids[1], ItemAttendance.user_id == s.member.id
            )
        ).one()
        attendance.presence = Presence.CONFLICTED
        db.session.commit()

    html = client_of(s.member).get(url(s)).get_data(as_text=True)

    assert s.pseudonyms[1] not in html and TOPIC not in html
    assert s.pseudonyms[0] in html and s.pseudonyms[2] in html
    assert 'data-testid="team-item-hidden"' in html
    moderator_view = client_of(s.moderator).get(url(s)).get_data(as_text=True)
    assert s.pseudonyms[1] in moderator_view and TOPIC in moderator_view
