"""The newest signed checkpoint goes to the DPO by e-mail (``flask dpo mail-checkpoint``,
daily, queued for ``mail send-pending``, whose delivery tests/mail/test_send_pending_cli.py
covers): a copy outside the system that no database role can rewrite. The mail holds the
checkpoint and the public key, which ``audit verify --external`` accepts — and no case data."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from fallteam.audit.operations import public_key
from fallteam.audit.verify import check_external_checkpoint
from fallteam.extensions import db
from fallteam.mail.models import OutgoingMail
from fallteam.mail.operations import MailKind
from tests.conftest import family_of_four

DPO_ADDRESS = "datenschutz@example.org"


@pytest.mark.settings(AUDIT_CHECKPOINT_MAIL_TO=DPO_ADDRESS)
def test_the_checkpoint_is_queued_for_the_dpo_and_verifies_against_the_log(
    app, create_account, create_case
):
    create_case(create_account(["fachkraft"]))  # a family's case: events name it
    queued = app.test_cli_runner().invoke(args=["dpo", "mail-checkpoint"])
    assert queued.exit_code == 0, queued.output
    assert "vorgemerkt" in queued.output
    with app.app_context():
        (mail,) = db.session.scalars(
            select(OutgoingMail).where(OutgoingMail.kind == MailKind.AUDIT_CHECKPOINT)
        ).all()
        assert mail.recipient_address == DPO_ADDRESS
        assert mail.subject.startswith("Fallteam: Audit-Checkpoint Nr. ")
        body = mail.body
        checkpoint = body[body.index("Fallteam Audit-Checkpoint v1") :]
        verdict = check_external_checkpoint(db.session.connection(), public_key(), checkpoint)
        assert verdict is None
    for member in family_of_four():
        assert member.last_name not in body and member.first_name not in body


def test_without_an_address_the_command_says_so(app):
    result = app.test_cli_runner().invoke(args=["dpo", "mail-checkpoint"])
    assert result.exit_code != 0
    assert "AUDIT_CHECKPOINT_MAIL_TO" in result.output
