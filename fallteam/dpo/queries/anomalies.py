"""The DPO's anomaly list: reads of a case by someone who stood in no relation to it, bulk
reads, access outside working hours, repeated refusals — each found by aggregation in the
database over a period, never by loading the period's events.

"Read without relationship" should always be empty: the access rules forbid such reads, so
an entry means a rule failed (or someone wrote to the database behind the application).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import and_, case, distinct, exists, func, null, or_, select, text
from sqlalchemy.orm import aliased

from fallteam.audit.models import CASE_TRANSFER_PREDICATE, AuditAction, AuditEvent, Outcome
from fallteam.cases.models import Case, CaseParticipant
from fallteam.core.i18n import office_zone
from fallteam.dpo.queries.case_report import REPORT_OBJECT
from fallteam.dpo.queries.expressions import (
    by_period,
    json_text,
    minutes_after,
    utc_day,
    utc_hour,
    utc_weekday,
    uuid_text,
)
from fallteam.dpo.queries.people import names_of
from fallteam.dpo.queries.period import Period
from fallteam.extensions import db
from fallteam.meetings.models import AgendaGuest, AgendaItem, Meeting
from fallteam.resubmissions.models import Resubmission
from fallteam.teams.models import TeamMember

#: entries shown per kind; more are counted and left to the audit search
MAX_ENTRIES = 100


@dataclass(frozen=True)
class Thresholds:
    """The configured limits (``DPO_*`` settings)."""

    bulk_cases: int
    bulk_minutes: int
    refusals: int
    refusal_minutes: int
    hours: tuple[int, int]
    days: tuple[int, ...]

    @classmethod
    def from_config(cls, config) -> Thresholds:
        """The limits as the application is configured."""
        start, end = config["DPO_WORKING_HOURS"]
        return cls(
            bulk_cases=int(config["DPO_BULK_READ_CASES"]),
            bulk_minutes=int(config["DPO_BULK_READ_MINUTES"]),
            refusals=int(config["DPO_REFUSALS"]),
            refusal_minutes=int(config["DPO_REFUSAL_MINUTES"]),
            hours=(int(start), int(end)),
            days=tuple(int(d) for d in config["DPO_WORKING_DAYS"]),
        )


@dataclass
class Anomaly:
    """One finding: whose, from when until when, how many events, which cases."""

    actor_id: uuid.UUID
    first: datetime
    last: datetime
    count: int
    pseudonyms: list[str] = field(default_factory=list)
    name: str | None = None

    @property
    def days(self) -> tuple[date, date]:
        """The office days it spans (for the link into the audit search)."""
        zone = office_zone()
        return self.first.astimezone(zone).date(), self.last.astimezone(zone).date()


@dataclass
class AnomalyList:
    """The four kinds of finding over a period; ``more`` counts the entries not shown."""

    period: Period
    thresholds: Thresholds
    unrelated_reads: list[Anomaly]
    bulk_reads: list[Anomaly]
    after_hours: list[Anomaly]
    repeated_refusals: list[Anomaly]


def anomalies(period: Period, thresholds: Thresholds) -> AnomalyList:
    """Every kind of finding in ``period`` (a fixed number of statements)."""
    found = AnomalyList(
        period=period,
        thresholds=thresholds,
        unrelated_reads=unrelated_reads(period),
        bulk_reads=_episodes(
            period,
            _case_reads,
            minutes=thresholds.bulk_minutes,
            counted=lambda e: func.count(distinct(e.case_pseudonym)),
            more_than=thresholds.bulk_cases,
        ),
        after_hours=after_hours(period, thresholds),
        repeated_refusals=_episodes(
            period,
            _refusals,
            minutes=thresholds.refusal_minutes,
            counted=lambda e: func.count(e.seq),
            more_than=thresholds.refusals - 1,
        ),
    )
    entries = [
        *found.unrelated_reads,
        *found.bulk_reads,
        *found.after_hours,
        *found.repeated_refusals,
    ]
    names = names_of({a.actor_id for a in entries})
    for anomaly in entries:
        anomaly.name = names.get(anomaly.actor_id, (None, None))[0]
    return found


# --- reads without a relationship -----------------------------------------------------------


def unrelated_reads(period: Period) -> list[Anomaly]:
    """Reads of a case's content by someone who, at that moment, neither managed the case,
    nor held a participation window on it, nor had a part in one of its agenda items
    (presenter, writer, moderator, invited guest, member of the session's team), nor a
    Wiedervorlage of it (responsible, set by, moderating a session of its team); per person
    and case, with count and first and last time."""
    e, c = AuditEvent, Case
    actor = e.actor_id
    # the handovers of the Fallführung, collected once from their partial index (a few rows
    # however large the log), each read is checked against them
    transfers = (
        select(
            e.case_pseudonym,
            e.occurred_dt,
            e.action,
            json_text(e.details, "case_manager_from").label("from_id"),
            json_text(e.details, "case_manager_to").label("to_id"),
        )
        .where(text(CASE_TRANSFER_PREDICATE), e.object_type == "case")
        .cte("transfers")
    )

    def handed_over(direction: str, *condition):
        # a transfer of the Fallführung from/to the reader, recorded on the case
        return exists().where(
            transfers.c.case_pseudonym == e.case_pseudonym,
            transfers.c.action == AuditAction.UPDATE,
            transfers.c[f"{direction}_id"] == uuid_text(actor),
            *condition,
        )

    any_transfer_before = exists().where(
        transfers.c.case_pseudonym == e.case_pseudonym,
        transfers.c.occurred_dt <= e.occurred_dt,
    )
    managed = or_(
        # the case manager now, unless the case came to them only after the read
        and_(
            c.case_manager_id == actor, ~handed_over("to", transfers.c.occurred_dt > e.occurred_dt)
        ),
        # someone who handed it over later managed it then
        handed_over("from", transfers.c.occurred_dt >= e.occurred_dt),
        # its registrar, before any handover
        and_(c.created_by_id == actor, ~any_transfer_before),
    )
    participated = exists().where(
        CaseParticipant.case_id == c.id,
        CaseParticipant.user_id == actor,
        CaseParticipant.valid_from_dt <= e.occurred_dt,
        CaseParticipant.valid_until_dt > e.occurred_dt,
    )
    on_agenda = exists().where(
        AgendaItem.case_id == c.id,
        Meeting.id == AgendaItem.meeting_id,
        AgendaItem.created_dt <= e.occurred_dt,
        or_(
            AgendaItem.presenter_id == actor,
            AgendaItem.writer_id == actor,
            Meeting.moderator_id == actor,
            # two levels down, the reader's event is named for correlation explicitly
            exists()
            .where(AgendaGuest.item_id == AgendaItem.id, AgendaGuest.user_id == actor)
            .correlate(AgendaItem, e),
            exists()
            .where(TeamMember.team_id == Meeting.team_id, TeamMember.user_id == actor)
            .correlate(Meeting, e),
        ),
    )
    moderated = aliased(Meeting)
    resubmission = exists().where(
        Resubmission.case_id == c.id,
        or_(
            Resubmission.responsible_id == actor,
            Resubmission.created_by_id == actor,
            exists()
            .where(moderated.team_id == Resubmission.team_id, moderated.moderator_id == actor)
            .correlate(Resubmission, e),
        ),
    )
    first = func.min(e.occurred_dt)
    rows = db.session.execute(
        select(e.actor_id, e.case_pseudonym, func.count(), first, func.max(e.occurred_dt))
        .join(c, c.pseudonym == e.case_pseudonym)
        .where(
            by_period(e.action) == AuditAction.READ,
            by_period(e.outcome) == Outcome.ALLOWED,
            e.object_type == "case",
            actor.is_not(None),
            e.occurred_dt >= period.start,
            e.occurred_dt < period.end,
            ~managed,
            ~participated,
            ~on_agenda,
            ~resubmission,
        )
        .group_by(e.actor_id, e.case_pseudonym)
        .order_by(first.desc())
        .limit(MAX_ENTRIES)
    )
    return [
        Anomaly(actor_id, first_dt, last_dt, count, [pseudonym])
        for actor_id, pseudonym, count, first_dt, last_dt in rows
    ]


# --- bulk reads and repeated refusals: many events of one person within minutes ----------


def _case_reads(e):
    """Reads of a case's content (not the DPO's look at its access report)."""
    return and_(
        by_period(e.action) == AuditAction.READ,
        by_period(e.outcome) == Outcome.ALLOWED,
        e.object_type == "case",
        e.case_pseudonym.is_not(None),
        e.actor_id.is_not(None),
    )


def _refusals(e):
    """Refusals of a signed-in person."""
    return and_(by_period(e.outcome) == Outcome.DENIED, e.actor_id.is_not(None))


def _episodes(period: Period, kind, *, minutes: int, counted, more_than: int) -> list[Anomaly]:
    """Runs of events of ``kind`` where, from some event on, one person's events within
    ``minutes`` count (``counted``) more than ``more_than``; overlapping windows of one
    person merge into one entry, and a second statement names the cases of all entries.

    A window function finds the candidate starts: the events from which the
    ``more_than``-th next event of the same person comes within ``minutes`` (more than
    ``more_than`` events, necessary for counting more than ``more_than`` of anything). Only
    for these the database counts exactly, joining each to its window through the
    (actor, time) index — never a self-join of the whole period."""
    e = AuditEvent
    window = timedelta(minutes=minutes)
    following = func.lead(e.occurred_dt, more_than).over(
        partition_by=e.actor_id, order_by=(e.occurred_dt, e.seq)
    )
    runs = (
        select(e.actor_id, e.occurred_dt, following.label("following"))
        .where(kind(e), e.occurred_dt >= period.start, e.occurred_dt < period.end + window)
        .subquery()
    )
    # (person, time) of the candidates: an event that shares its time with the first of
    # its time counts the same window
    candidates = (
        select(runs.c.actor_id, runs.c.occurred_dt)
        .where(
            runs.c.occurred_dt < period.end,
            runs.c.following < minutes_after(runs.c.occurred_dt, minutes),
        )
        .distinct()
        .subquery()
    )
    start, later = aliased(AuditEvent), aliased(AuditEvent)
    number = counted(later)
    rows = db.session.execute(
        select(start.actor_id, start.occurred_dt, number)
        .join(
            candidates,
            and_(
                candidates.c.actor_id == start.actor_id,
                candidates.c.occurred_dt == start.occurred_dt,
            ),
        )
        .join(
            later,
            and_(
                later.actor_id == start.actor_id,
                later.occurred_dt >= start.occurred_dt,
                later.occurred_dt < minutes_after(start.occurred_dt, minutes),
            ),
        )
        .where(
            kind(start),
            kind(later),
            start.occurred_dt >= period.start,
            start.occurred_dt < period.end,
        )
        .group_by(start.seq, start.actor_id, start.occurred_dt)
        .having(number > more_than)
        .order_by(start.actor_id, start.occurred_dt)
    ).all()
    found: list[tuple[uuid.UUID, datetime, datetime, int]] = []
    for actor_id, moment, count in rows:
        if found and found[-1][0] == actor_id and moment < found[-1][2]:
            previous = found[-1]
            found[-1] = (actor_id, previous[1], moment + window, max(previous[3], count))
        else:
            found.append((actor_id, moment, moment + window, count))
    found = sorted(found, key=lambda f: f[1], reverse=True)[:MAX_ENTRIES]
    episodes = [Anomaly(actor_id, s, u, count) for actor_id, s, u, count in found]
    _name_cases(episodes, kind)
    return episodes


def _name_cases(episodes: list[Anomaly], kind) -> None:
    """The pseudonyms each episode concerns, and its true last time (one statement, which
    reads only the episodes' people over the episodes' time span)."""
    if not episodes:
        return
    e = AuditEvent
    which = case(
        *[
            (and_(e.actor_id == a.actor_id, e.occurred_dt >= a.first, e.occurred_dt < a.last), i)
            for i, a in enumerate(episodes)
        ],
        else_=null(),
    )
    inner = (
        select(which.label("episode"), e.case_pseudonym, e.occurred_dt)
        .where(
            kind(e),
            e.actor_id.in_({a.actor_id for a in episodes}),
            e.occurred_dt >= min(a.first for a in episodes),
            e.occurred_dt < max(a.last for a in episodes),
        )
        .subquery()
    )
    rows = db.session.execute(
        select(inner.c.episode, inner.c.case_pseudonym, func.max(inner.c.occurred_dt))
        .where(inner.c.episode.is_not(None))
        .group_by(inner.c.episode, inner.c.case_pseudonym)
        .order_by(inner.c.episode, inner.c.case_pseudonym)
    )
    last: dict[int, datetime] = {}
    for index, pseudonym, moment in rows:
        if pseudonym:
            episodes[index].pseudonyms.append(pseudonym)
        last[index] = max(last.get(index, moment), moment)
    for index, moment in last.items():
        episodes[index].last = moment


# --- outside working hours ------------------------------------------------------------------


def after_hours(period: Period, thresholds: Thresholds) -> list[Anomaly]:
    """Events concerning a case (reads, changes, exports) outside the working hours or days
    in the office's time zone, per person and office day.

    The database groups the events by person, case and UTC hour, leaving out the hours that
    are working hours whatever the daylight saving offset; the few remaining groups are
    placed in the office's time zone here, exactly (the office zone's offsets are whole
    hours)."""
    e = AuditEvent
    offsets = _offsets()
    start_hour, end_hour = thresholds.hours
    always_working_hours = [
        h for h in range(24) if all(start_hour <= h + off < end_hour for off in offsets)
    ]
    # SQL numbers weekdays from Sunday (0), Python from Monday (0)
    working_days = [(d + 1) % 7 for d in thresholds.days]
    inner = (
        select(
            e.actor_id,
            e.case_pseudonym,
            e.occurred_dt,
            utc_day(e.occurred_dt).label("day"),
            utc_hour(e.occurred_dt).label("hour"),
            utc_weekday(e.occurred_dt).label("weekday"),
        )
        .where(
            e.case_pseudonym.is_not(None),
            e.actor_id.is_not(None),
            by_period(e.outcome) == Outcome.ALLOWED,
            or_(e.object_type.is_(None), e.object_type != REPORT_OBJECT),
            e.occurred_dt >= period.start,
            e.occurred_dt < period.end,
        )
        .subquery()
    )
    first = func.min(inner.c.occurred_dt)
    rows = db.session.execute(
        select(
            inner.c.actor_id,
            inner.c.day,
            inner.c.hour,
            inner.c.case_pseudonym,
            func.count(),
            first,
            func.max(inner.c.occurred_dt),
        )
        .where(
            or_(
                inner.c.hour.not_in(always_working_hours),
                inner.c.weekday.not_in(working_days),
            )
        )
        .group_by(inner.c.actor_id, inner.c.day, inner.c.hour, inner.c.case_pseudonym)
    )
    zone = office_zone()
    found: dict[tuple[uuid.UUID, date], Anomaly] = {}
    for actor_id, day, hour, pseudonym, count, first_dt, last_dt in rows:
        local = datetime.combine(date.fromisoformat(day), datetime.min.time(), UTC)
        local = (local + timedelta(hours=hour)).astimezone(zone)
        if start_hour <= local.hour < end_hour and local.weekday() in thresholds.days:
            continue
        entry = found.get((actor_id, local.date()))
        if entry is None:
            found[(actor_id, local.date())] = Anomaly(
                actor_id, first_dt, last_dt, count, [pseudonym]
            )
            continue
        entry.first, entry.last = min(entry.first, first_dt), max(entry.last, last_dt)
        entry.count += count
        if pseudonym not in entry.pseudonyms:
            entry.pseudonyms.append(pseudonym)
    entries = sorted(found.values(), key=lambda a: a.first, reverse=True)[:MAX_ENTRIES]
    for entry in entries:
        entry.pseudonyms.sort()
    return entries


def _offsets() -> set[int]:
    """The office zone's UTC offsets in whole hours (winter and summer time)."""
    zone = office_zone()
    year = datetime.now(UTC).year
    return {
        int(
            datetime(year, month, 1, 12, tzinfo=UTC).astimezone(zone).utcoffset().total_seconds()
            // 3600
        )
        for month in (1, 7)
    }
