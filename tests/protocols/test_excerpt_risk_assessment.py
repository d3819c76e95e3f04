"""The Protokollauszug of a §8a item carries its structured risk assessment (the content hash
on page 1 covers it): the indications, the assessment, the risk level, the agreed protective
steps and the participating professionals — by role label unless real names are chosen."""

from __future__ import annotations

import pytest

from tests.protocols.conftest import act
from tests.protocols.test_excerpt import _download, _names, _text
from tests.protocols.test_risk_assessment import risk, save

pytestmark = pytest.mark.settings(WTF_CSRF_ENABLED=False)


@pytest.fixture
def finalised(app, team_session):
    """A finalised §8a Fallprotokoll, its assessment made by the writer and the member."""
    s = team_session(1, purpose="gefaehrdungseinschaetzung")
    save(app, s.protocol_ids[0], s.writer, risk(s.writer, s.member))
    act(app, s.protocol_ids[0], s.writer, "submit")
    act(app, s.protocol_ids[0], s.moderator, "finalise")
    return s


def test_the_excerpt_holds_the_risk_assessment(app, finalised):
    response = _download(app, finalised.owner, finalised.protocol_ids[0])

    assert response.status_code == 200
    text = _text(response.data)
    assessment = risk(finalised.writer, finalised.member)
    assert "Gefährdungseinschätzung nach § 8a SGB VIII" in text
    for heading in (
        "Gewichtige Anhaltspunkte",
        "Einschätzung",
        "Gefährdungsgrad",
        "Vereinbarte Schutzmaßnahmen",
        "Beteiligte Fachkräfte",
    ):
        assert heading in text
    for key in ("anhaltspunkte", "einschaetzung", "schutzmassnahmen"):
        assert assessment[key] in text
    assert "latente Kindeswohlgefährdung (Gefährdungsrisiko)" in text


def test_the_professionals_are_role_labels_by_default(app, finalised):
    text = _text(_download(app, finalised.owner, finalised.protocol_ids[0]).data)

    professionals = text.split("Beteiligte Fachkräfte", 1)[1]
    assert "Protokollführung" in professionals and "Mitglied des Fallteams" in professionals
    for name in _names(app, finalised.writer, finalised.member, finalised.moderator):
        assert name not in text


def test_the_professionals_are_named_only_by_choice(app, finalised):
    text = _text(_download(app, finalised.owner, finalised.protocol_ids[0], real_names=True).data)

    professionals = text.split("Beteiligte Fachkräfte", 1)[1]
    for name in _names(app, finalised.writer, finalised.member):
        assert name in professionals
