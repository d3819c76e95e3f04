"""Registering, viewing and editing cases through the pages, as the roles would."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from fallteam.audit.models import AuditEvent
from fallteam.cases.models import Case
from fallteam.extensions import db
from fallteam.retention import rules
from tests.conftest import PDF, csrf_token
from tests.documents import valid_pdf

NAMES = ("Krautwurst", "Sabine", "Leonie", "Lindenallee")
TEAM = [{"type": "participant_kind", "value": "member"}]


def _registration(client, **overrides):
    data = {
        "category": "hze",
        "file_number": "AZ-51-2026-0815",
        "members-0-role": "Mutter",
        "members-0-sex": "f",
        "members-0-first_name": "Petra",
        "members-0-last_name": "Oberholz",
        "members-0-birth_date": "1990-02-01",
        "members-0-address": "Birkenweg 4, 14532 Kleinmachnow",
        "members-0-in_household": "y",
        "members-1-role": "Kind",
        "members-1-sex": "m",
        "members-1-first_name": "Tim",
        "members-1-last_name": "Oberholz",
        "members-1-birth_date": "2016-06-30",
        "csrf_token": csrf_token(client),
    }
    data.update(overrides)
    return client.post("/faelle/neu", data=data)


def test_a_fachkraft_registers_a_case_and_gets_a_pseudonym(app, signed_in):
    client, account = signed_in(["fachkraft"])
    response = _registration(client)
    assert response.status_code == 302
    with app.app_context():
        case = db.session.scalars(select(Case).where(Case.case_manager_id == account.id)).one()
        assert case.pseudonym.startswith("FT-") and "Oberholz" not in case.pseudonym
        assert [m.role for m in case.members] == ["Mutter", "Kind"]
        assert case.members[0].last_name == "Oberholz"
    listing = client.get("/faelle").get_data(as_text=True)
    assert case.pseudonym in listing and "Oberholz" in listing


def test_missing_and_impossible_input_gets_german_messages_and_saves_nothing(app, signed_in):
    client, account = signed_in(["fachkraft"])
    page = _registration(client, **{"members-0-role": "", "members-1-birth_date": "2999-01-01"})
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Bitte die Rolle in der Familie wählen." in text
    assert "Das Datum liegt in der Zukunft." in text
    assert 'value="Oberholz"' in text  # what was typed is still there
    empty = client.post("/faelle/neu", data={"category": "hze", "csrf_token": csrf_token(client)})
    assert "Bitte mindestens eine Person der Familie erfassen." in empty.get_data(as_text=True)
    with app.app_context():
        assert (
            db.session.scalars(select(Case).where(Case.case_manager_id == account.id)).all() == []
        )


def test_a_possible_duplicate_is_named_without_saying_whose(app, signed_in):
    first, _ = signed_in(["fachkraft"])
    _registration(first)
    second, other = signed_in(["fachkraft"])
    warned = _registration(second, file_number="anderes AZ")
    text = warned.get_data(as_text=True)
    assert "Möglicherweise ist diese Familie bereits erfasst" in text
    assert "FT-" not in text.split("<main")[1]  # no pseudonym, no owner
    confirmed = _registration(second, file_number="anderes AZ", confirm_duplicate="y")
    assert confirmed.status_code == 302


def test_the_owner_sees_the_family_a_member_only_role_labels(
    app, signed_in, create_account, create_case
):
    owner, owner_account = signed_in(["fachkraft"])
    guest, guest_account = signed_in(["member"])  # a team member without consent
    case = create_case(owner_account, participants=[(guest_account, "member")])
    full = owner.get(f"/faelle/{case.id}").get_data(as_text=True)
    for name in NAMES:
        assert name in full
    pseudonymised = guest.get(f"/faelle/{case.id}")
    text = pseudonymised.get_data(as_text=True)
    assert pseudonymised.status_code == 200
    assert case.pseudonym in text and "Mutter" in text and "Kind 1" in text
    for name in (*NAMES, "Gisela", "AZ-"):
        assert name not in text
    with app.app_context():
        reads = db.session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "read", AuditEvent.object_id == str(case.id)
            )
        ).all()
    assert {r.actor_id for r in reads} >= {owner_account.id, guest_account.id}


def test_another_fachkraft_cannot_open_a_case_by_its_id(
    app, signed_in, create_account, create_case
):
    case = create_case(create_account(["fachkraft"]))
    intruder, account = signed_in(["fachkraft"])
    for path in (
        f"/faelle/{case.id}",
        f"/faelle/{case.id}/bearbeiten",
        f"/faelle/{case.id}/einwilligungen/neu",
        f"/faelle/{case.id}/personen/{case.member_ids[0]}",
    ):
        response = intruder.get(path)
        assert response.status_code == 403, path
        assert "Krautwurst" not in response.get_data(as_text=True)
    with app.app_context():
        refusals = db.session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "refuse", AuditEvent.actor_id == account.id
            )
        ).all()
    assert len(refusals) == 4
    assert {r.object_id for r in refusals} == {str(case.id)}


def test_a_member_of_another_case_cannot_reach_its_parts(
    app, signed_in, create_account, create_case
):
    owner = create_account(["fachkraft"])
    mine, theirs = create_case(owner), create_case(create_account(["fachkraft"]))
    client, _ = signed_in(["fachkraft"], username=None)
    assert client.get(f"/faelle/{theirs.id}/personen/{mine.member_ids[0]}").status_code == 403


def test_a_part_of_another_case_is_not_found_under_this_one(app, signed_in, create_case):
    client, owner = signed_in(["fachkraft"])
    one, two = create_case(owner), create_case(owner)
    assert client.get(f"/faelle/{one.id}/personen/{two.member_ids[0]}").status_code == 404


def test_the_guard_holds_back_a_background_with_a_name(app, signed_in, create_case):
    client, owner = signed_in(["fachkraft"])
    case = create_case(owner)
    page = client.post(
        f"/faelle/{case.id}/bearbeiten",
        data={
            "bg-background": "Frau Krautwurst wirkt erschöpft; Leonie (geb. 4.3.2018) "
            "schläft schlecht.",
            "bg-submit": "1",
            "csrf_token": csrf_token(client),
        },
    )
    text = page.get_data(as_text=True)
    assert "„Krautwurst“" in text and "besser: Mutter" in text
    with app.app_context():
        assert db.session.get(Case, case.id).background_status == "held"
    released = client.post(
        f"/faelle/{case.id}/bearbeiten",
        data={
            "bg-background": "Die Mutter wirkt erschöpft; Kind 1 schläft schlecht.",
            "bg-submit": "1",
            "csrf_token": csrf_token(client),
        },
    )
    assert released.status_code == 302
    with app.app_context():
        assert db.session.get(Case, case.id).background_status == "released"


@pytest.mark.settings(CONSENT_DOCUMENT_MAX_BYTES=4096)
def test_a_consent_with_a_wrong_upload_or_dates_is_refused_on_the_form(app, signed_in, create_case):
    client, owner = signed_in(["fachkraft"])
    case = create_case(owner)

    def submit(document, name, **overrides):
        data = {
            "grantor": str(case.member_ids[0]),
            "grantor_capacity": "sorgeberechtigt",
            "recipient_kinds": ["member"],
            "purposes": ["fallberatung"],
            "data_categories": ["identity"],
            "valid_from": "2026-01-01",
            "form": "schriftlich",
            "csrf_token": csrf_token(client),
            "document": (io.BytesIO(document), name),
        }
        data.update(overrides)
        return client.post(
            f"/faelle/{case.id}/einwilligungen/neu", data=data, content_type="multipart/form-data"
        )

    not_pdf = submit(b"MZ\x90\x00 this is an exe", "entbindung.pdf")
    assert "Bitte ein PDF oder ein Bild (PNG, JPEG) hochladen." in not_pdf.get_data(as_text=True)
    too_big = submit(valid_pdf() + b"0" * 5000, "gross.pdf")
    assert "Die Datei ist zu groß (höchstens 4 KB)." in too_big.get_data(as_text=True)
    backwards = submit(valid_pdf(), "ok.pdf", valid_until="2025-12-31")
    assert "liegt vor ihrem Beginn" in backwards.get_data(as_text=True)
    assert submit(valid_pdf(), "ok.pdf").status_code == 302
    with app.app_context():
        from fallteam.consent.models import Consent

        stored = db.session.scalars(select(Consent).where(Consent.case_id == case.id)).all()
    assert len(stored) == 1


def test_an_empty_consent_document_is_refused_and_the_input_kept(app, signed_in, create_case):
    client, owner = signed_in(["fachkraft"])
    case = create_case(owner)
    page = client.post(
        f"/faelle/{case.id}/einwilligungen/neu",
        data={
            "grantor": str(case.member_ids[0]),
            "grantor_capacity": "sorgeberechtigt",
            "recipient_kinds": ["member"],
            "purposes": ["fallberatung"],
            "data_categories": ["identity"],
            "valid_from": "2026-01-01",
            "valid_until": "2027-06-30",
            "form": "schriftlich",
            "csrf_token": csrf_token(client),
            "document": (io.BytesIO(b""), "entbindung.pdf"),
        },
        content_type="multipart/form-data",
    )
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Die Datei ist leer." in text
    assert 'value="2027-06-30"' in text  # what was typed is still there
    with app.app_context():
        from fallteam.consent.models import Consent

        stored = db.session.scalars(select(Consent).where(Consent.case_id == case.id)).all()
    assert stored == []


@pytest.mark.parametrize(
    ("name", "stored"),
    [
        ("Entbindung\u202efdp.exe", "Entbindungfdp.exe"),
        ("Ent\x00bindung.pdf", "Entbindung.pdf"),
    ],
    ids=["RLO", "NUL"],
)
def test_the_stored_name_of_a_consent_document_is_safe(app, signed_in, create_case, name, stored):
    client, owner = signed_in(["fachkraft"])
    case = create_case(owner)
    page = client.post(
        f"/faelle/{case.id}/einwilligungen/neu",
        data={
            "grantor": str(case.member_ids[0]),
            "grantor_capacity": "sorgeberechtigt",
            "recipient_kinds": ["member"],
            "purposes": ["fallberatung"],
            "data_categories": ["identity"],
            "valid_from": "2026-01-01",
            "form": "schriftlich",
            "csrf_token": csrf_token(client),
            "document": (io.BytesIO(valid_pdf()), name),
        },
        content_type="multipart/form-data",
    )
    assert page.status_code == 302
    with app.app_context():
        from fallteam.consent.models import Consent

        (consent,) = db.session.scalars(select(Consent).where(Consent.case_id == case.id))
        assert consent.document_name == stored


def test_only_the_owner_downloads_the_signed_document(app, signed_in, create_account, create_case):
    owner, owner_account = signed_in(["fachkraft"])
    guest, guest_account = signed_in(["guest"])
    case = create_case(
        owner_account,
        participants=[(guest_account, "guest")],
        consent={"recipients": [{"type": "participant_kind", "value": "guest"}]},
    )
    download = owner.get(f"/einwilligungen/{case.consent_id}/dokument")
    assert download.status_code == 200 and download.data == PDF
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert guest.get(f"/einwilligungen/{case.consent_id}/dokument").status_code == 403


def test_a_revocation_takes_effect_at_once(app, signed_in, create_case):
    owner, owner_account = signed_in(["fachkraft"])
    member, member_account = signed_in(["member"])
    case = create_case(
        owner_account,
        participants=[(member_account, "member")],
        consent={"recipients": [{"type": "participant_kind", "value": "member"}]},
    )
    assert "Krautwurst" in member.get(f"/faelle/{case.id}").get_data(as_text=True)
    response = owner.post(
        f"/einwilligungen/{case.consent_id}/widerrufen",
        data={
            "revoked_on": "2026-11-01",
            "received_by": str(owner_account.id),
            "csrf_token": csrf_token(owner),
        },
    )
    assert response.status_code == 302
    assert "Krautwurst" not in member.get(f"/faelle/{case.id}").get_data(as_text=True)


def test_transferring_the_case_moves_who_sees_the_identity(
    app, signed_in, create_account, create_case
):
    owner, owner_account = signed_in(["fachkraft"])
    successor, successor_account = signed_in(["fachkraft"])
    case = create_case(owner_account)
    response = owner.post(
        f"/faelle/{case.id}/uebertragen",
        data={"tr-new_manager": str(successor_account.id), "csrf_token": csrf_token(owner)},
    )
    assert response.status_code == 302
    assert owner.get(f"/faelle/{case.id}").status_code == 403
    assert "Krautwurst" in successor.get(f"/faelle/{case.id}").get_data(as_text=True)


def test_consents_ending_within_thirty_days_are_listed_for_the_case_manager(
    app, signed_in, create_case
):
    from datetime import timedelta

    from fallteam.core.models import utcnow

    client, owner = signed_in(["fachkraft"])
    soon = create_case(
        owner, consent={"recipients": TEAM, "valid_until": utcnow().date() + timedelta(days=10)}
    )
    later = create_case(
        owner, consent={"recipients": TEAM, "valid_until": utcnow().date() + timedelta(days=90)}
    )
    page = client.get("/faelle").get_data(as_text=True)
    warning = page.split("in den nächsten 30 Tagen enden")[1].split("</section>")[0]
    assert soon.pseudonym in warning
    assert later.pseudonym not in warning


def test_a_date_lies_in_the_future_by_the_offices_calendar_not_the_servers(
    app, signed_in, monkeypatch
):
    """Half past midnight in Berlin is still yesterday on a server that runs on UTC: a child
    born today must be accepted, tomorrow refused (a far-off day, so the server's own date
    can never decide)."""
    half_past_midnight_in_berlin = datetime(2031, 3, 30, 22, 30, tzinfo=UTC)  # 31.03., 00:30
    monkeypatch.setattr(rules, "utcnow", lambda: half_past_midnight_in_berlin)
    client, _ = signed_in(["fachkraft"])
    tomorrow = _registration(client, **{"members-1-birth_date": "2031-04-01"})
    assert "Das Datum liegt in der Zukunft." in tomorrow.get_data(as_text=True)
    assert _registration(client, **{"members-1-birth_date": "2031-03-31"}).status_code == 302
