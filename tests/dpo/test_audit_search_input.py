"""A wrong filter gets a German message on the search form (never an error page), and an
export of a wrong filter goes back to the form instead of exporting anything."""

from __future__ import annotations

import pytest

URL = "/datenschutz/protokoll"


@pytest.fixture
def dpo(signed_in):
    client, _account = signed_in(["dpo"])
    return client


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"actor": "niemand"}, "Bitte eine Person aus der Liste wählen."),
        ({"action": "alles"}, "Keine gültige Auswahl."),
        ({"outcome": "vielleicht"}, "Keine gültige Auswahl."),
        ({"since": "2026-13-45"}, "Kein gültiges Datum."),
        ({"until": "gestern"}, "Kein gültiges Datum."),
        ({"since": "2026-03-05", "until": "2026-03-01"}, "Das Ende des Zeitraums liegt vor"),
        ({"pseudonym": "F" * 41}, "Ein Pseudonym hat höchstens 40 Zeichen."),
        ({"pseudonym": "FT\u200b-2026-0001"}, "unsichtbare Zeichen"),
        ({"since": "1066-10-14"}, "Bitte ein Datum zwischen"),
    ],
)
def test_a_wrong_filter_gets_a_german_message_on_the_form(dpo, params, message):
    response = dpo.get(URL, query_string=params)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert message in html
    assert 'data-testid="audit-events"' not in html and 'data-testid="no-events"' not in html


@pytest.mark.parametrize("ending", ["csv", "json"])
def test_an_export_of_a_wrong_filter_goes_back_to_the_form(dpo, ending):
    response = dpo.get(f"{URL}.{ending}", query_string={"since": "2026-13-45"})
    assert response.status_code == 302
    assert "/datenschutz/protokoll?since=2026-13-45" in response.headers["Location"]
    assert "Kein gültiges Datum." in dpo.get(response.headers["Location"]).get_data(as_text=True)


def test_an_unknown_before_is_the_first_page(dpo):
    assert dpo.get(URL, query_string={"before": "x"}).status_code == 200
