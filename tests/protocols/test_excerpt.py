"""The Protokollauszug: a signed PDF of one finalised Fallprotokoll for its case's
fallführende Fachkraft, with nothing of any other case, role labels unless real names are
chosen (an audited export), recorded with the hash of the PDF."""

from __future__ import annotations

import hashlib
from io import BytesIO

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from pypdf import PdfReader
from sqlalchemy import select

from fallteam.audit.models import AuditAction, AuditEvent
from fallteam.auth.models import User
from fallteam.cases.models import Case
from fallteam.crypto import signing
from fallteam.crypto.runtime import current_keyring
from fallteam.extensions import db
from fallteam.protocols.models import CaseProtocol, ProtocolExcerpt
from tests.conftest import sign_in
from tests.protocols.three_cases import TEXTS


def _download(app, account, protocol_id, *, real_names: bool = False):
    client = app.test_client()
    sign_in(client, app, account)
    data = {"real_names": "y"} if real_names else {}
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(app.config, "WTF_CSRF_ENABLED", False)
        return client.post(f"/protokolle/{protocol_id}/auszug", data=data)


def _text(pdf: bytes) -> str:
    # lines wrap where the page ends: compare with single spaces
    text = " ".join(page.extract_text() for page in PdfReader(BytesIO(pdf)).pages)
    return " ".join(text.split())


def _names(app, *accounts) -> list[str]:
    with app.app_context():
        return [db.session.get(User, a.id).display_name for a in accounts]


def test_the_excerpt_holds_this_case_and_nothing_of_the_other_cases(app, three_cases):
    response = _download(app, three_cases.owners[0], three_cases.protocol_ids[0])

    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Content-Disposition"].startswith("attachment")
    text = _text(response.data)
    assert three_cases.cases[0].pseudonym in text
    assert all(part in text for part in TEXTS[0])
    for other in (1, 2):
        assert three_cases.cases[other].pseudonym not in text
        assert not any(part in text for part in TEXTS[other])
    assert "Das Fallteam trifft keine Entscheidung" in text


def test_the_first_page_says_where_it_comes_from_and_gives_the_content_hash(app, three_cases):
    pdf = _download(app, three_cases.owners[0], three_cases.protocol_ids[0]).data

    first_page = PdfReader(BytesIO(pdf)).pages[0].extract_text()
    with app.app_context():
        content_hash = db.session.get(CaseProtocol, three_cases.protocol_ids[0]).content_hash
    assert content_hash in first_page
    assert "Herkunft" in first_page
    assert "Fallteam-Instanz" in first_page
    assert "Erstellt am / von" in first_page


def test_the_excerpt_is_an_archival_pdf_with_embedded_fonts_and_metadata(app, three_cases):
    pdf = _download(app, three_cases.owners[0], three_cases.protocol_ids[0]).data

    reader = PdfReader(BytesIO(pdf))
    xmp = reader.xmp_metadata
    assert "Protokollauszug" in xmp.dc_title["x-default"]
    assert xmp.dc_creator == ["Fallteam"]
    assert xmp.xmp_create_date is not None
    assert b"pdfaid:part" in pdf and b"FontFile2" in pdf
    fonts = {
        font["/BaseFont"] for page in reader.pages for font in page["/Resources"]["/Font"].values()
    }
    assert fonts and all("DejaVu" in str(name) for name in fonts)


def test_the_signature_is_valid_for_pyhankos_own_validator(app, three_cases):
    pdf = _download(app, three_cases.owners[0], three_cases.protocol_ids[0]).data

    with app.app_context():
        material = signing.load(signing.signing_file(app.config), current_keyring())
    root = signing._asn1_certificate(material.certificate)
    embedded = PdfFileReader(BytesIO(pdf)).embedded_signatures
    assert len(embedded) == 1
    status = validate_pdf_signature(embedded[0], ValidationContext(trust_roots=[root]))
    assert status.bottom_line
    assert status.intact and status.valid and status.trusted
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    assert "Dokumentsignatur" in status.signing_cert.subject.human_friendly


def _family_names(app, case_id) -> list[str]:
    with app.app_context():
        members = db.session.get(Case, case_id).members
        return [f"{m.first_name} {m.last_name}" for m in members]


def test_people_are_role_labels_by_default(app, three_cases):
    pdf = _download(app, three_cases.owners[0], three_cases.protocol_ids[0]).data

    text = _text(pdf)
    assert "Familie (im Protokoll" not in text
    for name in _family_names(app, three_cases.cases[0].id):
        assert name not in text
    assert "Moderation" in text and "Protokollführung" in text
    assert "Fallführende Fachkraft" in text and "Gast" in text
    people = (
        three_cases.owners[0],
        three_cases.moderator,
        three_cases.writer,
        three_cases.member,
        three_cases.guest,
    )
    for name in _names(app, *people):
        assert name not in text


