"""Only the item's writer writes the Fallprotokoll: another member, the presenter, the
moderator and a guest are refused, and the draft stays as it was."""

from __future__ import annotations

import pytest

from tests.protocols.conftest import stored

pytestmark = pytest.mark.settings(WTF_CSRF_ENABLED=False)


@pytest.mark.parametrize("who", ["member", "owner", "moderator", "guest"])
def test_only_the_writer_saves_the_draft(app, setting, client_of, who):
    client = client_of(getattr(setting, who))
    url = f"/protokolle/{setting.protocol_id}"

    answers = [
        client.post(f"{url}/entwurf", json={"version": 1, "sections": {"hypothesen": "x"}}),
        client.post(url, data={"version": 1, "hypothesen": "x"}),
        client.post(f"{url}/einreichen"),
    ]

    assert [r.status_code for r in answers] == [403, 403, 403]
    after = stored(app, setting.protocol_id)
    assert (after.version, after.sections, after.status) == (1, {}, "draft")


def test_guests_never_read_the_protocol(app, setting, client_of):
    assert client_of(setting.guest).get(f"/protokolle/{setting.protocol_id}").status_code == 403
