"""Every form of every POST route, fuzzed: never a 500, never a partial save.

Each route is reached by a principal allowed to use it, on the route × role test's sample
objects. The fuzzer watches which forms the route builds (a first empty POST, and the page's
GET where there is one), takes a value a person could send for every field, and lets
hypothesis replace some of them by garbage of every kind (control characters, 100,000
characters, wrong types, unknown choices, bytes that are no UTF-8), leave fields out, send
them twice, and add unknown ones. Rules:

- never a 500, and nothing logged as an unhandled error;
- a refused submission (4xx, the form shown again with errors, an error message) leaves
  every table as it was, the audit log's aside;
- an accepted one saved what was sent: a sent text found in a saved row is that text (the
  app may trim it), and nothing saved holds a NUL.
"""

from __future__ import annotations

import io
import json
from contextlib import contextmanager

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from fallteam.core.forms import BaseForm
from tests.fuzz.conftest import (
    PENDING,
    PENDING_SETUP,
    all_rows,
    changed_rows,
    saved_objects,
    snapshot,
)
from tests.fuzz.forms import (
    FieldSpec,
    field_specs,
    hostile,
    raw_bytes,
    texts,
    urlencoded,
    valid_upload,
)

#: every POST route and who submits its form (a principal the route table lets in, or one
#: halfway through signing in); a new POST route fails the coverage test until listed here
FUZZED = {
    "admin.add_institution": "admin",
    "admin.create_user": "admin",
    "admin.deactivate_institution": "admin",
    "admin.deactivate_user": "admin",
    "admin.edit_institution": "admin",
    "admin.edit_user": "admin",
    "admin.reactivate_institution": "admin",
    "admin.reactivate_user": "admin",
    "admin.reset_password": "admin",
    "admin.reset_second_factor": "admin",
    "agenda.add_document": "fachkraft",
    "agenda.add_guest": "fachkraft",
    "agenda.add_late_item": "member",
    "agenda.add_outside_guest": "fachkraft",
    "agenda.edit_item": "fachkraft",
    "agenda.register_case": "fachkraft",
    "agenda.remove_document": "fachkraft",
    "agenda.remove_guest": "fachkraft",
    "agenda.withdraw_item": "fachkraft",
    "auth.change_password": "fachkraft",
    "auth.renew_recovery_codes": "fachkraft",
    "auth.set_up_second_factor": PENDING_SETUP,
    "auth.sign_in": "anonymous",
    "auth.sign_out": "fachkraft",
    "auth.use_recovery_code": PENDING,
    "auth.verify_second_factor": PENDING,
    "cases.add_member": "fachkraft",
    "cases.add_participant": "fachkraft",
    "cases.add_relation": "fachkraft",
    "cases.add_resource": "fachkraft",
    "cases.close_case": "fachkraft",
    "cases.delete_relation": "fachkraft",
    "cases.delete_resource": "fachkraft",
    "cases.edit_case": "fachkraft",
    "cases.edit_member": "fachkraft",
    "cases.end_participant": "fachkraft",
    "cases.mark_disputed": "fachkraft",
    "cases.register_case": "fachkraft",
    "cases.reopen_case": "fachkraft",
    "cases.transfer_case": "fachkraft",
    "consent.correct_consent": "fachkraft",
    "consent.record_consent": "fachkraft",
    "consent.revoke_consent": "fachkraft",
    "dpo.verify_chain": "dpo",
    "home.set_language": "fachkraft",
    "mail.create_calendar_feed": "fachkraft",
    "mail.revoke_calendar_feed": "fachkraft",
    "meetings.assign_writer": "member",
    "meetings.cancel_meeting": "member",
    "meetings.confirm_pledge": "fachkraft",
    "meetings.edit_topic": "member",
    "meetings.generate_meetings": "admin",
    "meetings.mark_attendance": "member",
    "meetings.mark_item_attendance": "member",
    "meetings.move_meeting": "member",
    "meetings.move_phase": "member",
    "meetings.plan_moderation": "admin",
    "meetings.propose_writers": "member",
    "meetings.publish_moderation": "admin",
    "meetings.register_topic": "member",
    "meetings.reorder_agenda": "member",
    "meetings.send_invitation": "member",
    "meetings.settle_method": "member",
    "meetings.toggle_clock": "member",
    "meetings.withdraw_topic": "member",
    "protocols.add_addendum": "member",
    "protocols.add_team_addendum": "member",
    "protocols.autosave": "member",
    "protocols.excerpt": "fachkraft",
    "protocols.finalise_protocol": "member",
    "protocols.finalise_team_protocol": "member",
    "protocols.open_for_item": "member",
    "protocols.show_protocol": "member",
    "protocols.show_team_protocol": "member",
    "protocols.submit_protocol": "member",
    "reports.download_dpo_subject_access": "dpo",
    "reports.download_owner_subject_access": "fachkraft",
    "reports.dpo_subject_access": "dpo",
    "reports.owner_subject_access": "fachkraft",
    "resubmissions.agree_in_protocol": "member",
    "resubmissions.case_resubmissions": "fachkraft",
    "resubmissions.deal_in_protocol": "member",
    "resubmissions.record_outcome": "fachkraft",
    "retention.approve_restriction": "dpo",
    "retention.confirm_proposal": "dpo",
    "retention.confirm_team_protocol_proposal": "dpo",
    "retention.decline_restriction": "dpo",
    "retention.give_reason": "fachkraft",
    "retention.lift_restriction": "dpo",
    "retention.reject_proposal": "dpo",
    "retention.reject_team_protocol_proposal": "dpo",
    "retention.request_restriction": "fachkraft",
    "retention.restrict_case": "dpo",
    "teams.add_absence": "admin",
    "teams.add_member": "admin",
    "teams.create_team": "admin",
    "teams.remove_member": "admin",
}