def test_real_names_only_by_choice_and_audited_as_export(app, three_cases):
    owner = three_cases.owners[0]
    pdf = _download(app, owner, three_cases.protocol_ids[0], real_names=True).data

    text = _text(pdf)
    for name in _names(app, three_cases.moderator, three_cases.writer, three_cases.member):
        assert name in text
    # the family legend resolves the protocol's role labels ("Mutter", "Kind 1 …")
    family = text.split("Familie (im Protokoll mit diesen Rollen bezeichnet)")[1]
    for name in _family_names(app, three_cases.cases[0].id):
        assert name in family
    with app.app_context():
        exports = list(
            db.session.scalars(
                select(AuditEvent.purpose).where(
                    AuditEvent.actor_id == owner.id, AuditEvent.action == AuditAction.EXPORT
                )
            )
        )
    assert exports == ["Protokollauszug mit Klarnamen"]


def test_the_default_download_is_audited_as_export_with_role_labels(app, three_cases):
    owner = three_cases.owners[0]
    _download(app, owner, three_cases.protocol_ids[0])

    with app.app_context():
        events = list(
            db.session.execute(
                select(AuditEvent.action, AuditEvent.purpose).where(
                    AuditEvent.actor_id == owner.id,
                    AuditEvent.action.in_([AuditAction.EXPORT, AuditAction.READ]),
                )
            )
        )
    assert (AuditAction.EXPORT, "Protokollauszug (Rollenbezeichnungen)") in events
    assert (AuditAction.READ, "Protokollauszug") in events


def test_each_excerpt_is_recorded_with_the_hash_of_the_pdf(app, three_cases):
    owner = three_cases.owners[0]
    first = _download(app, owner, three_cases.protocol_ids[0]).data
    second = _download(app, owner, three_cases.protocol_ids[0], real_names=True).data

    with app.app_context():
        rows = list(
            db.session.scalars(
                select(ProtocolExcerpt)
                .where(ProtocolExcerpt.protocol_id == three_cases.protocol_ids[0])
                .order_by(ProtocolExcerpt.created_dt)
            )
        )
    assert [r.sha256 for r in rows] == [
        hashlib.sha256(first).hexdigest(),
        hashlib.sha256(second).hexdigest(),
    ]
    assert [r.real_names for r in rows] == [False, True]
    assert {r.created_by_id for r in rows} == {owner.id}


def test_the_form_warns_before_real_names(app, three_cases):
    client = app.test_client()
    sign_in(client, app, three_cases.owners[0])

    page = client.get(f"/protokolle/{three_cases.protocol_ids[0]}/auszug").get_data(as_text=True)

    assert "Klarnamen statt Rollenbezeichnungen" in page
    assert 'data-testid="real-names-warning"' in page


def test_the_locked_protocol_page_links_the_excerpt_for_its_case_manager_only(app, three_cases):
    url = f"/protokolle/{three_cases.protocol_ids[0]}"
    for account, shown in ((three_cases.owners[0], True), (three_cases.moderator, False)):
        client = app.test_client()
        sign_in(client, app, account)
        page = client.get(url).get_data(as_text=True)
        assert ('data-testid="excerpt-link"' in page) is shown


@pytest.mark.parametrize(
    "who", ["other_fachkraft", "member", "writer", "moderator", "guest", "dpo", "admin"]
)
def test_everyone_but_the_case_manager_is_refused(app, three_cases, create_account, who):
    accounts = {
        "other_fachkraft": three_cases.owners[1],
        "member": three_cases.member,
        "writer": three_cases.writer,
        "moderator": three_cases.moderator,
        "guest": three_cases.guest,
    }
    account = accounts.get(who) or create_account([who])
    client = app.test_client()
    sign_in(client, app, account)
    url = f"/protokolle/{three_cases.protocol_ids[0]}/auszug"

    assert client.get(url).status_code == 403
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(app.config, "WTF_CSRF_ENABLED", False)
        assert client.post(url, data={"real_names": "y"}).status_code == 403
    with app.app_context():
        assert db.session.scalar(select(ProtocolExcerpt.id)) is None


def test_a_protocol_not_finalised_cannot_be_excerpted(app, setting, client_of):
    client = client_of(setting.owner)
    url = f"/protokolle/{setting.protocol_id}/auszug"

    assert client.get(url).status_code == 403
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(app.config, "WTF_CSRF_ENABLED", False)
        assert client.post(url, data={}).status_code == 403
    with app.app_context():
        assert db.session.scalar(select(ProtocolExcerpt.id)) is None


def test_the_download_needs_the_csrf_token(app, three_cases):
    client = app.test_client()
    sign_in(client, app, three_cases.owners[0])

    response = client.post(f"/protokolle/{three_cases.protocol_ids[0]}/auszug", data={})

    assert response.status_code in (400, 200)
    assert response.mimetype != "application/pdf"
