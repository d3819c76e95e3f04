"""Pure rules of the Sitzung domain: the session day, the registration deadline, the
rhythm's days, how long a guest sees their item, how the office writes a moment.

Imports only the standard library, models and core: operations, queries, forms, access and
mail use them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l

from fallteam.core.i18n import office_zone
from fallteam.core.models import utcnow
from fallteam.meetings.models import AgendaGuest, AgendaItem, Meeting, MeetingStatus, Method
from fallteam.teams.models import WEEKDAYS, Rhythm, Team

#: the longest a single item may be planned for
MAX_ITEM_MINUTES = 180

__all__ = [
    "MAX_ITEM_MINUTES",
    "PHASES",
    "Phase",
    "PhaseGuide",
    "PlannedPhase",
    "current_phase",
    "neighbour_phase",
    "phase_by_clock",
    "phases_of",
    "planned_phases",
    "before_meeting_day",
    "day_start",
    "local_day",
    "guest_window_open",
    "local_text",
    "office_zone",
    "phase_guide",
    "registration_deadline",
    "topic_open",
    "meeting_day",
    "meeting_day_end",
    "meeting_day_start",
    "meeting_days",
]


def meeting_day(meeting: Meeting) -> date:
    """The session's calendar day in the office's time zone."""
    return meeting.starts_dt.astimezone(office_zone()).date()


def day_start(day: date) -> datetime:
    """Midnight of ``day`` in the office's time zone (as UTC)."""
    return datetime.combine(day, time(0, 0), tzinfo=office_zone()).astimezone(UTC)


def local_day(moment: datetime) -> date:
    """The office's calendar day of a moment."""
    return moment.astimezone(office_zone()).date()


def meeting_day_start(meeting: Meeting) -> datetime:
    """The start of the session's day in the office's time zone (as UTC)."""
    return day_start(meeting_day(meeting))


def meeting_day_end(meeting: Meeting) -> datetime:
    """The end of the session's day in the office's time zone (as UTC): guests see their item
    until then."""
    return day_start(meeting_day(meeting) + timedelta(days=1))


def registration_deadline(meeting: Meeting, team: Team) -> datetime:
    """When registration for the session closes: the team's number of days before the start,
    at the same wall-clock time in the office's time zone (so a daylight saving change in
    between moves it by no hour)."""
    zone = office_zone()
    local = meeting.starts_dt.astimezone(zone)
    day = local.date() - timedelta(days=team.registration_deadline_days)
    return datetime.combine(day, local.timetz().replace(tzinfo=None), tzinfo=zone).astimezone(UTC)


