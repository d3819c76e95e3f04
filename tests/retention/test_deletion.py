"""A confirmed deletion on an instance whose data is really stored: after the run, nothing of
the case decrypts (neither what is left in its rows nor values copied before), the
certificate exists without any of its plaintext, and the audit chain still verifies."""

from __future__ import annotations

import json
from datetime import date, timedelta

from sqlalchemy import select

from fallteam.audit.models import AuditEvent
from fallteam.auth.models import User
from fallteam.cases import operations as cases
from fallteam.cases.models import Case, FamilyMember
from fallteam.consent import operations as consents
from fallteam.crypto import envelope
from fallteam.crypto.envelope import SHREDDED
from fallteam.crypto.models import DataKey
from fallteam.extensions import db
from fallteam.meetings.models import AgendaItem, Meeting
from fallteam.protocols.models import CaseProtocol
from fallteam.retention import rules
from fallteam.retention.models import DeletionCertificate, DeletionProposal
from fallteam.teams import operations as teams
from tests.conftest import PDF, csrf_token, make_account, sign_in
from tests.retention.conftest import close, register, run_retention, stored_values

#: plaintext of the case that must be gone everywhere after the deletion
PLAINTEXT = (
    "Krautwurst",
    "Sabine",
    "Leonie",
    "Lindenallee",
    "1988-05-14",
    "2018-03-04",
    "AZ-51-4711",
    "Oma Gisela",
    "Schulwechsel nach Teltow",
    "entbindung.pdf",
    "Akte an Archiv",
    "Vater wird neu einbezogen",
)


def _fill(app, case_id) -> None:
    """Everything a case can own: genogram, resource map, background, a consent with its
    signed document, a past session's agenda item with its Fallprotokoll."""
    from datetime import time

    with app.app_context():
        case = db.session.get(Case, case_id)
        owner = db.session.get(User, case.case_manager_id)
        mother, father, first, _second = case.members
        cases.add_relation(case, "separated", mother, father)
        cases.add_resource(case, kind="person", quality="strong", label="Oma Gisela Krautwurst")
        cases.set_background(case, "Schulwechsel nach Teltow steht an.")
        consents.record_consent(
            case,
            consents.ConsentData(
                grantor=mother,
                grantor_capacity="sorgeberechtigt",
                custody_for=[first],
                recipients=[{"type": "participant_kind", "value": "member"}],
                purposes=["fallberatung"],
                data_categories=["identity"],
                valid_from=date(2019, 1, 1),
                valid_until=None,
                form="schriftlich",
                document=PDF,
                document_name="entbindung.pdf",
            ),
            actor=owner,
        )
        team = teams.create_team(
            name="Fallteam Teltow",
            region="Teltow",
            rhythm="weekly",
            weekday=2,
            start_time=time(9, 0),
            duration_minutes=180,
            place="Rathaus",
            registration_deadline_days=1,
            rhythm_anchor=date(2019, 1, 2),
        )
        db.session.flush()
        meeting = Meeting(
            team_id=team.id,
            starts_dt=case.created_dt - timedelta(days=7 * 365),
            ends_dt=case.created_dt - timedelta(days=7 * 365) + timedelta(hours=3),
            place="Rathaus",
        )
        db.session.add(meeting)
        db.session.flush()
        item = AgendaItem(
            meeting_id=meeting.id,
            case_id=case.id,
            presenter_id=owner.id,
            registered_by_id=owner.id,
            method="kollegiale_beratung",
            question="Wie wird der Vater wird neu einbezogen?",
            presentation="Vater wird neu einbezogen.",
        )
        db.session.add(item)
        db.session.flush()
        db.session.add(
            CaseProtocol(
                item_id=item.id,
                case_id=case.id,
                status="finalised",
                version=1,
                sections={"ergebnis": "Vater wird neu einbezogen."},
                content_hash="0" * 64,
            )
        )
        db.session.commit()


