"""The stored roll-up of the DPO's per-case access report.

A derived, rebuildable cache, not a record: the audit chain (``audit_events``, its macs and
signed checkpoints) is the evidence, and everything here is recomputed from it. The report
adds up a busy case's events once and afterwards only those that came since, instead of all
of them on every page (50,000 events of a case cost a third of a second each time).

It holds nothing the audit log does not hold already: actor ids and roles, actions,
outcomes, object types and ids, purposes, the session and the basis the events name or the
report derives, counts and times — no case content, no names, no encrypted column. Audit
events are never deleted, so a roll-up never outlives its events; a deleted roll-up is
rebuilt by the next report that needs it (``flask dpo roll-up-reports`` rebuilds all).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from fallteam.core.models import Base


class CaseReportRollup(Base):
    """Which of a pseudonym's events its stored lines cover, and for which attribution.

    One row per pseudonym. ``fingerprint`` digests what decides which session a read
    without a named session belongs to (the case's participation windows and its case
    manager): when it no longer matches, the lines are built again. The row is also the
    lock that makes two reports opened at once roll up one after the other.
    """

    __tablename__ = "case_report_rollups"

    #: the case's pseudonym (also of a deleted case: its events stay)
    pseudonym: Mapped[str] = mapped_column(String(40), primary_key=True)
    #: the sequence number of the pseudonym's newest event the lines include (all its
    #: events up to there; later ones are added by each report until the next roll-up)
    upto_seq: Mapped[int] = mapped_column(BigInteger)
    #: SHA-256 (hex) of the session attribution the lines were built with
    fingerprint: Mapped[str] = mapped_column(String(64))
    #: when the lines were last built or carried forward (UTC)
    built_dt: Mapped[datetime]

    def __repr__(self) -> str:
        return f"<CaseReportRollup {self.pseudonym} bis {self.upto_seq}>"


class CaseReportRollupLine(Base):
    """One line of the report, summed up to the roll-up's ``upto_seq``: the events of one
    person with the same roles, action, outcome, object, purpose, session, basis and
    consents, how many, first and last time."""

    __tablename__ = "case_report_rollup_lines"

    pseudonym: Mapped[str] = mapped_column(
        ForeignKey("case_report_rollups.pseudonym", ondelete="CASCADE"), primary_key=True
    )
    #: the roll-up these lines were built for (``CaseReportRollup.upto_seq``): carrying a
    #: roll-up forward writes the new lines beside the old ones and then drops the old
    upto_seq: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    #: numbers the lines of one roll-up (no meaning beyond being a key)
    line: Mapped[int] = mapped_column(Integer, primary_key=True)
    # the report's group keys, as the audit events hold or the report derives them
    actor_id: Mapped[uuid.UUID | None]
    actor_roles: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(40))
    outcome: Mapped[str] = mapped_column(String(10))
    object_type: Mapped[str | None] = mapped_column(String(40))
    object_id: Mapped[str | None] = mapped_column(String(64))
    purpose: Mapped[str | None] = mapped_column(String(200))
    #: the session's id as text (named by the event or derived from a window)
    session: Mapped[str | None] = mapped_column(Text)
    #: ``details.basis`` and ``details.consent_ids`` of the events, as text
    basis: Mapped[str | None] = mapped_column(Text)
    consent_ids: Mapped[str | None] = mapped_column(Text)
    #: how many events, the first and the last (UTC)
    count: Mapped[int] = mapped_column(Integer)
    first_dt: Mapped[datetime]
    last_dt: Mapped[datetime]

    def __repr__(self) -> str:
        return f"<CaseReportRollupLine {self.pseudonym} {self.upto_seq}/{self.line}>"
