"""A crash in the middle of a request (SIGKILL to gunicorn's master and workers at once, as a
power cut of the app host) loses nothing that was acknowledged and leaves nothing half
written: under a load of autosaves and audited case-list reads, one request is held just
before its COMMIT (everything sent: rows, audit events, checkpoint) and the server is killed
then, the other requests caught wherever they are. After a restart:

- every save the writer was answered (200 to an autosave, the redirect to a form post) is
  there, with exactly the text sent;
- each Fallprotokoll is whole: its version is its newest revision, every revision has its
  UPDATE event, the held save left nothing;
- every case-list page that was shown left its read events (one per case), the held one none;
- the file (SQLite) is sound with every foreign key satisfied, the chain is contiguous and
  ``flask audit verify`` passes (checkpoint files included);
- the application started anew serves what the database holds of each saved protocol.
"""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass, field

import pytest
from sqlalchemy import func, select

from fallteam.audit.models import AuditEvent
from fallteam.extensions import db
from tests.audit.conftest import restarted
from tests.conftest import sign_in
from tests.faults.conftest import (
    Browser,
    assert_chain_contiguous,
    assert_protocol_whole,
    assert_storage_intact,
    events_of_requests,
    forget_connections,
    instance_of,
    protocol_state,
    run_to_end,
    sign_in_over_http,
)
from tests.faults.stall import STALL_HEADER, STALLING


@dataclass
class Load:
    """What the clients sent and what they were told."""

    stop: threading.Event = field(default_factory=threading.Event)
    #: (protocol id, version, text) of every save answered 200
    saved: list = field(default_factory=list)
    #: request ids of every case list answered 200
    shown: list = field(default_factory=list)
    #: unexpected answers (status, body start)
    unexpected: list = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _keep_saving(load: Load, browser: Browser, protocol_id, token: str, stalled: bool) -> None:
    version, n = 1, 0
    while not load.stop.is_set():
        n += 1
        text = f"Fassung {n}: Die Mutter sucht Unterstützung beim Schulwechsel von Kind 1."
        headers = {"X-CSRFToken": token}
        if stalled:
            headers[STALL_HEADER] = "1"
        try:
            answer = browser.post(
                f"/protokolle/{protocol_id}/entwurf",
                json_body={"version": version, "sections": {"hypothesen": text}},
                headers=headers,
                timeout=60,
            )
        except OSError:
            return  # the server died under the request: not acknowledged
        if answer.status == 200:
            version = answer.json()["version"]
            with load.lock:
                load.saved.append((protocol_id, version, text))
        else:
            with load.lock:
                load.unexpected.append((answer.status, answer.text[:300]))
        if stalled:
            return


def _keep_saving_form(load: Load, browser: Browser, protocol_id, token: str) -> None:
    """The edit page's form: a save is acknowledged by the redirect back to the page."""
    version, n = 1, 0
    while not load.stop.is_set():
        n += 1
        text = f"Formular {n}: Die Schule von Kind 1 wird angesprochen."
        try:
            answer = browser.post(
                f"/protokolle/{protocol_id}",
                form={"version": version, "hypothesen": text, "csrf_token": token},
                timeout=60,
            )
        except OSError:
            return
        if answer.status == 302 and answer.headers["Location"].endswith(str(protocol_id)):
            version += 1  # this client is the protocol's only editor
            with load.lock:
                load.saved.append((protocol_id, version, text))
        else:
            with load.lock:
                load.unexpected.append((answer.status, answer.text[:300]))


def _keep_listing(load: Load, browser: Browser, stalled: bool) -> None:
    while not load.stop.is_set():
        try:
            answer = browser.get(
                "/faelle", headers={STALL_HEADER: "1"} if stalled else None, timeout=60
            )
        except OSError:
            return
        if answer.status == 200:
            with load.lock:
                load.shown.append(answer.headers["X-Request-ID"])
        else:
            with load.lock:
                load.unexpected.append((answer.status, answer.text[:300]))
        if stalled:
            return


