"""The DPO sees no case content anywhere: every page the DPO may open (every GET route the
role × route table grants the ``dpo`` principal, found in the URL map, so routes added later
are covered too: the workspace, the audit search and its exports, the reports, the Art. 15
overview, the record of processing, Löschfristen and deletion certificates), opened as the
DPO after a scenario with known plaintext — a case worked on in two sessions, a second case
deleted and a third whose restriction waits for the DPO — show none of it, and no case's
data key decrypts anything while they are served."""

from __future__ import annotations

import html as html_module
from datetime import timedelta

import pytest

from fallteam.core.models import utcnow
from fallteam.crypto import envelope
from tests.access.route_table import EXPECTED, OK
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


#: pages the DPO reaches that belong to signing in or to the DPO's own account and calendar
NOT_ABOUT_CASES = ("static", "auth.", "home.check_health", "meetings.confirm_pledge", "mail.")


def _dpo_endpoints() -> list[str]:
    """Every endpoint the role × route table lets the DPO GET."""
    return [
        endpoint
        for endpoint, methods in EXPECTED.items()
        if methods.get("GET", {}).get("dpo") == OK and not endpoint.startswith(NOT_ABOUT_CASES)
    ]


def _urls(app, disclosed, retained) -> list[str]:
    """Every GET page the DPO may open, its parameters filled from the scenario, once
    plainly and once with the filters the DPO's pages take; fails on a parameter it cannot
    fill (a new route must be added here, not skipped)."""
    s = disclosed.scenario
    values = {
        "pseudonym": s.case.pseudonym,
        "user_id": s.owner.id,
        "actor_id": s.owner.id,
        "account_id": s.owner.id,
        "certificate_id": retained["certificate_id"],
        "case_id": retained["restricted_case_id"],
        "proposal_id": retained["proposal_id"],
        "team_certificate_id": retained["team_certificate_id"],
    }
    today = utcnow().date()
    filters = (
        f"?pseudonym={s.case.pseudonym}&actor={s.owner.id}"
        f"&since={(today - timedelta(days=2)).isoformat()}&until={today.isoformat()}"
    )
    urls = []
    with app.test_request_context():
        from flask import url_for

        endpoints = set(_dpo_endpoints())
        assert {"dpo.case_report", "reports.show_processing_record"} <= endpoints
        for rule in app.url_map.iter_rules():
            if rule.endpoint not in endpoints or "GET" not in rule.methods:
                continue
            unknown = rule.arguments - values.keys()
            assert not unknown, f"{rule.endpoint}: cannot fill {unknown}; extend this test"
            url = url_for(rule.endpoint, **{k: values[k] for k in rule.arguments})
            urls += [url, url + filters]
    return urls


@pytest.fixture
def retained(app, disclosed, monkeypatch) -> dict:
    """Two more cases of the owner with the same family: one closed six years ago, proposed,
    confirmed by the DPO and deleted (its certificate), one whose restriction the owner
    asked for (waiting for the DPO), and a proposal still open for a third; and the first
    session's Teamprotokoll deleted at its date (its certificate)."""
    from fallteam.auth.models import User
    from fallteam.cases.models import Case
    from fallteam.extensions import db
    from fallteam.retention import operations as retention
    from fallteam.retention.rules import today
    from tests.retention.conftest import close, register

    s = disclosed.scenario
    deleted = register(app, s.owner.id, category="sonstige")
    pending = register(app, s.owner.id, category="sonstige")
    restricted = register(app, s.owner.id, category="sonstige")
    with app.app_context():
        six_years_ago = today() - timedelta(days=6 * 366)
    for case_id in (deleted, pending):
        close(app, case_id, six_years_ago)
    with app.app_context():
        proposals = {p.case_id: p for p in retention.propose_deletions(today())}
        retention.confirm_proposal(proposals[deleted], actor=db.session.get(User, s.dpo.id))
        done = retention.delete_case(proposals[deleted])
        retention.request_restriction(
            db.session.get(Case, restricted),
            reason=next(iter(_restriction_reasons())),
            actor=db.session.get(User, s.owner.id),
        )
        db.session.commit()
        team_certificate = _team_protocol_deleted(s, monkeypatch)
        return {
            "team_certificate_id": team_certificate.id,
            "certificate_id": done.certificate.id,
            "proposal_id": proposals[pending].id,
            "restricted_case_id": restricted,
        }


def _team_protocol_deleted(s, monkeypatch):
    """The first session's Teamprotokoll (kept by its moderator) deleted at its date."""
    from sqlalchemy import select

    from fallteam.auth.models import User
    from fallteam.extensions import db
    from fallteam.meetings.models import Meeting
    from fallteam.meetings.rules import meeting_day
    from fallteam.protocols.models import TeamProtocol
    from fallteam.retention import operations as retention
    from fallteam.retention import rules

    meeting = db.session.get(Meeting, s.first.meeting_id)
    kept = db.session.scalar(select(TeamProtocol).where(TeamProtocol.meeting_id == meeting.id))
    if kept is None:
        db.session.add(TeamProtocol(meeting_id=meeting.id, notes="Kurznotiz der Moderation"))
        db.session.flush()
    due = rules.team_protocol_deletion_date(meeting_day(meeting))
    with monkeypatch.context() as patched:
        patched.setattr(rules, "today", lambda: due)
        (proposal,) = retention.propose_team_protocol_deletions(due)
        retention.confirm_team_protocol_proposal(proposal, actor=db.session.get(User, s.dpo.id))
        certificate = retention.delete_team_protocol(proposal)
    db.session.commit()
    return certificate


def _restriction_reasons():
    from fallteam.retention.rules import RestrictionReason

    return [reason.value for reason in RestrictionReason]


def _text_of(response) -> str:
    """What a person reads in the response: a PDF's extracted text, else the body."""
    if response.mimetype == "application/pdf":
        import io

        from pypdf import PdfReader

        return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages)
    return response.get_data(as_text=True)


@pytest.fixture
def decryptions(monkeypatch):
    """Every decryption with a case's data key while the fixture is active."""
    seen: list = []
    original = envelope.decrypt

    def watched(session, blob, place, keys=None):
        if place.case_id is not None:
            seen.append(place)
        return original(session, blob, place, keys)

    monkeypatch.setattr(envelope, "decrypt", watched)
    return seen


def test_no_dpo_page_shows_any_case_content(app, disclosed, retained, decryptions):
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
    urls = ["/", "/datenschutz/", *_urls(app, disclosed, retained)]
    assert f"/datenschutz/faelle/{s.case.pseudonym}" in urls
    assert f"/datenschutz/loeschungen/nachweise/{retained['certificate_id']}" in urls
    assert any(str(retained["team_certificate_id"]) in url for url in urls)
    for url in urls:
        response = client.get(url, follow_redirects=True)
        assert response.status_code == 200, url
        body = _text_of(response)
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
