"""§8a items: the Fallprotokoll carries a structured risk assessment (indications,
assessment, risk level, agreed protective steps, participating professionals). The
professionals come only from the people recorded present for the item, at least two
(§8a Abs. 1 SGB VIII: "im Zusammenwirken mehrerer Fachkräfte"); submitting and finalising
with fewer is refused. The assessment is encrypted with the case key and sealed by the hash."""

from __future__ import annotations

import hashlib
import json

import pytest
from sqlalchemy import select, text

from fallteam.auth.models import User
from fallteam.extensions import db
from fallteam.meetings.models import ItemAttendance, Presence
from fallteam.protocols import operations
from fallteam.protocols.models import CaseProtocol
from tests.meetings.test_run_view import on_its_day
from tests.protocols.conftest import act, stored

pytestmark = pytest.mark.settings(WTF_CSRF_ENABLED=False)

SECTIONS = {"hypothesen": "Die Mutter ist überlastet.", "empfehlung": "Hilfe anbieten."}
KEYS = [
    "falldarstellung",
    "genogramm",
    "fragestellung",
    "verstaendnisfragen",
    "ideenboerse",
    "hypothesen",
    "hilfesetting",
    "empfehlung",
]


def risk(*professionals, level="latent") -> dict:
    return {
        "anhaltspunkte": "Kind 1 kam zweimal mit Verletzungen in die Kita.",
        "einschaetzung": "Gefährdungsrisiko, Mutter kooperiert.",
        "risk_level": level,
        "schutzmassnahmen": "Kinderschutzfachkraft einbeziehen; Hausbesuch in einer Woche.",
        "professionals": [str(p.id) for p in professionals],
    }


def save(app, protocol_id, account, assessment) -> None:
    """The writer saves the first draft with its assessment, as the pages do."""
    with app.app_context():
        protocol = db.session.get(CaseProtocol, protocol_id)
        operations.save_draft(
            protocol, SECTIONS, 1, db.session.get(User, account.id), risk=assessment
        )
        db.session.commit()


@pytest.fixture
def s(team_session):
    return team_session(1, purpose="gefaehrdungseinschaetzung")


def expected_hash(item_id, assessment) -> str:
    """Computed here from the documented canonical form, not by the application."""
    document = {
        "item": str(item_id),
        "method": "kollegiale_beratung",
        "sections": {k: SECTIONS.get(k, "") for k in KEYS},
        "risk_assessment": {
            "anhaltspunkte": assessment["anhaltspunkte"],
            "einschaetzung": assessment["einschaetzung"],
            "schutzmassnahmen": assessment["schutzmassnahmen"],
            "risk_level": assessment["risk_level"],
            "professionals": sorted(assessment["professionals"]),
        },
    }
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def test_with_two_present_professionals_it_is_submitted_finalised_and_sealed(app, s, client_of):
    protocol_id = s.protocol_ids[0]
    assessment = risk(s.writer, s.member)
    save(app, protocol_id, s.writer, assessment)
    act(app, protocol_id, s.writer, "submit")
    act(app, protocol_id, s.moderator, "finalise")

    protocol = stored(app, protocol_id)
    assert protocol.status == "finalised"
    assert protocol.content_hash == expected_hash(s.item_ids[0], assessment)
    page = client_of(s.owner).get(f"/protokolle/{protocol_id}").get_data(as_text=True)
    shown = page.split('data-testid="risk-assessment"')[1]
    assert "latente Kindeswohlgefährdung" in shown
    assert "Hausbesuch in einer Woche." in shown


def test_submitting_with_one_professional_is_refused(app, s, client_of):
    protocol_id = s.protocol_ids[0]
    save(app, protocol_id, s.writer, risk(s.writer))

    answer = client_of(s.writer).post(f"/protokolle/{protocol_id}/einreichen")

    assert answer.status_code == 409
    assert "mindestens 2 beteiligte Fachkräfte" in answer.get_data(as_text=True)
    assert stored(app, protocol_id).status == "draft"