def test_after_confirmation_and_the_run_nothing_of_the_case_decrypts(committed_app):
    app = committed_app
    owner = make_account(app, ["fachkraft"])
    dpo = make_account(app, ["dpo"])
    case_id = register(app, owner.id, category="sonstige")
    _fill(app, case_id)
    with app.app_context():
        closed_on = rules.today() - timedelta(days=6 * 366)
    close(app, case_id, closed_on)

    proposed = run_retention(app)
    assert proposed.exit_code == 0, proposed.output
    with app.app_context():
        case = db.session.get(Case, case_id)
        pseudonym = case.pseudonym
        assert f"zur Löschung vorgeschlagen: {pseudonym}" in proposed.output
        proposal = db.session.scalar(
            select(DeletionProposal).where(DeletionProposal.case_id == case_id)
        )
        assert proposal.status == "proposed"
        before = stored_values(case_id)
        tables = {v.place.table for v in before}
        assert {"cases", "family_members", "consents", "agenda_items", "case_protocols"} <= tables
        assert all(envelope.decrypt(db.session, v.blob, v.place) is not SHREDDED for v in before)

    # the DPO, the second person, confirms on the retention page
    client = app.test_client()
    sign_in(client, app, dpo)
    page = client.get("/datenschutz/loeschungen")
    assert pseudonym in page.get_data(as_text=True)
    confirmed = client.post(
        f"/datenschutz/loeschungen/{proposal.id}/bestaetigen",
        data={"csrf_token": csrf_token(client)},
    )
    assert confirmed.status_code == 302
    with app.app_context():
        assert db.session.get(DeletionProposal, proposal.id).status == "confirmed"

    deleted = run_retention(app)
    assert deleted.exit_code == 0, deleted.output
    assert f"gelöscht: {pseudonym}" in deleted.output

    with app.app_context():
        envelope.forget_cached_keys()
        # every value copied before fails with the destroyed key
        assert [envelope.decrypt(db.session, v.blob, v.place) for v in before] == [SHREDDED] * len(
            before
        )
        # and whatever the case's remaining rows still hold does not decrypt either
        assert all(
            envelope.decrypt(db.session, v.blob, v.place) is SHREDDED
            for v in stored_values(case_id)
        )
        keys = db.session.scalars(select(DataKey).where(DataKey.owner_id == case_id)).all()
        assert keys and all(k.wrapped_key is None and k.destroyed_dt for k in keys)
        # rows removed, the case itself a tombstone with its pseudonym
        assert (
            db.session.scalars(select(FamilyMember).where(FamilyMember.case_id == case_id)).all()
            == []
        )
        tombstone = db.session.get(Case, case_id)
        assert tombstone.pseudonym == pseudonym and tombstone.deleted_dt is not None
        assert tombstone.file_number is None and tombstone.background is None
        certificate = db.session.scalar(
            select(DeletionCertificate).where(DeletionCertificate.case_id == case_id)
        )
        assert certificate is not None
        assert certificate.confirmed_by_id == dpo.id
        assert certificate.keys_destroyed == len(keys)
        # the family's size is not on the certificate
        assert certificate.rows_removed["family"] == "Familie entfernt"
        assert "family_members" not in certificate.rows_removed
        assert certificate.rows_removed["consents"] == 1
        assert certificate.deletion_due_on == rules.add_years(closed_on, 5)
        assert db.session.get(DeletionProposal, proposal.id).status == "done"
        # the audit log keeps the pseudonym and no plaintext
        events = db.session.scalars(
            select(AuditEvent).where(AuditEvent.object_id == str(case_id))
        ).all()
        assert {e.action for e in events} >= {"create", "update", "shred", "delete"}
        assert {e.case_pseudonym for e in events} == {pseudonym}
        certificate_id = certificate.id

    shown = client.get(f"/datenschutz/loeschungen/nachweise/{certificate_id}")
    download = client.get(f"/datenschutz/loeschungen/nachweise/{certificate_id}.json")
    assert shown.status_code == 200 and download.status_code == 200
    document = json.loads(download.get_data(as_text=True))
    assert document["fall"] == pseudonym and document["bestaetigt_von"]["id"] == str(dpo.id)
    with app.app_context():
        log = " ".join(f"{e.purpose} {e.details}" for e in db.session.scalars(select(AuditEvent)))
    for text in (shown.get_data(as_text=True), download.get_data(as_text=True), log):
        for secret in PLAINTEXT:
            assert secret not in text, secret

    verified = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert verified.exit_code == 0, verified.output

    # the owner finds the case gone: out of her list, its page refused
    owner_client = app.test_client()
    sign_in(owner_client, app, owner)
    assert pseudonym not in owner_client.get("/faelle").get_data(as_text=True)
    assert owner_client.get(f"/faelle/{case_id}").status_code == 403
