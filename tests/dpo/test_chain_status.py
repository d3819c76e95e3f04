"""The audit chain on the DPO's start page: when it was last verified and with what result,
the last signed checkpoint and whether it left the database, the newest one kept outside;
"Jetzt prüfen" runs the same verification as ``flask audit verify``; the checkpoints can be
downloaded for keeping outside."""

from __future__ import annotations

import re
import threading
from datetime import timedelta

from sqlalchemy import select

from fallteam.audit import operations
from fallteam.audit.models import AuditEvent, AuditVerification
from fallteam.core.models import utcnow
from fallteam.extensions import db
from tests.audit.conftest import (
    checkpoint_dir,
    cut_tail_and_rewind_head,
    insert_beyond_head,
    run_cli,
    write_events,
)
from tests.conftest import csrf_token, extract_csrf_token, make_account, sign_in


def _dpo_client(app):
    account = make_account(app, ["dpo"])
    client = app.test_client()
    sign_in(client, app, account)
    return client, account


def _status(client) -> str:
    page = client.get("/datenschutz/").get_data(as_text=True)
    return page[page.index('data-testid="chain-status"') :]


def test_the_start_page_says_when_and_how_the_chain_was_last_verified(committed_app):
    committed_app.config["AUDIT_CHECKPOINT_EVERY"] = 10
    client, _ = _dpo_client(committed_app)
    assert "noch nie geprüft" in _status(client)
    write_events(committed_app, 12)
    assert run_cli(committed_app, "audit", "verify").exit_code == 0
    status = _status(client)
    assert "Kommandozeile" in status and "unversehrt" in status
    assert re.search(r"\d+ Ereignisse, \d+ Checkpoints geprüft", status)
    assert "außerhalb der Datenbank abgelegt" in status
    assert re.search(r"Nr\. \d+ vom .*, vor 0 Minuten", status)


def test_the_button_runs_the_verification_and_remembers_who_pressed_it(committed_app):
    committed_app.config["AUDIT_CHECKPOINT_EVERY"] = 10
    client, account = _dpo_client(committed_app)
    write_events(committed_app, 25)
    page = client.get("/datenschutz/").get_data(as_text=True)
    response = client.post(
        "/datenschutz/kette/pruefen", data={"csrf_token": extract_csrf_token(page)}
    )
    assert response.status_code == 302
    shown = client.get("/datenschutz/").get_data(as_text=True)
    assert "Protokoll unversehrt" in shown
    assert f"Schaltfläche, von Test {account.username}" in shown
    with committed_app.app_context():
        run = db.session.scalars(select(AuditVerification)).one()
        assert (run.trigger, run.actor_id, run.intact) == ("button", account.id, True)
        assert run.external_seq is not None
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "verify")).one()
        assert event.actor_id == account.id


def test_the_button_names_a_cut_tail(committed_app):
    committed_app.config["AUDIT_CHECKPOINT_EVERY"] = 10
    client, _ = _dpo_client(committed_app)
    write_events(committed_app, 35)
    with committed_app.app_context():
        head = db.session.execute(select(AuditEvent.seq).order_by(AuditEvent.seq.desc())).first()
    cut_tail_and_rewind_head(committed_app, keep=head.seq - 15)
    token = csrf_token(client)
    client.post("/datenschutz/kette/pruefen", data={"csrf_token": token})
    shown = client.get("/datenschutz/").get_data(as_text=True)
    assert "Protokoll verletzt: erstes betroffenes Ereignis Nr." in shown
    assert "Ende abgeschnitten" in shown
    with committed_app.app_context():
        run = db.session.scalars(select(AuditVerification)).one()
        assert not run.intact and run.first_broken_seq == head.seq - 14


def test_the_button_needs_the_csrf_token(app, signed_in):
    client, _ = signed_in(["dpo"])
    assert client.post("/datenschutz/kette/pruefen").status_code == 400


