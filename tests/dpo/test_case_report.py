"""The per-case access report lists exactly the reads that happened, by person and session,
with what allowed them; refusals apart; unknown pseudonyms get a clear answer."""

from __future__ import annotations

import re
from collections import Counter

from fallteam.audit.models import AuditAction, Outcome
from fallteam.audit.operations import record
from fallteam.auth.models import User
from fallteam.dpo.queries.case_report import CASE_MANAGER, GUEST, case_report
from fallteam.extensions import db


def _report(app, pseudonym):
    with app.test_request_context():
        return case_report(pseudonym)


def _reads(report) -> Counter:
    """Read counts by (person, session id) as the report shows them."""
    shown = Counter()
    for person in report.people:
        for group in person.sessions:
            for line in group.lines:
                if line.action == AuditAction.READ:
                    session = group.session.id if group.session else None
                    shown[(person.actor_id, session)] += line.count
    return shown


def test_the_report_lists_exactly_the_reads_that_happened_by_person_and_session(
    app, worked_scenario
):
    s = worked_scenario
    report = _report(app, s.case.pseudonym)

    assert _reads(report) == s.reads
    # nobody else appears, and the DPO's own look is not yet in it (the fixtures' setup
    # acted without anyone signed in: those changes have no actor)
    assert {p.actor_id for p in report.people if p.actor_id} == {
        s.owner.id,
        s.members[0].id,
        s.members[1].id,
        s.guest.id,
    }
    assert report.refusals == []


def test_each_read_names_what_allowed_it(app, worked_scenario):
    s = worked_scenario
    report = _report(app, s.case.pseudonym)
    bases = {
        (p.actor_id, line.basis)
        for p in report.people
        for g in p.sessions
        for line in g.lines
        if line.action == AuditAction.READ
    }
    assert (s.owner.id, CASE_MANAGER) in bases
    # each member read the session they moderate; a consent in force adds itself to the basis
    for member in s.members:
        assert {b.split(", ")[0] for a, b in bases if a == member.id} == {"Moderation"}
    assert {b.split(", ")[0] for a, b in bases if a == s.guest.id} == {GUEST}


