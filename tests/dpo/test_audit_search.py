"""The DPO's audit search (``/datenschutz/protokoll``): each filter narrows to exactly the
events it names; pages are 50 events, newest first, and stay the same while new events
arrive; the page costs the same number of statements for 5 events as for 200; a wrong filter
gets a German message on the form, never an error page."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from fallteam.audit.models import AuditAction, Outcome
from tests.dpo.audit_log import Entry, next_before, shown_seqs, write

URL = "/datenschutz/protokoll"


@pytest.fixture
def dpo(signed_in):
    client, _account = signed_in(["dpo"])
    return client


@pytest.fixture
def people(create_account):
    return create_account(["fachkraft"]), create_account(["member"])


@pytest.fixture
def log(app, people):
    """A small log: two people, two cases, reads, a change, an export, refusals, a read of
    consent-released data, over three office days."""
    alice, bob = people
    day = lambda d, h=10: datetime(2026, 3, d, h, 0, tzinfo=UTC)  # noqa: E731
    entries = {
        "alice_read_a": Entry(alice.id, pseudonym="FT-2026-0001", at=day(2)),
        "alice_update_a": Entry(alice.id, AuditAction.UPDATE, "FT-2026-0001", at=day(3)),
        "alice_refused_b": Entry(
            alice.id, AuditAction.REFUSE, "FT-2026-0002", Outcome.DENIED, at=day(3)
        ),
        "bob_read_b": Entry(bob.id, pseudonym="FT-2026-0002", at=day(3)),
        "bob_consent_read_a": Entry(
            bob.id,
            pseudonym="FT-2026-0001",
            at=day(4),
            details={
                "basis": "Gast (eingeladen), Schweigepflichtsentbindung",
                "consent_ids": ["c-1"],
            },
        ),
        "bob_export_a": Entry(bob.id, AuditAction.EXPORT, "FT-2026-0001", at=day(4)),
        # 23:30 UTC on 4 March is 00:30 on 5 March in Berlin
        "bob_late_refused": Entry(
            bob.id,
            AuditAction.REFUSE,
            "FT-2026-0001",
            Outcome.DENIED,
            at=day(4, 23).replace(minute=30),
        ),
    }
    seqs = write(app, list(entries.values()))
    return dict(zip(entries, seqs, strict=True))


def _found(dpo, **params) -> list[int]:
    response = dpo.get(URL, query_string=params)
    assert response.status_code == 200
    return shown_seqs(response.get_data(as_text=True))


def _expected(log, *names) -> list[int]:
    return sorted((log[n] for n in names), reverse=True)


def test_the_person_filter_finds_exactly_that_persons_events(dpo, log, people):
    alice, _bob = people
    found = _found(dpo, actor=str(alice.id), since="2026-03-01")
    assert found == _expected(log, "alice_read_a", "alice_update_a", "alice_refused_b")


def test_the_pseudonym_filter_finds_exactly_that_cases_events(dpo, log):
    assert _found(dpo, pseudonym="FT-2026-0002") == _expected(log, "alice_refused_b", "bob_read_b")


def test_a_pseudonym_typed_in_small_letters_with_spaces_finds_the_case(dpo, log):
    assert _found(dpo, pseudonym=" ft-2026-0002 ") == _expected(
        log, "alice_refused_b", "bob_read_b"
    )


def test_the_action_filter_finds_exactly_that_action(dpo, log):
    assert _found(dpo, action="export") == _expected(log, "bob_export_a")
    assert _found(dpo, action="update", pseudonym="FT-2026-0001") == _expected(
        log, "alice_update_a"
    )


def test_refused_only_finds_exactly_the_refusals(dpo, log):
    assert _found(dpo, outcome="denied") == _expected(log, "alice_refused_b", "bob_late_refused")


def test_the_period_counts_in_office_days(dpo, log):
    assert _found(dpo, since="2026-03-03", until="2026-03-03") == _expected(
        log, "alice_update_a", "alice_refused_b", "bob_read_b"
    )
    # 23:30 UTC on 4 March belongs to 5 March in Berlin
    assert _found(dpo, since="2026-03-05", until="2026-03-05") == _expected(log, "bob_late_refused")
    assert log["bob_late_refused"] not in _found(dpo, since="2026-03-04", until="2026-03-04")


def test_consent_reads_finds_exactly_the_reads_of_consent_released_data(dpo, log):
    assert _found(dpo, consent_reads="1") == _expected(log, "bob_consent_read_a")


def test_filters_combine(dpo, log, people):
    _alice, bob = people
    found = _found(dpo, actor=str(bob.id), pseudonym="FT-2026-0001", outcome="denied")
    assert found == _expected(log, "bob_late_refused")


def test_the_page_shows_names_roles_labels_and_basis(dpo, log, app, people):
    alice, _bob = people
    html = dpo.get(URL, query_string={"pseudonym": "FT-2026-0001"}).get_data(as_text=True)
    assert f"Test {alice.username}" in html  # staff by name
    assert "Zugriff verweigert" in html and "Export" in html  # actions in words
    assert "Gast (eingeladen), Schweigepflichtsentbindung" in html
    assert "04.03.2026" in html or "05.03.2026" in html  # office time


def test_pages_are_fifty_newest_first_and_stay_stable_while_events_arrive(dpo, app, people):
    alice, _bob = people
    seqs = write(app, [Entry(alice.id, pseudonym="FT-2026-0100") for _ in range(120)])
    first = dpo.get(URL, query_string={"pseudonym": "FT-2026-0100"}).get_data(as_text=True)
    assert shown_seqs(first) == sorted(seqs, reverse=True)[:50]
    before = next_before(first)
    second = shown_seqs(
        dpo.get(URL, query_string={"pseudonym": "FT-2026-0100", "before": before}).get_data(
            as_text=True
        )
    )
    # new events arrive between the pages
    write(app, [Entry(alice.id, pseudonym="FT-2026-0100") for _ in range(30)])
    again = dpo.get(URL, query_string={"pseudonym": "FT-2026-0100", "before": before})
    assert shown_seqs(again.get_data(as_text=True)) == second == sorted(seqs, reverse=True)[50:100]
    third = dpo.get(
        URL,
        query_string={
            "pseudonym": "FT-2026-0100",
            "before": next_before(again.get_data(as_text=True)),
        },
    ).get_data(as_text=True)
    assert shown_seqs(third) == sorted(seqs, reverse=True)[100:]
    assert next_before(third) is None


def test_a_page_costs_the_same_statements_for_5_and_200_events(
    dpo, app, count_statements, create_account
):
    actors = [create_account(["member"]) for _ in range(4)]

    def statements() -> int:
        with count_statements() as sent:
            assert dpo.get(URL).status_code == 200
        return len(sent)

    write(app, [Entry(actors[i % 4].id, pseudonym=f"FT-2026-{i:04d}") for i in range(5)])
    few = statements()
    write(app, [Entry(actors[i % 4].id, pseudonym=f"FT-2026-{i:04d}") for i in range(195)])
    many = statements()
    assert few == many
    assert many <= 10
