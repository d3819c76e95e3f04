"""Changes the DPO's workspace makes: sending the audit chain's checkpoint outside."""

from __future__ import annotations

from fallteam.audit.models import AuditCheckpoint
from fallteam.audit.operations import latest_checkpoint, make_checkpoint, public_key
from fallteam.audit.verify import export_checkpoint
from fallteam.mail.models import OutgoingMail
from fallteam.mail.operations import MailKind, queue_mail


def mail_checkpoint(to: str) -> tuple[AuditCheckpoint, OutgoingMail] | None:
    """Sign the chain's head now and queue it by e-mail to ``to`` (the DPO's address): a
    copy of the checkpoint no database role can reach, for ``flask audit verify --external``.
    The mail holds the checkpoint and the public key only — no case data. None while the log
    is empty."""
    made = make_checkpoint() or latest_checkpoint()
    if made is None:
        return None
    text = export_checkpoint(made, public_key())
    mail = queue_mail(
        kind=MailKind.AUDIT_CHECKPOINT,
        to=to,
        subject=f"Fallteam: Audit-Checkpoint Nr. {made.seq}",
        body=(
            "Der neueste signierte Checkpoint des Zugriffsprotokolls. Bitte außerhalb des "
            "Systems aufbewahren; prüfen mit\n"
            "flask --app wsgi audit verify --external DATEI\n\n" + text
        ),
    )
    return made, mail
