"""The DPO sees no case content anywhere: every page of the DPO's workspace (every GET route
of the ``dpo`` blueprint, found in the URL map, so routes added later are covered too), the
start page and the workspace, opened as the DPO after a scenario with known plaintext, show
none of it — and no case's data key decrypts anything while they are served."""

from __future__ import annotations

import html as html_module
from datetime import timedelta

import pytest

from fallteam.core.models import utcnow
from fallteam.crypto import envelope
from tests.conftest import PRESENTATION, QUESTION, family_of_four
from tests.dpo.conftest import (
    BACKGROUND,
    FLAGGED_BACKGROUND,
    PROTOCOL_TEXT,
    RELEASE_REASON,
    REVOCATION_NOTE,
)


def _plaintexts(disclosed) -> list[str]:
    """Every piece of the scenario's case content, as it could appear on a page."""
    values = [
        BACKGROUND,
        FLAGGED_BACKGROUND,
        QUESTION,
        PRESENTATION,
        PROTOCOL_TEXT,
        RELEASE_REASON,
        REVOCATION_NOTE,
        disclosed.file_number,
        "Oma Gisela",  # the resource map's label
        "ressourcen.pdf",  # the uploaded document's name
        "entbindung.pdf",  # the consent document's name
    ]
    for member in family_of_four():
        born = member.birth_date
        values += [
            member.first_name,
            member.last_name,
            member.address,
            member.address.split(",")[0],  # the street alone
            born.isoformat(),
            born.strftime("%d.%m.%Y"),
        ]
    # the texts' distinctive parts, in case a page shortens them
    values += [text[:30] for text in (BACKGROUND, QUESTION, PRESENTATION, PROTOCOL_TEXT)]
    return values


def _urls(app, disclosed) -> list[str]:
    """Every GET route of the ``dpo`` blueprint, its parameters filled from the scenario,
    once plainly and once with the filters the DPO's pages take; fails on a parameter it
    cannot fill (a new route must be added here, not skipped)."""
    s = disclosed.scenario
    values = {
        "pseudonym": s.case.pseudonym,
        "user_id": s.owner.id,
        "actor_id": s.owner.id,
        "account_id": s.owner.id,
    }
    today = utcnow().date()
    filters = (
        f"?pseudonym={s.case.pseudonym}&actor={s.owner.id}"
        f"&since={(today - timedelta(days=2)).isoformat()}&until={today.isoformat()}"
    )
    urls = []
    with app.test_request_context():
        from flask import url_for

        for rule in app.url_map.iter_rules():
            if not rule.endpoint.startswith("dpo.") or "GET" not in rule.methods:
                continue
            unknown = rule.arguments - values.keys()
            assert not unknown, f"{rule.endpoint}: cannot fill {unknown}; extend this test"
            url = url_for(rule.endpoint, **{k: values[k] for k in rule.arguments})
            urls += [url, url + filters]
    return urls


@pytest.fixture
def decryptions(monkeypatch):
    """Every decryption with a case's data key while the fixture is active."""
    seen: list = []
    original = envelope.decrypt

    def watched(session, blob, place):
        if place.case_id is not None:
            seen.append(place)
        return original(session, blob, place)

    monkeypatch.setattr(envelope, "decrypt", watched)
    return seen


def test_no_dpo_page_shows_any_case_content(app, disclosed, decryptions):
    s = disclosed.scenario
    # the team has worked on the case: its content was read (and decrypted) for them
    for account, path in (
        (s.owner, f"/faelle/{s.case.id}"),
        (s.members[0], f"/tagesordnung/{s.first.item_id}"),
        (s.guest, f"/tagesordnung/{s.first.item_id}"),
    ):
        assert s.clients[account.id].get(path).status_code == 200
    assert decryptions, "the team's pages decrypt the case (the watch works)"
    decryptions.clear()

    plaintexts = _plaintexts(disclosed)
    client = s.clients[s.dpo.id]
    urls = ["/", "/datenschutz/", *_urls(app, disclosed)]
    assert f"/datenschutz/faelle/{s.case.pseudonym}" in urls
    for url in urls:
        response = client.get(url, follow_redirects=True)
        assert response.status_code == 200, url
        body = response.get_data(as_text=True)
        for text in (body, html_module.unescape(body)):
            leaked = [value for value in plaintexts if value in text]
            assert not leaked, f"{url} shows case content: {leaked}"
    assert decryptions == [], "a DPO page decrypted case data"


def test_the_report_is_not_empty_so_the_scan_means_something(disclosed):
    s = disclosed.scenario
    body = s.clients[s.dpo.id].get(f"/datenschutz/faelle/{s.case.pseudonym}")
    text = body.get_data(as_text=True)
    assert s.case.pseudonym in text
    assert 'data-testid="report-line"' in text
