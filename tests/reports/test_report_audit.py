"""Generating an Art. 15 answer is a recorded read, downloading it a recorded export: one
event per case found, with the case's pseudonym and ids, never the person's values; a search
that finds nothing is recorded too. The answers' own events are not "recipients"."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from fallteam.audit.models import AuditAction, AuditEvent
from fallteam.extensions import db
from tests.reports.conftest import MOTHER, PLAINTEXT, client_of, index_in

pytestmark = pytest.mark.settings(WTF_CSRF_ENABLED=False)


def _events(app, actor_id):
    with app.app_context():
        return db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.actor_id == actor_id, AuditEvent.object_type == "subject_access")
            .order_by(AuditEvent.seq)
        ).all()


def _no_content(event) -> None:
    for value in PLAINTEXT:
        assert value not in event.details and value not in (event.purpose or ""), value


@pytest.mark.parametrize("version", ["dpo", "owner"])
def test_generation_is_a_read_and_download_an_export_with_the_pseudonym(app, family, version):
    account = family.dpo if version == "dpo" else family.owner
    url = "/datenschutz/auskunft" if version == "dpo" else f"/faelle/{family.case_id}/auskunft"
    client = client_of(app, account)
    html = client.post(url, data=MOTHER).text
    assert client.post(f"{url}/pdf", data={"index": index_in(html)}).status_code == 200
    read, export = _events(app, account.id)
    assert (read.action, export.action) == (AuditAction.READ, AuditAction.EXPORT)
    for event, form in ((read, "html"), (export, "pdf")):
        assert event.case_pseudonym == family.pseudonym
        assert event.object_id == str(family.case_id)
        assert event.purpose == "Auskunft nach Art. 15 DSGVO"
        assert json.loads(event.details) == {"format": form, "version": version}
        _no_content(event)


def test_a_search_that_finds_nothing_is_recorded_without_the_name(app, family):
    client_of(app, family.dpo).post(
        "/datenschutz/auskunft", data={**MOTHER, "birth_date": "1970-01-01"}
    )
    (event,) = _events(app, family.dpo.id)
    assert event.action == AuditAction.READ
    assert event.case_pseudonym is None
    assert json.loads(event.details)["matches"] == 0
    # not even the blind index: the log outlives a deletion, and the index could be tested
    assert set(json.loads(event.details)) == {"version", "format", "matches"}
    _no_content(event)


def test_the_answers_own_events_do_not_count_as_recipients(app, family):
    client = client_of(app, family.dpo)
    first = client.post("/datenschutz/auskunft", data=MOTHER).text
    # nor the DPO's look at the case's access report: no content reached anyone by it
    assert client.get(f"/datenschutz/faelle/{family.pseudonym}").status_code == 200
    second = client.post("/datenschutz/auskunft", data=MOTHER).text
    # the member's one read (tests/reports/conftest.py), however often the answer is made
    for html in (first, second):
        assert "<td>1</td><td>1</td>" in html


def test_the_download_without_an_answer_sends_back_to_the_search(app, family):
    client = client_of(app, family.dpo)
    response = client.post("/datenschutz/auskunft/pdf", data={"index": "Krautwurst"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/datenschutz/auskunft")
    assert _events(app, family.dpo.id) == []