def test_the_page_shows_people_sessions_and_the_reads(app, worked_scenario):
    s = worked_scenario
    page = s.clients[s.dpo.id].get(f"/datenschutz/faelle/{s.case.pseudonym}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    people = re.findall(r'data-testid="report-person" data-actor="([^"]+)"', html)
    assert sorted(people) == sorted(str(a.id) for a in (s.owner, *s.members, s.guest))
    for account in (s.owner, *s.members, s.guest):
        assert f"Test {account.username}" in html
    assert "außerhalb einer Sitzung" in html
    known = [
        section
        for section in html.split('data-testid="report-person"')[1:]
        if not section.startswith(' data-actor=""')
    ]
    headings = sum(section.count('data-testid="report-session"') for section in known)
    assert headings == len(s.reads)  # one per person and session they read in
    counts = sum(
        int(n)
        for n in re.findall(
            r'data-testid="report-line" data-action="read"[^>]*data-count="(\d+)"', html
        )
    )
    assert counts == sum(s.reads.values())


def test_the_dpos_look_is_recorded_and_shown_the_next_time(app, worked_scenario):
    s = worked_scenario
    client = s.clients[s.dpo.id]
    client.get(f"/datenschutz/faelle/{s.case.pseudonym}")
    report = _report(app, s.case.pseudonym)
    dpo = next(p for p in report.people if p.actor_id == s.dpo.id)
    (line,) = [line for g in dpo.sessions for line in g.lines]
    assert (line.object_type, line.count) == ("access_report", 1)


def test_a_read_naming_no_session_belongs_to_the_session_whose_window_it_used(app, dpo_scenario):
    # an older event, or the case page through a window granted by hand: the participation
    # windows end with the session day, so the read prepares the first session
    s = dpo_scenario
    with app.test_request_context():
        record(
            AuditAction.READ,
            object_type="case",
            object_id=s.case.id,
            case_pseudonym=s.case.pseudonym,
            actor=db.session.get(User, s.members[1].id),
        )
        db.session.commit()
    report = _report(app, s.case.pseudonym)
    assert _reads(report) == {(s.members[1].id, s.first.meeting_id): 1}


def test_refusals_are_listed_apart(app, dpo_scenario):
    s = dpo_scenario
    with app.test_request_context():
        intruder = db.session.get(User, s.members[1].id)
        for _ in range(2):
            record(
                AuditAction.REFUSE,
                outcome=Outcome.DENIED,
                purpose="case.read_pseudonymised",
                object_type="case",
                object_id=s.case.id,
                case_pseudonym=s.case.pseudonym,
                actor=intruder,
            )
        db.session.commit()
    report = _report(app, s.case.pseudonym)
    (refused,) = report.refusals
    assert refused.actor_id == s.members[1].id
    assert refused.count == 2
    assert all(p.actor_id != s.members[1].id for p in report.people)


def test_consents_that_released_data_are_named_by_recipients_and_dates(app, dpo_scenario):
    s = dpo_scenario
    with app.test_request_context():
        reader = db.session.get(User, s.members[0].id)
        record(
            AuditAction.READ,
            object_type="case",
            object_id=s.case.id,
            case_pseudonym=s.case.pseudonym,
            actor=reader,
            details={"basis": "Einwilligung", "consent_ids": [str(s.case.consent_id)]},
        )
        db.session.commit()
    report = _report(app, s.case.pseudonym)
    person = next(p for p in report.people if p.actor_id == s.members[0].id)
    (line,) = [line for g in person.sessions for line in g.lines]
    assert (line.basis, line.basis_derived) == ("Einwilligung", False)
    (consent,) = line.consents
    assert consent.id == s.case.consent_id
    assert consent.recipients == ("Mitglieder des Fallteams",)
    page = s.clients[s.dpo.id].get(f"/datenschutz/faelle/{s.case.pseudonym}")
    assert f"Schweigepflichtsentbindung {str(s.case.consent_id)[:8]}" in page.get_data(as_text=True)


def test_an_unknown_pseudonym_is_answered_in_german(dpo_scenario):
    s = dpo_scenario
    client = s.clients[s.dpo.id]
    page = client.get("/datenschutz/faelle/FT-1999-9999")
    assert page.status_code == 404
    assert "gibt es weder einen Fall noch einen Eintrag" in page.get_data(as_text=True)
    page = client.get("/datenschutz/faelle", query_string={"pseudonym": "  "})
    assert page.status_code == 302
    followed = client.get(page.headers["Location"])
    assert "Bitte ein Pseudonym angeben" in followed.get_data(as_text=True)


def test_the_workspace_form_leads_to_the_report(dpo_scenario):
    s = dpo_scenario
    client = s.clients[s.dpo.id]
    page = client.get("/datenschutz/faelle", query_string={"pseudonym": s.case.pseudonym.lower()})
    assert page.headers["Location"].endswith(f"/datenschutz/faelle/{s.case.pseudonym}")


def _many_reads(app, case, readers, n):
    with app.test_request_context():
        users = [db.session.get(User, r.id) for r in readers]
        for i in range(n):
            record(
                AuditAction.READ,
                object_type="case",
                object_id=case.id,
                case_pseudonym=case.pseudonym,
                actor=users[i % len(users)],
                purpose="Fallberatung",
            )
        db.session.commit()


def test_the_report_costs_the_same_statements_for_5_and_300_events(
    app, dpo_scenario, create_case, count_statements
):
    s = dpo_scenario
    other = create_case(s.owner)
    readers = [s.owner, s.members[0], s.members[1]]
    _many_reads(app, s.case, readers, 5)
    _many_reads(app, other, readers, 300)
    client = s.clients[s.dpo.id]
    with count_statements() as few:
        assert client.get(f"/datenschutz/faelle/{s.case.pseudonym}").status_code == 200
    with count_statements() as many:
        assert client.get(f"/datenschutz/faelle/{other.pseudonym}").status_code == 200
    assert len(few) == len(many)
