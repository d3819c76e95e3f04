"""Changes the DPO's workspace makes: sending the audit chain's checkpoint outside, and
keeping the per-case access report's roll-up (a derived cache, see ``dpo.models``)."""

from __future__ import annotations

from sqlalchemy import delete, insert, update
from sqlalchemy.dialects import postgresql, sqlite

from fallteam.audit.models import AuditCheckpoint
from fallteam.audit.operations import latest_checkpoint, make_checkpoint, public_key
from fallteam.audit.verify import export_checkpoint
from fallteam.core.models import utcnow
from fallteam.dpo.models import CaseReportRollup, CaseReportRollupLine
from fallteam.dpo.queries.case_report import (
    ROLLED_UP_COLUMNS,
    ReportInputs,
    roll_up_after,
    rolled_up_lines,
)
from fallteam.extensions import db
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


_ROLLUPS = CaseReportRollup.__table__
_LINES = CaseReportRollupLine.__table__


def roll_up_case_report(inputs: ReportInputs, *, rebuild: bool = False) -> bool:
    """Roll up the pseudonym's report when that is due (``ReportInputs.roll_up_due``) or
    ``rebuild`` is asked for: up to its newest event, carried forward from the stored
    lines while they attribute sessions as the case now does, else (and on ``rebuild``)
    added up anew from the audit events. Three statements; none when not due.

    Two reports opened at once roll up one after the other: the roll-up's row is claimed
    first (inserted, or updated only while it is as ``inputs`` saw it), and whoever finds
    it claimed by another leaves it and reads what the other wrote. True when this call
    rolled up. Writes no audit event: it changes nothing anyone did, and the report that
    uses it records the DPO's look."""
    if inputs.newest_seq is None or not (rebuild or inputs.roll_up_due(roll_up_after())):
        return False
    upto, attribution = inputs.newest_seq, inputs.attribution
    if not _claim(inputs, upto, attribution):
        return False
    carry_forward = inputs.rollup_usable and not rebuild
    ours = _LINES.c.pseudonym == inputs.pseudonym
    if not carry_forward:
        db.session.execute(delete(_LINES).where(ours))
    db.session.execute(
        insert(_LINES).from_select(
            ROLLED_UP_COLUMNS, rolled_up_lines(inputs, upto, carry_forward=carry_forward)
        )
    )
    if carry_forward:
        # the old lines were read into the new ones above
        db.session.execute(delete(_LINES).where(ours, _LINES.c.upto_seq != upto))
    return True


def _claim(inputs: ReportInputs, upto: int, attribution: str) -> bool:
    """Take the pseudonym's roll-up row for this roll-up (and hold it to the commit): make
    it, or move it on from the state ``inputs`` saw. False when another transaction made or
    moved it meanwhile (PostgreSQL: after waiting for that one's commit)."""
    values = {"upto_seq": upto, "fingerprint": attribution, "built_dt": utcnow()}
    if inputs.rolled_up_to is None:
        dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
        made = db.session.execute(
            dialect.insert(_ROLLUPS)
            .values(pseudonym=inputs.pseudonym, **values)
            .on_conflict_do_nothing(index_elements=[_ROLLUPS.c.pseudonym])
            # what was written, not ``rowcount`` (psycopg reports -1 for this statement)
            .returning(_ROLLUPS.c.pseudonym)
        )
        return made.first() is not None
    moved = db.session.execute(
        update(_ROLLUPS)
        .where(
            _ROLLUPS.c.pseudonym == inputs.pseudonym,
            _ROLLUPS.c.upto_seq == inputs.rolled_up_to,
            _ROLLUPS.c.fingerprint == inputs.rolled_up_for,
        )
        .values(**values)
        .returning(_ROLLUPS.c.pseudonym)
    )
    return moved.first() is not None
