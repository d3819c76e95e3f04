"""Saves that really happen at the same time (two requests in two threads, each with its own
session and database connection, on a database whose commits are real): of two saves from the
same version exactly one wins, the other gets the 409 with the winner's text, exactly one
revision of the new version exists; a save that loaded the draft before it was submitted and
finalised never changes the finalised protocol.

A barrier holds each request after it loaded the protocol and before the save operation runs,
so both work from the same version. On SQLite the writers queue (BEGIN IMMEDIATE: the second
request waits for the lock before it loads anything), so the barrier there only waits briefly;
on PostgreSQL both requests really hold the same version at once."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import func, select

from fallteam.extensions import db
from fallteam.protocols import operations
from fallteam.protocols.models import ProtocolRevision, ProtocolStatus
from fallteam.protocols.rules import content_hash
from tests.protocols.conftest import stored

pytestmark = pytest.mark.settings(WTF_CSRF_ENABLED=False)

FIRST = {"hypothesen": "Kind 1 braucht Sicherheit."}
SECOND = {"hypothesen": "Die Mutter braucht Entlastung."}
SUBMITTED_TEXT = {"hypothesen": "Schulbegleitung prüfen.", "empfehlung": "Gespräch mit der Mutter."}


@pytest.fixture
def app(committed_app) -> Flask:
    """This module's requests run on their own database with real commits (the suite's
    rolled-back outer transaction would put every request on one connection)."""
    return committed_app


@pytest.fixture
def _isolated_database() -> Iterator[None]:
    """No outer transaction here: each thread's request uses its own connection."""
    yield


def _patience(app: Flask) -> float:
    """How long a request waits for the other at the barrier: on SQLite the other one queues
    for the write lock behind the waiting one, so it only waits a moment."""
    with app.app_context():
        return 0.5 if db.engine.dialect.name == "sqlite" else 10.0


def _hold_save_draft(monkeypatch, before) -> None:
    """Every autosave request calls ``before()`` after loading the protocol, then saves."""
    original = operations.save_draft

    def held(*args, **kwargs):
        before()
        return original(*args, **kwargs)

    monkeypatch.setattr(operations, "save_draft", held)


def _in_threads(*jobs) -> list:
    results: list = [None] * len(jobs)

    def run(index, job) -> None:
        try:
            results[index] = job()
        except BaseException as exc:  # surfaced by the assertions
            results[index] = exc

    threads = [threading.Thread(target=run, args=(n, job)) for n, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def _revisions(app: Flask, protocol_id, version: int) -> int:
    with app.app_context():
        return db.session.scalar(
            select(func.count()).where(
                ProtocolRevision.protocol_id == protocol_id, ProtocolRevision.version == version
            )
        )


def test_of_two_simultaneous_saves_from_one_version_exactly_one_wins(
    app, setting, client_of, monkeypatch
):
    first, second = client_of(setting.writer), client_of(setting.writer)
    url = f"/protokolle/{setting.protocol_id}/entwurf"
    loaded = stored(app, setting.protocol_id).version
    barrier = threading.Barrier(2)
    patience = _patience(app)

    def both_loaded() -> None:
        try:
            barrier.wait(timeout=patience)
        except threading.BrokenBarrierError:
            pass  # SQLite: the other request waits for the write lock

    _hold_save_draft(monkeypatch, both_loaded)

    answers = _in_threads(
        lambda: first.post(url, json={"version": loaded, "sections": FIRST}),
        lambda: second.post(url, json={"version": loaded, "sections": SECOND}),
    )

    codes = [a.status_code for a in answers]
    assert sorted(codes) == [200, 409], codes
    won, lost = (answers[0], answers[1]) if codes[0] == 200 else (answers[1], answers[0])
    winner = FIRST if won is answers[0] else SECOND
    loser = SECOND if winner is FIRST else FIRST
    assert won.get_json() == {"version": loaded + 1}
    body = lost.get_json()
    assert body["server"]["version"] == loaded + 1
    assert body["server"]["sections"]["hypothesen"] == winner["hypothesen"]
    assert body["yours"]["sections"] == loser
    protocol = stored(app, setting.protocol_id)
    assert protocol.version == loaded + 1
    assert protocol.sections["hypothesen"] == winner["hypothesen"]
    assert _revisions(app, setting.protocol_id, loaded + 1) == 1
    assert _revisions(app, setting.protocol_id, loaded + 2) == 0


def test_a_save_that_loaded_the_draft_before_it_was_finalised_changes_nothing(
    app, setting, client_of, monkeypatch
):
    writer, other_tab = client_of(setting.writer), client_of(setting.writer)
    moderator = client_of(setting.moderator)
    base = f"/protokolle/{setting.protocol_id}"
    saved = other_tab.post(f"{base}/entwurf", json={"version": 1, "sections": SUBMITTED_TEXT})
    assert saved.status_code == 200
    loaded = stored(app, setting.protocol_id).version
    is_loaded, finalised = threading.Event(), threading.Event()
    patience = _patience(app)

    def wait_for_finalising() -> None:
        is_loaded.set()
        finalised.wait(timeout=patience)

    _hold_save_draft(monkeypatch, wait_for_finalising)

    def late_save():
        return writer.post(f"{base}/entwurf", json={"version": loaded, "sections": FIRST})

    def submit_and_finalise():
        is_loaded.wait(timeout=10)
        try:
            return (
                other_tab.post(f"{base}/einreichen").status_code,
                moderator.post(f"{base}/abschliessen").status_code,
            )
        finally:
            finalised.set()

    save, steps = _in_threads(late_save, submit_and_finalise)

    protocol = stored(app, setting.protocol_id)
    assert protocol.status == ProtocolStatus.FINALISED, (save, steps)
    # whichever came first, the finalised protocol is exactly what its hash seals
    assert protocol.content_hash == content_hash(
        setting.item_id, "kollegiale_beratung", protocol.sections or {}
    )
    if save.status_code == 200:  # SQLite: the save queued first, then submit and finalise
        assert protocol.sections["hypothesen"] == FIRST["hypothesen"]
    else:
        assert save.status_code == 422, save.get_json()
        assert protocol.sections["hypothesen"] == SUBMITTED_TEXT["hypothesen"]
        assert protocol.version == loaded
        assert _revisions(app, setting.protocol_id, loaded + 1) == 0