def test_finalising_with_fewer_than_two_present_professionals_is_refused(app, s, client_of):
    protocol_id = s.protocol_ids[0]
    save(app, protocol_id, s.writer, risk(s.writer, s.member))
    act(app, protocol_id, s.writer, "submit")
    with app.app_context():  # the attendance was corrected: the member was not there after all
        row = db.session.scalar(
            select(ItemAttendance).where(
                ItemAttendance.item_id == s.item_ids[0], ItemAttendance.user_id == s.member.id
            )
        )
        row.presence = Presence.ABSENT
        db.session.commit()
    on_its_day(app, s.meeting_id)  # the session has taken place

    for answer in (
        client_of(s.moderator).post(f"/protokolle/{protocol_id}/abschliessen"),
        client_of(s.moderator).post(f"/sitzungen/{s.meeting_id}/teamprotokoll/abschliessen"),
    ):
        assert answer.status_code == 409
        assert "Zusammenwirken mehrerer Fachkräfte" in answer.get_data(as_text=True)
    protocol = stored(app, protocol_id)
    assert (protocol.status, protocol.content_hash) == ("submitted", None)


def test_only_people_present_for_the_item_can_be_named(app, s, client_of):
    protocol_id = s.protocol_ids[0]
    with pytest.raises(operations.ProtocolError, match="als anwesend erfasst"):
        save(app, protocol_id, s.writer, risk(s.writer, s.absent))
    answer = client_of(s.writer).post(
        f"/protokolle/{protocol_id}/entwurf",
        json={"version": 1, "sections": SECTIONS, "risk_assessment": risk(s.writer, s.owner)},
    )
    assert answer.status_code == 422
    assert stored(app, protocol_id).risk_assessment is None
    form = client_of(s.writer).get(f"/protokolle/{protocol_id}").get_data(as_text=True)
    offered = form.split('data-testid="risk-assessment"')[1].split("</fieldset>\n</fieldset>")[0]
    assert str(s.member.id) in offered and str(s.writer.id) in offered
    assert str(s.absent.id) not in offered and str(s.owner.id) not in offered


def test_the_form_saves_the_assessment(app, s, client_of):
    protocol_id = s.protocol_ids[0]
    data = {"version": 1, **SECTIONS, **risk(s.writer, s.member)}
    data["professionals"] = [str(s.writer.id), str(s.member.id)]

    answer = client_of(s.writer).post(f"/protokolle/{protocol_id}", data=data)

    assert answer.status_code == 302
    saved = stored(app, protocol_id).risk_assessment
    assert saved["risk_level"] == "latent"
    assert saved["professionals"] == sorted([str(s.writer.id), str(s.member.id)])


def test_the_assessment_is_encrypted_with_the_case_key(app, s):
    save(app, s.protocol_ids[0], s.writer, risk(s.writer, s.member))
    with app.app_context():
        raw = db.session.execute(
            text("SELECT risk_assessment FROM case_protocols WHERE id = :id"),
            {
                "id": s.protocol_ids[0].hex
                if db.engine.dialect.name == "sqlite"
                else s.protocol_ids[0]
            },
        ).scalar()
    assert raw is not None
    assert b"Verletzungen" not in bytes(raw)


def test_a_protocol_of_another_purpose_has_no_assessment(app, team_session):
    s = team_session(1)
    save(app, s.protocol_ids[0], s.writer, risk(s.writer))
    act(app, s.protocol_ids[0], s.writer, "submit")
    assert stored(app, s.protocol_ids[0]).risk_assessment is None


def test_the_history_shows_how_the_assessment_changed(app, s, client_of):
    protocol_id = s.protocol_ids[0]
    save(app, protocol_id, s.writer, risk(s.writer, level="latent"))
    client = client_of(s.writer)
    data = {"version": 2, **SECTIONS, **risk(s.writer, s.member, level="akut")}
    data["professionals"] = [str(s.writer.id), str(s.member.id)]
    assert client.post(f"/protokolle/{protocol_id}", data=data).status_code == 302

    page = client.get(f"/protokolle/{protocol_id}/verlauf").get_data(as_text=True)

    assert "Gefährdungsgrad" in page and "akute Kindeswohlgefährdung" in page
    assert "Beteiligte Fachkräfte" in page