def test_the_download_holds_every_checkpoint_with_the_key_and_nothing_else(committed_app, tmp_path):
    committed_app.config["AUDIT_CHECKPOINT_EVERY"] = 10
    client, account = _dpo_client(committed_app)
    write_events(committed_app, 25)
    response = client.get("/datenschutz/kette/checkpoints")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["Cache-Control"] == "no-store"
    text = response.get_data(as_text=True)
    labels = {line.split(": ", 1)[0] for line in text.splitlines() if ": " in line}
    assert labels == {"Sequenz", "Kopf-MAC", "Zeit", "Signatur", "Schluessel", "Fingerabdruck"}
    assert "FT-2026" not in text  # no pseudonym, no case data
    kept = tmp_path / "bei-der-dsb.txt"
    kept.write_text(text)
    result = run_cli(
        committed_app, "audit", "verify", "--no-checkpoint-dir", "--external", str(kept)
    )
    assert result.exit_code == 0, result.output
    assert "bei-der-dsb.txt" in result.output
    with committed_app.app_context():
        export = db.session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "export", AuditEvent.object_type == "audit_checkpoints"
            )
        ).one()
        assert export.actor_id == account.id


def test_the_chain_status_costs_the_same_statements_however_long_the_history(
    app, signed_in, count_statements
):
    client, _ = signed_in(["dpo"])
    client.post("/datenschutz/kette/pruefen", data={"csrf_token": csrf_token(client)})
    client.get("/datenschutz/")
    with count_statements() as few:
        client.get("/datenschutz/")
    write_events(app, 30)  # the log grows, and is verified again and again
    for _ in range(3):
        client.post("/datenschutz/kette/pruefen", data={"csrf_token": csrf_token(client)})
    with count_statements() as many:
        assert client.get("/datenschutz/").status_code == 200
    assert len(many) == len(few)


def test_the_button_shows_an_event_slipped_in_beyond_the_head_instead_of_failing(committed_app):
    committed_app.config["AUDIT_CHECKPOINT_EVERY"] = 10
    client, _ = _dpo_client(committed_app)
    write_events(committed_app, 12)
    token = csrf_token(client)
    slipped = insert_beyond_head(committed_app)
    response = client.post("/datenschutz/kette/pruefen", data={"csrf_token": token})
    assert response.status_code == 302
    shown = client.get("/datenschutz/").get_data(as_text=True)
    assert f"Protokoll verletzt: erstes betroffenes Ereignis Nr. {slipped}" in shown
    with committed_app.app_context():
        run = db.session.scalars(select(AuditVerification)).one()
        assert not run.intact and run.first_broken_seq == slipped


def test_others_can_write_while_the_button_verifies(committed_app, monkeypatch):
    client, _ = _dpo_client(committed_app)
    write_events(committed_app, 3)
    token = csrf_token(client)
    verifying, may_finish = threading.Event(), threading.Event()
    real = operations.verify_audit_log

    def paused(*args, **kwargs):
        verifying.set()
        assert may_finish.wait(timeout=20)
        return real(*args, **kwargs)

    monkeypatch.setattr(operations, "verify_audit_log", paused)
    answers = []
    pressing = threading.Thread(
        target=lambda: answers.append(
            client.post("/datenschutz/kette/pruefen", data={"csrf_token": token}).status_code
        )
    )
    pressing.start()
    try:
        assert verifying.wait(timeout=20)
        write_events(committed_app, 1)  # another request's event commits meanwhile
    finally:
        may_finish.set()
        pressing.join()
    assert answers == [302]
    assert "Protokoll unversehrt" in client.get("/datenschutz/").get_data(as_text=True)


def test_a_run_without_its_chain_event_is_shown_as_not_vouched_for(committed_app):
    client, _ = _dpo_client(committed_app)
    write_events(committed_app, 3)
    assert run_cli(committed_app, "audit", "verify").exit_code == 0
    assert "nicht belegt" not in _status(client)
    with committed_app.app_context():
        # someone with database access adds a reassuring run of their own
        now = utcnow() + timedelta(minutes=1)
        db.session.add(
            AuditVerification(
                started_dt=now,
                finished_dt=now,
                trigger="cli",
                intact=True,
                events=3,
                checkpoints=1,
                problems="",
            )
        )
        db.session.commit()
    status = _status(client)
    assert "nicht belegt" in status


def test_a_checkpoint_conflict_shows_on_the_start_page(committed_app):
    committed_app.config["AUDIT_CHECKPOINT_EVERY"] = 10
    client, _ = _dpo_client(committed_app)
    write_events(committed_app, 30)
    cut_tail_and_rewind_head(committed_app, keep=12)
    write_events(committed_app, 25)
    marks = sorted(p.name for p in checkpoint_dir(committed_app).glob("conflict-*.txt"))
    assert marks  # the new chain's checkpoints clash with the kept files
    status = _status(client)
    assert all(mark in status for mark in marks)
    assert "Checkpoint-Konflikt" in status
