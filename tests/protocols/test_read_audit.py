"""Every page view of a Fallprotokoll is recorded once, as a read of the case, for the
writer's edit page as for the read view."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from fallteam.audit.models import AuditAction, AuditEvent
from fallteam.extensions import db


def _reads(app, actor_id) -> list[str | None]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(AuditEvent.purpose).where(
                    AuditEvent.actor_id == actor_id, AuditEvent.action == AuditAction.READ
                )
            )
        )


@pytest.mark.parametrize("who", ["writer", "owner", "moderator", "member"])
def test_each_page_view_is_one_recorded_read(app, setting, client_of, who):
    account = getattr(setting, who)
    client = client_of(account)
    before = len(_reads(app, account.id))

    for _ in range(2):
        assert client.get(f"/protokolle/{setting.protocol_id}").status_code == 200

    assert _reads(app, account.id)[before:] == ["Fallprotokoll", "Fallprotokoll"]