#: inputs a view reads beside its forms (``request.form``), with a value a person would send
EXTRA_INPUTS = {"retention.restrict_case": {"pseudonym": "pseudonym"}}

#: tables a refusal changes on purpose: confirming a deletion proposal that no longer holds
#: withdraws it (with the reason) and says so as an error
CHANGED_ON_REFUSAL = {
    "retention.confirm_proposal": {"deletion_proposals"},
    "retention.confirm_team_protocol_proposal": {"team_protocol_deletion_proposals"},
}

#: the JSON route: its body is fuzzed as JSON, not as a form
JSON_ROUTES = {"protocols.autosave"}

FUZZ_SETTINGS = {
    "deadline": None,
    "derandomize": True,
    "database": None,
    "suppress_health_check": [
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
}


def test_every_post_route_is_fuzzed(app):
    posted = {r.endpoint for r in app.url_map.iter_rules() if "POST" in r.methods}
    assert posted - set(FUZZED) == set(), "POST routes the fuzzer does not know (add to FUZZED)"
    assert set(FUZZED) - posted == set(), "FUZZED lists routes the application does not serve"


@contextmanager
def forms_built() -> list[BaseForm]:
    """The forms the application builds while the block runs."""
    built: list[BaseForm] = []
    original = BaseForm.__init__

    def watching(self, *args, **kwargs):
        original(self, *args, **kwargs)
        built.append(self)

    BaseForm.__init__ = watching
    try:
        yield built
    finally:
        BaseForm.__init__ = original


def refused(response, body: bytes, client, forms) -> bool:
    """Whether the answer refuses the submission: a 4xx, a form with errors, an error
    message (shown on the page, or waiting in the session after a redirect)."""
    if response.status_code >= 400:
        return True
    if any(form.errors for form in forms):
        return True
    if b"flash-error" in body:
        return True
    with client.session_transaction() as session:
        return any(category == "error" for category, _ in session.get("_flashes", []))


def _assert_saved_as_sent(app, changed, sent: list[str]) -> None:
    """A saved text that contains a sent value (long enough to be no coincidence) is it."""
    marked = [value for value in sent if len(value.strip()) >= 12]
    for values in saved_objects(app, changed):
        for name, saved in values.items():
            assert "\x00" not in saved, f"NUL saved in {name}"
            for value in marked:
                if value.strip() in saved and saved != value.strip():
                    # deliberate normalisations: surrounding blanks, CR LF to LF
                    assert saved == value.strip().replace("\r\n", "\n"), (name, saved, value)


def _field_value(data, spec, choice: str):
    if choice == "hostile":
        return [data.draw(st.one_of(hostile(spec), raw_bytes()), label=spec.name)]
    if choice == "duplicate":
        valid = list(spec.valid or ("y",))
        return valid[:1] + [data.draw(st.one_of(hostile(spec), st.just(valid[0])))]
    return list(spec.valid or ())


def _draw_form(data, specs, upload: bytes):
    """One generated submission: (pairs of name and value, files, the texts sent)."""
    pairs: list[tuple[str, str | bytes]] = []
    files: dict[str, tuple] = {}
    sent: list[str] = []
    # a browser sends the button that was pressed, one of the page's forms' buttons
    buttons = [s.name for s in specs if s.kind == "submit"]
    pressed = data.draw(st.sampled_from(buttons), label="button") if buttons else None
    for spec in specs:
        if spec.kind == "submit" and spec.name != pressed:
            continue
        choice = data.draw(
            st.sampled_from(["keep", "keep", "hostile", "hostile", "omit", "duplicate"]),
            label=f"{spec.name}?",
        )
        if choice == "omit":
            continue
        if spec.kind == "file":
            content = upload if choice == "keep" else data.draw(st.binary(max_size=64))
            files[spec.name] = (io.BytesIO(content), data.draw(texts) or "d.pdf")
            continue
        for value in _field_value(data, spec, choice):
            pairs.append((spec.name, value))
            if isinstance(value, str):
                sent.append(value)
    for _ in range(data.draw(st.integers(0, 2), label="extra fields")):
        pairs.append((data.draw(texts.filter(bool)), data.draw(texts)))
    return pairs, files, sent


def _send(client, url: str, pairs, files):
    if files:
        # multipart: werkzeug encodes text as UTF-8, so undecodable bytes go as Latin-1;
        # encoded here in memory (the test client spools big bodies to a file it never closes)
        fields = MultiDict(
            [(k, v.decode("latin-1") if isinstance(v, bytes) else v) for k, v in pairs]
        )
        for name, (stream, filename) in files.items():
            fields.add(name, FileStorage(stream, filename, content_type="application/pdf"))
        boundary, body = encode_multipart(fields)
        return client.post(url, data=body, content_type=f"multipart/form-data; boundary={boundary}")
    return client.post(
        url, data=urlencoded(pairs), content_type="application/x-www-form-urlencoded"
    )


def _discover(world, endpoint: str, savepoint) -> list:
    """The fields of the forms the route builds (its page's GET prefills them)."""
    url = world.url(endpoint)
    password = world.account.password if world.account else ""
    rule = next(r for r in world.app.url_map.iter_rules() if r.endpoint == endpoint)
    with savepoint():
        with forms_built() as posted:
            world.client().post(url, data={}).close()
        specs = field_specs(posted, password)
    if "GET" in rule.methods:
        with savepoint():
            with forms_built() as shown:
                world.client().get(url).close()
            prefilled = {s.name: s for s in field_specs(shown, password)}
        specs = [prefilled.get(s.name, s) for s in specs]
    return specs


json_scalars = st.none() | st.booleans() | st.integers() | st.floats() | texts
json_values = st.one_of(
    json_scalars,
    st.lists(json_scalars, max_size=3),
    st.dictionaries(texts, json_scalars | st.lists(json_scalars, max_size=2), max_size=3),
)


def _draw_json(data) -> bytes:
    """An autosave body: mostly the right shape with hostile texts, sometimes anything."""
    shape = data.draw(st.sampled_from(["right", "right", "any", "broken"]))
    if shape == "broken":
        return data.draw(st.sampled_from([b"{", b"\xff\xfe", b"[1,", b"nul", b'{"version":']))
    if shape == "any":
        return json.dumps(data.draw(json_values)).encode()
    sections = data.draw(
        st.dictionaries(
            st.sampled_from(["falldarstellung", "hypothesen", "fragestellung", "zzz", "\x00"]),
            st.one_of(texts, hostile(FieldSpec("section", "multiline"))),
            max_size=3,
        )
    )
    body = {"version": data.draw(st.sampled_from([1, 1, 0, 2, -1, 2**70])), "sections": sections}
    if data.draw(st.booleans()):
        body["risk_assessment"] = data.draw(json_values)
    return json.dumps(body).encode()


@pytest.mark.settings(WTF_CSRF_ENABLED=False)
@pytest.mark.parametrize("endpoint", sorted(FUZZED))
def test_form_survives_hostile_input(app, world, savepoint, logged_errors, size, endpoint):
    world = world(endpoint, FUZZED[endpoint])
    url = world.url(endpoint)
    specs = [] if endpoint in JSON_ROUTES else _discover(world, endpoint, savepoint)
    extras = {name: world.values[key] for name, key in EXTRA_INPUTS.get(endpoint, {}).items()}
    upload = valid_upload()

    @settings(max_examples=size.pick(4, 60), **FUZZ_SETTINGS)
    @given(data=st.data())
    def submit(data):
        with savepoint() as connection:
            before = snapshot(connection)
            rows = all_rows(connection)
            client = world.client()
            with forms_built() as forms:
                if endpoint in JSON_ROUTES:
                    sent: list[str] = []
                    response = client.post(
                        url, data=_draw_json(data), content_type="application/json"
                    )
                else:
                    pairs, files, sent = _draw_form(data, specs, upload)
                    pairs += [(k, str(v)) for k, v in extras.items()]
                    response = _send(client, url, pairs, files)
            body = response.get_data()
            response.close()
            unhandled = [r.getMessage() for r in logged_errors]
            logged_errors.clear()
            assert response.status_code < 500, (response.status_code, unhandled)
            assert not unhandled
            if refused(response, body, client, forms):
                after = snapshot(connection)
                changed = sorted(
                    t
                    for t in before
                    if before[t] != after[t] and t not in CHANGED_ON_REFUSAL.get(endpoint, ())
                )
                assert changed == [], f"refused with {response.status_code}, yet saved {changed}"
            else:
                _assert_saved_as_sent(app, changed_rows(connection, rows), sent)

    submit()
