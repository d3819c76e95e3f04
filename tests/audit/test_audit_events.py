"""Every sign-in, refusal and account change leaves an event, in the same transaction."""

from __future__ import annotations

from flask_login import login_user
from sqlalchemy import select

from fallteam.audit.models import AuditAction, AuditEvent
from fallteam.audit.operations import record, record_each
from fallteam.auth.models import User
from fallteam.cases.models import Case
from fallteam.extensions import db
from tests.conftest import KITA_FACHBERATUNG, csrf_token, submit_password


def _events(app, action: AuditAction | None = None) -> list[AuditEvent]:
    with app.app_context():
        query = select(AuditEvent).order_by(AuditEvent.seq)
        if action:
            query = query.where(AuditEvent.action == action.value)
        events = db.session.scalars(query).all()
        db.session.expunge_all()
        return events


def test_a_sign_in_is_recorded_with_actor_request_and_address(app, signed_in):
    _, account = signed_in(["fachkraft"])
    (event,) = [e for e in _events(app, AuditAction.SIGN_IN) if e.actor_id == account.id]
    assert event.outcome == "allowed"
    assert event.actor_roles == "fachkraft"
    assert event.object_type == "user" and event.object_id == str(account.id)
    assert len(event.request_id) == 32 and event.client_address == "127.0.0.1"
    assert event.details == '{"second_factor":"totp"}'


def test_a_failed_sign_in_is_recorded_without_the_typed_name(app, client, create_account):
    account = create_account(["member"])
    typed = "geheimes-Passwort-im-Namensfeld"
    for username in (account.username, typed):
        submit_password(client, username, "falsch-falsch")
    failed = _events(app, AuditAction.SIGN_IN_FAILED)
    assert [e.details for e in failed[-2:]] == [
        '{"reason":"password"}',
        '{"reason":"unknown_account"}',
    ]
    assert failed[-2].object_id == str(account.id) and failed[-1].object_id is None
    assert all(e.outcome == "denied" for e in failed)
    for event in _events(app):
        assert typed not in " ".join(str(v) for v in vars(event).values())


def test_the_tenth_failure_records_a_lockout(app, client, create_account):
    account = create_account(["member"])
    for _ in range(10):
        submit_password(client, account.username, "x")
    lockouts = [e for e in _events(app, AuditAction.LOCKOUT) if e.object_id == str(account.id)]
    assert len(lockouts) == 1


def test_a_refusal_is_recorded_although_the_request_rolls_back(app, signed_in):
    client, account = signed_in(["member"])
    assert client.get("/admin/benutzer").status_code == 403
    (refusal,) = [e for e in _events(app, AuditAction.REFUSE) if e.actor_id == account.id]
    assert refusal.outcome == "denied"
    assert refusal.purpose == "admin.users.manage"
    assert refusal.details == '{"endpoint":"admin.list_users","method":"GET"}'


def test_admin_changes_are_recorded(app, signed_in, create_account, institution_id):
    admin, admin_account = signed_in(["admin"])
    target = create_account(["member"], institution=KITA_FACHBERATUNG)
    admin.post(
        f"/admin/benutzer/{target.id}",
        data={
            "display_name": "Neuer Name",
            "email": "neu@example.org",
            "roles": ["member", "guest"],
            "institution_id": str(institution_id(KITA_FACHBERATUNG)),
            "csrf_token": csrf_token(admin),
        },
    )
    admin.post(f"/admin/benutzer/{target.id}/deaktivieren", data={"csrf_token": csrf_token(admin)})
    actions = [
        (e.action, e.details)
        for e in _events(app)
        if e.object_id == str(target.id) and e.actor_id == admin_account.id
    ]
    assert actions == [
        (
            "account_update",
            '{"fields":["display_name","email","roles"],'
            '"roles_after":["guest","member"],"roles_before":["member"]}',
        ),
        ("account_deactivate", "{}"),
    ]


def test_a_failing_request_leaves_no_event(app, client, monkeypatch):
    from fallteam.audit.operations import record

    def failing_view():
        record(AuditAction.EXPORT, object_type="case", object_id="x")
        raise RuntimeError("boom")

    monkeypatch.setitem(app.view_functions, "home.check_health", failing_view)
    before = len(_events(app))
    assert client.get("/healthz").status_code == 500
    assert len(_events(app)) == before


def test_sequence_numbers_have_no_gaps(app, signed_in):
    signed_in(["member"])
    signed_in(["guest"])
    seqs = [e.seq for e in _events(app)]
    assert seqs == list(range(1, len(seqs) + 1))


def test_a_rolled_back_savepoint_drops_only_its_own_events(app):
    from fallteam.audit.operations import record

    with app.app_context():
        record(AuditAction.EXPORT, object_type="case", object_id="kept", actor=None)
        savepoint = db.session.begin_nested()
        record(AuditAction.EXPORT, object_type="case", object_id="dropped", actor=None)
        savepoint.rollback()
        db.session.commit()
    ids = [e.object_id for e in _events(app, AuditAction.EXPORT)]
    assert "kept" in ids and "dropped" not in ids


def test_events_recorded_for_several_rows_at_once_read_as_single_records_would(
    app, create_account, create_case
):
    owner = create_account(["fachkraft"])
    made = [create_case(owner) for _ in range(3)]
    details = {"fields": ["member_names"], "basis": "fallführend"}
    with app.test_request_context("/faelle", environ_base={"REMOTE_ADDR": "10.1.2.3"}):
        login_user(db.session.get(User, owner.id))
        first, *others = [db.session.get(Case, case.id) for case in made]
        record(AuditAction.READ, first, purpose="Fallliste", details=details)
        record_each(AuditAction.READ, others, purpose="Fallliste", details=details)
        record_each(AuditAction.READ, [], purpose="Fallliste")  # nothing shown, nothing read
        db.session.commit()
    single, *batch = _events(app, AuditAction.READ)[-3:]
    alike = ("actor_id", "actor_roles", "action", "object_type", "purpose", "outcome")
    for event in batch:
        assert {f: getattr(event, f) for f in alike} == {f: getattr(single, f) for f in alike}
        assert (event.details, event.client_address) == (single.details, "10.1.2.3")
    assert [(e.object_id, e.case_pseudonym) for e in [single, *batch]] == [
        (str(case.id), case.pseudonym) for case in made
    ]
