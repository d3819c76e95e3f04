"""Exports of the filtered log (``/datenschutz/protokoll.csv`` and ``.json``): streamed, an
attachment, never cached, exactly the filtered events, newest first; every CSV cell that a
spreadsheet would run as a formula gets a leading ``'``; the export itself is audited with
its filter."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from fallteam.audit.models import AuditAction, AuditEvent, Outcome
from fallteam.core.exports import csv_cell
from fallteam.dpo.queries import search
from fallteam.extensions import db
from tests.dpo.audit_log import Entry, write

URL = "/datenschutz/protokoll"


@pytest.fixture
def dpo(signed_in):
    return signed_in(["dpo"])


@pytest.fixture
def person(create_account):
    return create_account(["fachkraft"])


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+49 331 123", "'+49 331 123"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("a=b", "a=b"),
        ("FT-2026-0001", "FT-2026-0001"),
        ("", ""),
        (None, ""),
        (17, "17"),
    ],
)
def test_a_cell_that_starts_like_a_formula_gets_a_leading_quote(value, cell):
    assert csv_cell(value) == cell


def _csv(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def test_the_csv_holds_exactly_the_filtered_events_newest_first(app, dpo, person):
    client, _dpo = dpo
    seqs = write(
        app,
        [Entry(person.id, pseudonym="FT-2026-0007") for _ in range(3)]
        + [Entry(person.id, pseudonym="FT-2026-0008")],
    )
    response = client.get(f"{URL}.csv", query_string={"pseudonym": "FT-2026-0007"})
    assert response.status_code == 200
    assert response.is_streamed
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="protokoll-')
    assert response.headers["Cache-Control"] == "no-store"
    rows = _csv(response)
    assert list(rows[0]) == list(search.EXPORT_COLUMNS)
    assert [int(r["seq"]) for r in rows] == sorted(seqs[:3], reverse=True)
    assert {r["pseudonym"] for r in rows} == {"FT-2026-0007"}
    assert {r["person"] for r in rows} == {f"Test {person.username}"}
    assert {r["aktion"] for r in rows} == {"Lesen"}


def test_formula_cells_are_defused_in_the_csv(app, dpo, person):
    client, _dpo = dpo
    write(
        app,
        [
            Entry(person.id, pseudonym="FT-2026-0009", purpose="=cmd|' /C calc'!A0"),
            Entry(person.id, pseudonym="FT-2026-0009", purpose="+SUM(1)"),
            Entry(person.id, pseudonym="FT-2026-0009", purpose="-1"),
            Entry(person.id, pseudonym="FT-2026-0009", purpose="@A1"),
        ],
    )
    rows = _csv(client.get(f"{URL}.csv", query_string={"pseudonym": "FT-2026-0009"}))
    assert sorted(r["zweck"] for r in rows) == sorted(
        ["'=cmd|' /C calc'!A0", "'+SUM(1)", "'-1", "'@A1"]
    )


def test_the_json_holds_exactly_the_filtered_events(app, dpo, person):
    client, _dpo = dpo
    at = datetime(2026, 7, 1, 22, 30, tzinfo=UTC)  # 00:30 on 2 July in Berlin
    seqs = write(
        app,
        [
            Entry(person.id, AuditAction.REFUSE, "FT-2026-0010", Outcome.DENIED, at=at),
            Entry(person.id, pseudonym="FT-2026-0010", at=at),
        ],
    )
    response = client.get(
        f"{URL}.json", query_string={"pseudonym": "FT-2026-0010", "outcome": "denied"}
    )
    assert response.status_code == 200 and response.is_streamed
    assert response.mimetype == "application/json"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="protokoll-')
    events = json.loads(response.get_data(as_text=True))
    assert [e["seq"] for e in events] == [seqs[0]]
    assert set(events[0]) == set(search.EXPORT_COLUMNS)
    assert events[0]["ergebnis"] == "verweigert"
    assert events[0]["zeit"] == "2026-07-02T00:30:00+02:00"


def test_an_empty_export_is_valid(dpo):
    client, _dpo = dpo
    response = client.get(f"{URL}.json", query_string={"pseudonym": "FT-1999-0000"})
    assert json.loads(response.get_data(as_text=True)) == []
    assert _csv(client.get(f"{URL}.csv", query_string={"pseudonym": "FT-1999-0000"})) == []


@pytest.mark.parametrize("ending", ["csv", "json"])
def test_the_export_is_audited_with_its_filter(app, dpo, person, ending):
    client, account = dpo
    params = {"actor": str(person.id), "outcome": "denied", "since": "2026-01-01"}
    client.get(f"{URL}.{ending}", query_string=params).get_data()
    with app.app_context():
        event = db.session.scalar(
            select(AuditEvent)
            .where(AuditEvent.actor_id == account.id, AuditEvent.action == AuditAction.EXPORT)
            .order_by(AuditEvent.seq.desc())
        )
    assert event is not None and event.object_type == "audit_log"
    assert json.loads(event.details) == {"filter": params, "format": ending}


def test_the_export_walks_the_log_in_batches(app, person):
    seqs = write(app, [Entry(person.id, pseudonym="FT-2026-0011") for _ in range(23)])
    with app.test_request_context():
        rows = list(search.iter_audit_events(search.AuditFilter(pseudonym="FT-2026-0011"), batch=5))
    assert [r.seq for r in rows] == sorted(seqs, reverse=True)


def test_the_export_costs_the_same_statements_for_5_and_200_events(
    app, dpo, person, count_statements
):
    client, _dpo = dpo

    def statements() -> int:
        with count_statements() as sent:
            client.get(f"{URL}.csv").get_data()
        return len(sent)

    write(app, [Entry(person.id, pseudonym="FT-2026-0012") for _ in range(5)])
    few = statements()
    write(app, [Entry(person.id, pseudonym="FT-2026-0012") for _ in range(195)])
    assert statements() == few