def _reads_per_list_page(app) -> dict[str, int]:
    with app.app_context():
        rows = db.session.execute(
            select(AuditEvent.request_id, func.count())
            .where(AuditEvent.purpose == "Fallliste")
            .group_by(AuditEvent.request_id)
        ).all()
    return dict(rows)


@pytest.mark.slow
@pytest.mark.parametrize("held", ["save", "case_list"])
def test_a_crash_mid_request_loses_nothing_acknowledged_and_leaves_nothing_half_written(
    app, team_session, live_server, flask_command, size, held
):
    cases = size.pick(4, 8)
    setting = team_session(cases)
    # a checkpoint every few events: files are written all the time the crash can hit
    instance = instance_of(app, AUDIT_CHECKPOINT_EVERY=7)
    server = live_server(instance, module=STALLING, workers=2)

    writer = server.browser()
    sign_in_over_http(writer, app, setting.writer)
    token = writer.csrf(f"/protokolle/{setting.protocol_ids[0]}")
    owner = server.browser()
    sign_in_over_http(owner, app, setting.owner)

    load = Load()
    # the first protocol is saved through the form, the last only by the held request
    form, free, reserved = (
        setting.protocol_ids[0],
        setting.protocol_ids[1:-1],
        setting.protocol_ids[-1],
    )
    workers = [
        threading.Thread(target=_keep_saving, args=(load, writer.copy(), pid, token, False))
        for pid in free
    ] + [
        threading.Thread(target=_keep_saving_form, args=(load, writer.copy(), form, token)),
        threading.Thread(target=_keep_listing, args=(load, owner.copy(), False)),
    ]
    for worker in workers:
        worker.start()
    held_thread = None
    try:
        deadline = time.monotonic() + 60
        while (
            len(load.saved) < size.pick(8, 40)
            or len(load.shown) < size.pick(3, 15)
            or not any(saved[0] == form for saved in load.saved)
        ):
            assert time.monotonic() < deadline, (load.saved, load.shown, load.unexpected)
            time.sleep(0.05)
        held_thread = (
            threading.Thread(target=_keep_saving, args=(load, writer.copy(), reserved, token, True))
            if held == "save"
            else threading.Thread(target=_keep_listing, args=(load, owner.copy(), True))
        )
        held_thread.start()
        assert instance.stalled(), server.log_tail()
        # the other requests are caught at a random point of their own work
        time.sleep(random.uniform(0.0, 0.3))
    finally:
        server.kill()
        load.stop.set()
        for worker in [*workers, *([held_thread] if held_thread else [])]:
            worker.join(timeout=60)

    assert not load.unexpected
    forget_connections(app)
    assert_storage_intact(app)

    for protocol_id in setting.protocol_ids:
        assert_protocol_whole(protocol_state(app, protocol_id))
    for protocol_id, version, text in load.saved:
        assert protocol_state(app, protocol_id).revisions[version]["hypothesen"] == text
    if held == "save":
        # the held save was sent entirely and never committed: not a trace of it
        assert protocol_state(app, reserved).version == 1

    for events in events_of_requests(app, load.shown).values():
        assert len(events) == cases and all(e.purpose == "Fallliste" for e in events)
    # every list page that left reads left all of them, shown or not (the held one: none)
    assert set(_reads_per_list_page(app).values()) == {cases}
    assert_chain_contiguous(app)

    code, output = run_to_end(flask_command(instance, "audit", "verify"))
    assert code == 0, output

    if held != "save":
        return
    # the application started anew on what the crash left serves each saved protocol
    with restarted(app) as fresh:
        reader = fresh.test_client()
        sign_in(reader, fresh, setting.writer)
        for protocol_id in {saved[0] for saved in load.saved}:
            page = reader.get(f"/protokolle/{protocol_id}")
            assert page.status_code == 200
            shown = page.get_data(as_text=True)
            assert protocol_state(app, protocol_id).sections["hypothesen"] in shown