def meeting_days(team: Team, start: date, until: date) -> Iterator[date]:
    """The team's session days from ``start`` to ``until`` (inclusive), by its rhythm."""
    step = 14 if team.rhythm == Rhythm.FORTNIGHTLY else 7
    first = team.rhythm_anchor + timedelta(days=(team.weekday - team.rhythm_anchor.weekday()) % 7)
    if first < start:
        first += timedelta(days=((start - first).days + step - 1) // step * step)
    day = first
    while day <= until:
        yield day
        day += timedelta(days=step)


def topic_open(meeting: Meeting, at: datetime | None = None) -> bool:
    """Whether a topic without a case can still be edited or withdrawn: until the session
    begins (never in a cancelled one)."""
    return meeting.status == MeetingStatus.PLANNED and (at or utcnow()) < meeting.starts_dt


def before_meeting_day(meeting: Meeting, at: datetime | None = None) -> bool:
    """Whether the session's day has not begun yet (it is run only on its day)."""
    return (at or utcnow()) < meeting_day_start(meeting)


def method_open(item: AgendaItem, meeting: Meeting, at: datetime | None = None) -> bool:
    """Whether the item's method can still be settled: on the session day, before the item's
    clock has counted any time (it is settled at the start of the presentation)."""
    at = at or utcnow()
    return (
        meeting.status == MeetingStatus.PLANNED
        and not before_meeting_day(meeting, at)
        and at < meeting_day_end(meeting)
        and item.elapsed_seconds == 0
    )


def guest_window_open(guest: AgendaGuest, meeting: Meeting, at: datetime | None = None) -> bool:
    """A guest sees their item from the invitation until the end of the session day."""
    at = at or utcnow()
    return guest.invited_dt is not None and guest.invited_dt <= at < meeting_day_end(meeting)


def local_text(moment: datetime) -> str:
    """A moment as the office reads it, for messages written outside a request:
    "Sonntag, 28.03.2027, 09:00"."""
    local = moment.astimezone(office_zone())
    return f"{WEEKDAYS[local.weekday()]}, {local:%d.%m.%Y, %H:%M}"


# --- the phase guide: the moderator as "Wächter des Verfahrens" ------------------------------


@dataclass(frozen=True)
class Phase:
    """One step of a method with its share (percent) of the item's planned time."""

    key: str
    label: Any
    share: int


#: method -> its phases in order, each with its share of the item's time (the shares of a
#: method add up to 100). Kollegiale Beratung after the source (6. Fallteam, point 3):
#: Falldarstellung with previous help, genogram, life situation and resources, the presenter's
#: question, questions of understanding, Ideenbörse and hypotheses (resources in the
#: Sozialraum), the Hilfesetting and the Empfehlung zu den nächsten Schritten, a closing round.
PHASES: dict[str, tuple[Phase, ...]] = {
    Method.COLLEGIAL: (
        Phase("falldarstellung", _l("Falldarstellung"), 20),
        Phase("fragestellung", _l("Fragestellung"), 5),
        Phase("verstaendnisfragen", _l("Verständnisfragen"), 15),
        Phase("ideenboerse", _l("Ideenbörse und Hypothesen"), 30),
        Phase("hilfesetting", _l("Hilfesetting und Empfehlung"), 20),
        Phase("abschluss", _l("Abschluss"), 10),
    ),
    Method.CONSTELLATION: (
        Phase("falldarstellung", _l("Falldarstellung"), 15),
        Phase("fragestellung", _l("Fragestellung"), 5),
        Phase("aufstellung", _l("Aufstellen der Stellvertretungen"), 20),
        Phase("erleben", _l("Erleben der Stellvertretungen"), 25),
        Phase("loesungsbild", _l("Veränderungen und Lösungsbild"), 20),
        Phase("abschluss", _l("Empfehlung und Abschluss"), 15),
    ),
    Method.PERSPECTIVE: (
        Phase("falldarstellung", _l("Falldarstellung"), 20),
        Phase("fragestellung", _l("Fragestellung"), 5),
        Phase("perspektiven", _l("Perspektiven verteilen"), 10),
        Phase("sichtweisen", _l("Sichtweisen aus den Perspektiven"), 35),
        Phase("erkenntnisse", _l("Erkenntnisse für die Fachkraft"), 15),
        Phase("abschluss", _l("Empfehlung und Abschluss"), 15),
    ),
    Method.ROLE_PLAY: (
        Phase("falldarstellung", _l("Falldarstellung"), 15),
        Phase("fragestellung", _l("Fragestellung"), 5),
        Phase("szene", _l("Szene und Rollen festlegen"), 10),
        Phase("rollenspiel", _l("Rollenspiel"), 30),
        Phase("rueckmeldungen", _l("Rückmeldungen der Beteiligten"), 25),
        Phase("abschluss", _l("Empfehlung und Abschluss"), 15),
    ),
}


@dataclass(frozen=True)
class PlannedPhase:
    """A phase of one item: when it begins on the item's clock and how long it is planned."""

    phase: Phase
    #: planned minutes (the phases' minutes add up to the item's planned minutes)
    minutes: int
    #: second of the item's clock at which it begins by the plan
    starts_at: int


def phases_of(method: str) -> tuple[Phase, ...]:
    """The phases of ``method`` (an unknown method: those of kollegiale Beratung)."""
    return PHASES.get(method, PHASES[Method.COLLEGIAL])


def planned_phases(method: str, minutes: int) -> list[PlannedPhase]:
    """The method's phases for an item planned for ``minutes``: each phase's share of them,
    rounded so that the phases add up to exactly the item's minutes (each boundary is the
    rounded running total, so no phase drifts by more than a minute)."""
    planned, before, total = [], 0, 0
    for phase in phases_of(method):
        total += phase.share
        boundary = (2 * total * minutes + 100) // 200  # round half up, in integers
        planned.append(PlannedPhase(phase, boundary - before, before * 60))
        before = boundary
    return planned


def phase_by_clock(method: str, minutes: int, seconds: int) -> str:
    """The phase the plan puts the item in after ``seconds`` on its clock (past the plan: the
    last phase)."""
    current = None
    for planned in planned_phases(method, minutes):
        if current is None or planned.starts_at <= seconds:
            current = planned.phase.key
    return current


def current_phase(item: AgendaItem, seconds: int) -> str:
    """The item's current phase: the one the moderator moved to, else the one its clock
    reading ``seconds`` falls in by the plan."""
    keys = [phase.key for phase in phases_of(item.method)]
    if item.current_phase in keys:
        return item.current_phase
    return phase_by_clock(item.method, item.expected_minutes, seconds)


def neighbour_phase(method: str, key: str, step: int) -> str | None:
    """The phase ``step`` places after (1) or before (-1) ``key`` in the method, or None at the
    end (or for a key the method has not)."""
    keys = [phase.key for phase in phases_of(method)]
    if key not in keys:
        return None
    index = keys.index(key) + step
    return keys[index] if 0 <= index < len(keys) else None


@dataclass(frozen=True)
class PhaseGuide:
    """What the run view shows of an item's phases next to its clock."""

    phases: list[PlannedPhase]
    #: key of the current phase
    current: str
    #: the moderator moved to it (else it follows the clock by the plan)
    moved: bool
    #: second of the item's clock at which the current phase began
    since: int

    @property
    def current_minutes(self) -> int:
        """The planned minutes of the current phase."""
        return next(p.minutes for p in self.phases if p.phase.key == self.current)


def phase_guide(item: AgendaItem, seconds: int) -> PhaseGuide:
    """The item's phases with their planned minutes and the current one, the item's clock
    standing at ``seconds``."""
    phases = planned_phases(item.method, item.expected_minutes)
    current = current_phase(item, seconds)
    moved = item.current_phase == current
    since = (
        item.phase_started_seconds or 0
        if moved
        else next(p.starts_at for p in phases if p.phase.key == current)
    )
    return PhaseGuide(phases, current, moved, since)
