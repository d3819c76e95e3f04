"""Two windows load the same draft and both save: the second save is refused with 409 and both
versions, and nothing the first saved is lost (optimistic locking on ``version``)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from fallteam.extensions import db
from fallteam.protocols.models import ProtocolRevision
from tests.protocols.conftest import stored

pytestmark = pytest.mark.settings(WTF_CSRF_ENABLED=False)

FIRST = {"hypothesen": "Kind 1 braucht Sicherheit."}
SECOND = {"hypothesen": "Die Mutter braucht Entlastung."}


def test_the_second_of_two_saves_from_the_same_version_gets_409_with_both_versions(
    app, setting, client_of
):
    first, second = client_of(setting.writer), client_of(setting.writer)
    url = f"/protokolle/{setting.protocol_id}"
    assert first.get(url).status_code == second.get(url).status_code == 200
    loaded = stored(app, setting.protocol_id).version

    saved = first.post(f"{url}/entwurf", json={"version": loaded, "sections": FIRST})
    refused = second.post(f"{url}/entwurf", json={"version": loaded, "sections": SECOND})

    assert saved.status_code == 200
    assert saved.get_json() == {"version": loaded + 1}
    assert refused.status_code == 409
    body = refused.get_json()
    assert body["server"]["version"] == loaded + 1
    assert body["server"]["sections"]["hypothesen"] == FIRST["hypothesen"]
    assert body["yours"] == {"version": loaded, "sections": SECOND}
    assert stored(app, setting.protocol_id).sections["hypothesen"] == FIRST["hypothesen"]
    with app.app_context():
        revisions = db.session.scalar(
            select(func.count()).where(ProtocolRevision.protocol_id == setting.protocol_id)
        )
    assert revisions == 1


def test_the_form_save_from_an_old_version_is_refused_and_shows_the_saved_text(
    app, setting, client_of
):
    client = client_of(setting.writer)
    url = f"/protokolle/{setting.protocol_id}"
    client.post(f"{url}/entwurf", json={"version": 1, "sections": FIRST})

    refused = client.post(url, data={"version": 1, **SECOND})

    assert refused.status_code == 409
    page = refused.get_data(as_text=True)
    assert FIRST["hypothesen"] in page and SECOND["hypothesen"] in page
    # the writer has seen both texts: saving again from this page starts from the saved one
    assert re.search(r'<input[^>]*name="version"[^>]*value="2"', page)
    assert stored(app, setting.protocol_id).sections["hypothesen"] == FIRST["hypothesen"]
