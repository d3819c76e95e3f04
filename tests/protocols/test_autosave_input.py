"""The autosave endpoint takes only its JSON shape: ``version`` a whole number, ``sections`` a
text per section, a §8a item's ``risk_assessment`` texts, a level and a list of ids. Anything
else is a clear German error (400 for a malformed request, 422 for a malformed assessment)
and nothing is saved; no shape of JSON makes it fail (500)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.protocols.conftest import stored

pytestmark = pytest.mark.settings(WTF_CSRF_ENABLED=False)

ASSESSED = "gefaehrdungseinschaetzung"

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=8,
)
risk_keys = st.sampled_from(
    ["anhaltspunkte", "einschaetzung", "schutzmassnahmen", "risk_level", "professionals", "x"]
)
section_keys = st.sampled_from(["hypothesen", "empfehlung", "x"])


@pytest.fixture
def assessed(team_session):
    return team_session(1, purpose=ASSESSED)


@pytest.fixture
def writer_client(assessed, client_of):
    """Signed in once for all examples."""
    return client_of(assessed.writer)


def _unchanged(app, protocol_id) -> None:
    after = stored(app, protocol_id)
    assert (after.version, after.sections, after.risk_assessment) == (1, {}, None)


@pytest.mark.parametrize(
    "body",
    [
        {"version": 1, "sections": {}, "risk_assessment": {"professionals": 5}},
        {"version": 1, "sections": {}, "risk_assessment": {"professionals": [5]}},
        {"version": 1, "sections": {}, "risk_assessment": {"professionals": "abc"}},
        {"version": 1, "sections": {}, "risk_assessment": {"anhaltspunkte": 7}},
        {"version": 1, "sections": {}, "risk_assessment": {"risk_level": ["akut"]}},
    ],
)
def test_a_malformed_assessment_is_refused_in_german_and_nothing_is_saved(
    app, assessed, client_of, body
):
    answer = client_of(assessed.writer).post(
        f"/protokolle/{assessed.protocol_ids[0]}/entwurf", json=body
    )

    assert answer.status_code == 422
    assert answer.get_json()["error"] == "Ungültige Gefährdungseinschätzung."
    _unchanged(app, assessed.protocol_ids[0])


@pytest.mark.parametrize(
    "body",
    [
        [1, 2],
        "text",
        5,
        None,
        {"version": "1", "sections": {}},
        {"version": True, "sections": {}},
        {"version": 1.0, "sections": {}},
        {"version": 1},
        {"version": 1, "sections": ["hypothesen", "Text"]},
        {"version": 1, "sections": 5},
        {"version": 1, "sections": None},
        {"version": 1, "sections": {"hypothesen": None}},
        {"version": 1, "sections": {"hypothesen": 5}},
        {"version": 1, "sections": {}, "risk_assessment": []},
        {"version": 1, "sections": {}, "risk_assessment": "akut"},
    ],
)
def test_a_malformed_request_is_refused_in_german_and_nothing_is_saved(
    app, assessed, client_of, body
):
    answer = client_of(assessed.writer).post(
        f"/protokolle/{assessed.protocol_ids[0]}/entwurf", json=body
    )

    assert answer.status_code == 400
    assert answer.get_json()["error"].startswith("Ungültige")
    _unchanged(app, assessed.protocol_ids[0])


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    body=st.one_of(
        json_values,
        st.fixed_dictionaries(
            {
                "version": st.one_of(st.just(1), json_values),
                "sections": st.one_of(st.dictionaries(section_keys, json_values), json_values),
                "risk_assessment": st.one_of(st.dictionaries(risk_keys, json_values), json_values),
            }
        ),
    )
)
def test_no_shape_of_json_makes_the_autosave_fail(assessed, writer_client, body):
    answer = writer_client.post(f"/protokolle/{assessed.protocol_ids[0]}/entwurf", json=body)

    assert answer.status_code in (200, 400, 409, 422), (body, answer.status_code)
    if answer.status_code != 200:
        assert answer.get_json()["error"]
