"""Every section passes the re-identification guard: a family name is refused, naming the
section, and nothing is saved."""

from __future__ import annotations

import pytest

from tests.protocols.conftest import stored

pytestmark = pytest.mark.settings(WTF_CSRF_ENABLED=False)


def test_a_family_name_in_a_section_is_refused_naming_the_section(app, setting, client_of):
    response = client_of(setting.writer).post(
        f"/protokolle/{setting.protocol_id}/entwurf",
        json={"version": 1, "sections": {"hypothesen": "Frau K r a u t w u r s t ist überlastet."}},
    )

    assert response.status_code == 422
    assert "„Hypothesen“" in response.get_json()["error"]
    after = stored(app, setting.protocol_id)
    assert (after.version, after.sections) == (1, {})
