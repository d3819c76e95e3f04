"""The owner sets, closes and renews Wiedervorlagen on the case's page (German messages,
nothing lost on error); the agenda shows the due ones (topic only to owner and moderator,
with a hint to the owner to register the case); the case list counts the open ones."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from fallteam.core.models import utcnow
from fallteam.extensions import db
from fallteam.resubmissions.models import Resubmission, ResubmissionStatus
from tests.conftest import sign_in
from tests.resubmissions.conftest import TOPIC

pytestmark = pytest.mark.settings(WTF_CSRF_ENABLED=False)


def client_of(app, account):
    client = app.test_client()
    sign_in(client, app, account)
    return client


def in_two_weeks() -> str:
    return (utcnow() + timedelta(days=14)).date().isoformat()


def test_the_owner_sets_one_and_a_family_name_is_refused_without_losing_the_text(app, setting):
    client = client_of(app, setting.owner)
    url = f"/faelle/{setting.case_id}/wiedervorlagen"
    named = "Geht Jonas Krautwurst wieder zur Schule?"
    data = {
        "neu-team": str(setting.team_id),
        "neu-due": in_two_weeks(),
        "neu-topic": named,
        "neu-responsible": str(setting.colleague.id),
    }
    refused = client.post(url, data=data)
    page = refused.get_data(as_text=True)
    assert "erkennbar" in page
    assert named in page  # the text is shown again for correction
    with app.app_context():
        assert db.session.scalar(select(Resubmission)) is None

    done = client.post(url, data=data | {"neu-topic": TOPIC})
    assert done.status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert TOPIC in page


def test_a_date_in_the_past_gets_a_german_message(app, setting):
    client = client_of(app, setting.owner)
    page = client.post(
        f"/faelle/{setting.case_id}/wiedervorlagen",
        data={
            "neu-team": str(setting.team_id),
            "neu-due": "2020-01-01",
            "neu-topic": TOPIC,
            "neu-responsible": str(setting.owner.id),
        },
    ).get_data(as_text=True)
    assert "Vergangenheit" in page and TOPIC in page


def test_closing_and_renewing_on_the_page_keeps_the_history(app, setting, add_resubmission):
    rid = add_resubmission(setting, date(2027, 1, 20))
    client = client_of(app, setting.owner)
    prefix = f"r-{rid.hex}"
    url = f"/wiedervorlagen/{rid}/ergebnis"
    # renewing without a new date: refused, the outcome stays in the form
    page = client.post(url, data={f"{prefix}-outcome": "Antrag läuft.", f"{prefix}-renew": "1"})
    assert "neues Datum" in page.get_data(as_text=True)
    assert "Antrag läuft." in page.get_data(as_text=True)
    response = client.post(
        url,
        data={
            f"{prefix}-outcome": "Antrag läuft.",
            f"{prefix}-new_due": in_two_weeks(),
            f"{prefix}-renew": "1",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        rows = db.session.scalars(select(Resubmission).order_by(Resubmission.created_dt)).all()
        assert [r.status for r in rows] == [ResubmissionStatus.RENEWED, ResubmissionStatus.OPEN]
        new_id = rows[1].id
    prefix = f"r-{new_id.hex}"
    client.post(
        f"/wiedervorlagen/{new_id}/ergebnis",
        data={f"{prefix}-outcome": "Hilfe bewilligt.", f"{prefix}-close": "1"},
    )
    page = client.get(f"/faelle/{setting.case_id}/wiedervorlagen").get_data(as_text=True)
    assert "Antrag läuft." in page and "Hilfe bewilligt." in page
    assert page.count('data-testid="resubmission"') == 2


def test_the_case_list_counts_the_open_ones(app, setting, add_resubmission):
    add_resubmission(setting, date(2027, 1, 20))
    add_resubmission(setting, date(2027, 1, 13))
    page = client_of(app, setting.owner).get("/faelle").get_data(as_text=True)
    assert "2 (nächste am 13.01.2027)" in page


def test_the_agenda_shows_the_due_ones_topic_only_to_owner_and_moderator(
    app, setting, create_account, create_team, add_meeting, add_resubmission
):
    from fallteam.auth.models import User
    from fallteam.teams import operations as teams
    from fallteam.teams.models import Team

    moderator = create_account(["member"])
    with app.app_context():
        teams.add_member(
            db.session.get(Team, setting.team_id),
            db.session.get(User, moderator.id),
            kind="permanent",
        )
        db.session.commit()
    meeting = add_meeting(setting.team_id, date(2027, 1, 13), moderator=moderator)
    add_resubmission(setting, date(2027, 1, 12))
    url = f"/sitzungen/{meeting}"

    for account, sees_topic in [
        (moderator, True),
        (setting.owner, True),
        (setting.colleague, False),
    ]:
        page = client_of(app, account).get(url).get_data(as_text=True)
        assert "Fällige Wiedervorlagen" in page
        assert setting.pseudonym in page
        assert (TOPIC in page) is sees_topic
    owner_page = client_of(app, setting.owner).get(url).get_data(as_text=True)
    assert 'data-testid="register-hint"' in owner_page


def test_the_agenda_opens_only_the_topics_it_shows(
    app, setting, add_meeting, add_resubmission, monkeypatch
):
    # the colleague sees the due Wiedervorlage by pseudonym: neither its topic nor anything
    # of its case is decrypted for her; for the owner only the topic is
    from fallteam.crypto import envelope

    meeting = add_meeting(setting.team_id, date(2027, 1, 13))
    add_resubmission(setting, date(2027, 1, 12))
    colleague, owner = client_of(app, setting.colleague), client_of(app, setting.owner)
    opened = []
    decrypt = envelope.decrypt
    monkeypatch.setattr(
        envelope,
        "decrypt",
        lambda session, blob, place, keys=None: (
            opened.append((place.table, place.column)) or decrypt(session, blob, place, keys)
        ),
    )
    page = colleague.get(f"/sitzungen/{meeting}").get_data(as_text=True)
    assert setting.pseudonym in page
    assert not {table for table, _ in opened} & {"resubmissions", "cases"}
    opened.clear()
    assert TOPIC in owner.get(f"/sitzungen/{meeting}").get_data(as_text=True)
    assert ("resubmissions", "topic") in opened
    assert not [column for table, column in opened if table == "cases"]
