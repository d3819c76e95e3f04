"""On the embedded SQLite database two people working at once never see "database is locked":
a request takes the write lock only when it writes, so reading pages do not queue behind a
writer, and pages that record their read (an audit event) wait for the lock instead of
failing. Runs on a real database file with real commits, clients in threads."""

from __future__ import annotations

import sqlite3
import threading
from collections import Counter
from collections.abc import Iterator

import pytest
from flask import Flask

from fallteam.auth.models import User
from fallteam.cases import operations as cases
from fallteam.extensions import db
from tests.conftest import extract_csrf_token, family_of_four, make_account, make_app, sign_in

ROUNDS = 15


@pytest.fixture
def file_app(tmp_path) -> Iterator[Flask]:
    """An application on its own SQLite file; its commits are real."""
    application = make_app(tmp_path, f"sqlite:///{tmp_path / 'fallteam.sqlite3'}")
    application.config["DATABASE_FILE"] = tmp_path / "fallteam.sqlite3"
    yield application
    with application.app_context():
        db.engine.dispose()


def register_cases(app: Flask, owner_id, count: int) -> list:
    with app.app_context():
        owner = db.session.get(User, owner_id)
        made = [
            cases.register_case(
                owner,
                category="hze",
                child_protection=False,
                file_number=f"AZ-{n}",
                members=family_of_four(),
            ).id
            for n in range(count)
        ]
        db.session.commit()
        return made


def signed_in_client(app: Flask, account):
    client = app.test_client()
    sign_in(client, app, account)
    return client


def test_a_reading_page_answers_while_another_transaction_holds_the_write_lock(file_app):
    account = make_account(file_app, ["fachkraft", "member"])
    client = signed_in_client(file_app, account)
    writer = sqlite3.connect(file_app.config["DATABASE_FILE"], isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # another worker in the middle of a write
    try:
        start = client.get("/")
        meetings = client.get("/sitzungen")
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert start.status_code == 200
    assert meetings.status_code == 200


def test_two_clients_reading_and_writing_at_once_never_fail(file_app):
    fachkraft = make_account(file_app, ["fachkraft", "member"])
    colleague = make_account(file_app, ["fachkraft", "member"])
    own = register_cases(file_app, fachkraft.id, 30)
    theirs = register_cases(file_app, colleague.id, 3)
    readers = signed_in_client(file_app, fachkraft)
    writers = signed_in_client(file_app, colleague)
    statuses: Counter = Counter()
    failures: list[str] = []
    lock = threading.Lock()

    def note(response, what: str) -> None:
        with lock:
            statuses[response.status_code] += 1
            body = response.get_data(as_text=True)
            if response.status_code >= 400 or "database is locked" in body:
                failures.append(f"{what}: {response.status_code}")

    def read() -> None:
        for n in range(ROUNDS):
            note(readers.get("/faelle"), "GET /faelle")
            note(readers.get(f"/faelle/{own[n % len(own)]}"), "GET case")  # records a read
            note(readers.get("/"), "GET /")

    def write() -> None:
        for n in range(ROUNDS):
            case_id = theirs[n % len(theirs)]
            page = writers.get(f"/faelle/{case_id}/bearbeiten")
            note(page, "GET edit")
            response = writers.post(
                f"/faelle/{case_id}/bearbeiten",
                data={
                    "category": "hze",
                    "file_number": f"AZ-neu-{n}",
                    "submit": "Speichern",
                    "csrf_token": extract_csrf_token(page.get_data(as_text=True)),
                },
            )
            note(response, "POST edit")

    threads = [threading.Thread(target=read), threading.Thread(target=write)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    assert failures == []
    assert statuses[302] == ROUNDS  # every edit was saved
    with file_app.app_context():
        from fallteam.cases.models import Case

        assert db.session.get(Case, theirs[(ROUNDS - 1) % 3]).file_number == f"AZ-neu-{ROUNDS - 1}"
