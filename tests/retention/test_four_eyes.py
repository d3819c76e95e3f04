"""Four eyes: the run proposes, a second person confirms — the DPO; never a Fachkraft, never
the owner of the case (even one who also holds the DPO role)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from fallteam.extensions import db
from fallteam.retention.models import DeletionProposal
from tests.conftest import csrf_token
from tests.retention.conftest import close, register, run_retention


def _proposal(app, owner_id, today):
    case_id = register(app, owner_id, category="sonstige")
    close(app, case_id, today - timedelta(days=6 * 366))
    assert run_retention(app).exit_code == 0
    with app.app_context():
        return db.session.scalar(
            select(DeletionProposal.id).where(DeletionProposal.case_id == case_id)
        )


def _status(app, proposal_id) -> str:
    with app.app_context():
        return db.session.get(DeletionProposal, proposal_id).status


def test_a_fachkraft_cannot_confirm_not_even_her_own_case(app, signed_in, today):
    client, owner = signed_in(["fachkraft"])
    proposal_id = _proposal(app, owner.id, today)
    answer = client.post(
        f"/datenschutz/loeschungen/{proposal_id}/bestaetigen",
        data={"csrf_token": csrf_token(client)},
    )
    assert answer.status_code == 403
    assert _status(app, proposal_id) == "proposed"


def test_the_owner_of_the_case_cannot_confirm_its_deletion_even_as_dpo(app, signed_in, today):
    # an account holding both roles (the policy lets the DPO role take away case.register,
    # but the case was hers before): the four-eyes rule looks at the case, not the role
    client, both = signed_in(["fachkraft", "dpo"])
    proposal_id = _proposal(app, both.id, today)
    for action in ("bestaetigen", "ablehnen"):
        answer = client.post(
            f"/datenschutz/loeschungen/{proposal_id}/{action}",
            data={"csrf_token": csrf_token(client), "reason": "länger aufbewahren"},
        )
        assert answer.status_code == 403, action
    assert _status(app, proposal_id) == "proposed"


def test_the_dpo_confirms_or_rejects_with_a_reason(app, signed_in, create_account, today):
    owner = create_account(["fachkraft"])
    first, second = _proposal(app, owner.id, today), _proposal(app, owner.id, today)
    client, _dpo = signed_in(["dpo"])
    without_reason = client.post(
        f"/datenschutz/loeschungen/{second}/ablehnen", data={"csrf_token": csrf_token(client)}
    )
    assert without_reason.status_code == 302 and _status(app, second) == "proposed"
    client.post(
        f"/datenschutz/loeschungen/{second}/ablehnen",
        data={"csrf_token": csrf_token(client), "reason": "Verfahren läuft noch"},
    )
    client.post(
        f"/datenschutz/loeschungen/{first}/bestaetigen", data={"csrf_token": csrf_token(client)}
    )
    assert (_status(app, first), _status(app, second)) == ("confirmed", "rejected")
    page = client.get("/datenschutz/loeschungen").get_data(as_text=True)
    assert "Verfahren läuft noch" in page and 'data-testid="confirmed"' in page
