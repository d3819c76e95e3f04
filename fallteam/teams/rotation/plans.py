"""The public side of the rotation: slots, candidates, plans and their problems, the proposals
and the check of a hand-edited plan, and the German messages that say who, when and why (the
rules are in the package docstring)."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from fallteam.teams.rotation.flow import Flow
from fallteam.teams.rotation.search import Schedule

RULE_ABSENT = "absent"
RULE_FAIRNESS = "fairness"
RULE_CONSECUTIVE = "consecutive"

# The messages are German; the application installs its translation functions (Flask-Babel's,
# which pick the visitor's language) with ``use_translations``, so this package imports only
# the standard library. ``gettext``/``ngettext`` are the names ``pybabel extract`` looks for.
_translations: dict[str, Callable[..., str]] = {}


def use_translations(gettext: Callable[..., str], ngettext: Callable[..., str]) -> None:
    """Let the messages follow the visitor's language (called once by the application)."""
    _translations.update(gettext=gettext, ngettext=ngettext)


def gettext(message: str, **values: object) -> str:
    if "gettext" in _translations:
        return _translations["gettext"](message, **values)
    return message % values if values else message


def ngettext(singular: str, plural: str, num: int, **values: object) -> str:
    if "ngettext" in _translations:
        return _translations["ngettext"](singular, plural, num, **values)
    return (singular if num == 1 else plural) % {"num": num, **values}


# Dates listed in one message; more would bury the sentence.
_MAX_DATES = 10


@dataclass(frozen=True)
class Slot:
    """One session to be moderated."""

    key: str  # e.g. the meeting id
    day: datetime.date


@dataclass(frozen=True)
class Candidate:
    """A permanent member who can moderate, with their absences (inclusive date ranges)."""

    key: str  # e.g. the user id
    absences: tuple[tuple[datetime.date, datetime.date], ...] = ()
    name: str | None = None  # how messages name the person; the key when not given

    def __post_init__(self) -> None:
        # Accept any iterable of pairs, but store a tuple so the candidate stays hashable.
        absences = tuple((start, end) for start, end in self.absences)
        for start, end in absences:
            if end < start:
                raise ValueError(f"Abwesenheit von {self.label} endet vor ihrem Beginn.")
        object.__setattr__(self, "absences", absences)

    @property
    def label(self) -> str:
        return self.name or self.key

    def available(self, day: datetime.date) -> bool:
        return not any(start <= day <= end for start, end in self.absences)


@dataclass(frozen=True)
class PlanProblem:
    """A rule the plan does not meet."""

    slot: str | None  # the slot concerned, or None for a plan-wide problem
    rule: str  # "absent" | "fairness" | "consecutive"
    message: str  # German; names who, which dates and why


@dataclass
class Plan:
    """A moderation plan: slot key → candidate key (None: nobody available)."""

    assignment: dict[str, str | None]
    problems: list[PlanProblem]
    # All candidates' keys, so that counts() also lists those who moderate no session.
    candidates: tuple[str, ...] = field(default=())

    def counts(self) -> dict[str, int]:
        result = dict.fromkeys(self.candidates, 0)
        for who in self.assignment.values():
            if who is not None:
                result[who] = result.get(who, 0) + 1
        return result


def propose_moderation(
    slots: Sequence[Slot],
    candidates: Sequence[Candidate],
    *,
    previous: str | None = None,
    prior_counts: Mapping[str, int] | None = None,
) -> Plan:
    """The best moderation plan for ``slots`` (see the package docstring for the rules).

    ``previous`` is the key of whoever moderated the session just before the first slot;
    ``prior_counts`` how often each candidate has moderated before (a tie-break only).
    """
    team = _Team(slots, candidates, previous, prior_counts)
    chosen = team.optimum()
    return Plan(
        assignment=team.as_keys(chosen),
        problems=team.problems(chosen),
        candidates=tuple(c.key for c in team.cands),
    )


def check_plan(
    slots: Sequence[Slot],
    candidates: Sequence[Candidate],
    assignment: Mapping[str, str | None],
    *,
    previous: str | None = None,
) -> list[PlanProblem]:
    """Every rule that ``assignment`` (e.g. a proposal edited by hand) does not meet.

    A slot missing from ``assignment`` counts as unassigned. Keys that name no slot or no
    candidate are an error of the caller, not a problem of the plan.
    """
    team = _Team(slots, candidates, previous, None)
    slot_keys = {s.key for s in team.slots}
    unknown_slots = sorted(set(assignment) - slot_keys)
    if unknown_slots:
        raise ValueError(f"Unbekannte Termine im Plan: {', '.join(unknown_slots)}")
    chosen = []
    for s in team.slots:
        who = assignment.get(s.key)
        if who is not None and who not in team.index:
            raise ValueError(f"{who!r} ist kein ständiges Mitglied dieses Fallteams.")
        chosen.append(-1 if who is None else team.index[who])
    return team.problems(chosen)


def propose_writers(
    items: Sequence[tuple[str, str]],
    candidates: Sequence[str],
    *,
    prior_counts: Mapping[str, int] | None = None,
    moderator: str | None = None,
) -> dict[str, str | None]:
    """A protocol writer for each agenda item of one session, by rotation.

    ``items`` are (agenda item key, presenter key) in agenda order; ``candidates`` the members
    present who can write; ``moderator`` the session's moderator, who already keeps the
    Teamprotokoll. Nobody writes the protocol of a case they present; the moderator writes
    only an item that nobody else but its presenter could write. Among those who may write
    an item, the numbers of protocols per person in the session are as even as the
    presenters allow (so nobody writes twice while someone who could have written has
    written fewer); whoever has the fewest ``prior_counts`` writes first; ties go by key.
    None only where nobody but the presenter is there.
    """
    keys = sorted(candidates)
    if len(set(keys)) != len(keys):
        raise ValueError("Mitglieder sind doppelt angegeben.")
    item_keys = [key for key, _ in items]
    if len(set(item_keys)) != len(item_keys):
        raise ValueError("Tagesordnungspunkte sind doppelt angegeben.")
    prior = [(prior_counts or {}).get(key, 0) for key in keys]
    avail = []
    for _, presenter in items:
        allowed = tuple(i for i, key in enumerate(keys) if key != presenter)
        others = tuple(i for i in allowed if keys[i] != moderator)
        avail.append(others or allowed)
    flow = Flow(avail, len(keys))
    taken = [0] * len(keys)
    result: dict[str, str | None] = {}
    for unit, (item, _) in enumerate(items):
        if not avail[unit]:
            result[item] = None
            continue
        # The first person in rotation order whose turn still allows an evenest completion.
        for who in sorted(avail[unit], key=lambda c: (taken[c], prior[c], c)):
            if flow.force(unit, who) is not None:
                break
        else:  # pragma: no cover - the current flow's own choice is always feasible
            raise AssertionError("no feasible writer")
        taken[who] += 1
        result[item] = keys[who]
    return result


class _Team(Schedule):
    """One planning problem by key: slots in date order, candidates in key order; the German
    messages about a plan."""

    def __init__(
        self,
        slots: Sequence[Slot],
        candidates: Sequence[Candidate],
        previous: str | None,
        prior_counts: Mapping[str, int] | None,
    ) -> None:
        self.slots = sorted(slots, key=lambda s: (s.day, s.key))
        self.cands = sorted(candidates, key=lambda c: c.key)
        if len({s.key for s in self.slots}) != len(self.slots):
            raise ValueError("Termine sind doppelt angegeben.")
        self.index = {c.key: i for i, c in enumerate(self.cands)}
        if len(self.index) != len(self.cands):
            raise ValueError("Mitglieder sind doppelt angegeben.")
        super().__init__(
            [tuple(i for i, c in enumerate(self.cands) if c.available(s.day)) for s in self.slots],
            len(self.cands),
            # A former member (not among the candidates) cannot be repeated.
            self.index.get(previous, -1) if previous is not None else -1,
            [(prior_counts or {}).get(c.key, 0) for c in self.cands],
        )

    def as_keys(self, chosen: Sequence[int]) -> dict[str, str | None]:
        return {
            s.key: (self.cands[c].key if c >= 0 else None)
            for s, c in zip(self.slots, chosen, strict=True)
        }

    # -- the checks ----------------------------------------------------------------------------

    def problems(self, chosen: Sequence[int]) -> list[PlanProblem]:
        per_slot: list[list[PlanProblem]] = [[] for _ in self.slots]
        for i, (slot, c) in enumerate(zip(self.slots, chosen, strict=True)):
            problem = self._absence_problem(slot, c, self.avail[i])
            if problem is not None:
                per_slot[i].append(problem)
        for i, message in self._repeat_messages(chosen):
            per_slot[i].append(PlanProblem(self.slots[i].key, RULE_CONSECUTIVE, message))
        problems = [PlanProblem(None, RULE_FAIRNESS, m) for m in self._fairness_messages(chosen)]
        for listed in per_slot:
            problems.extend(listed)
        return problems

    def _absence_problem(self, slot: Slot, c: int, options: tuple[int, ...]) -> PlanProblem | None:
        day = _date(slot.day)
        if c >= 0 and c not in options:
            who = self.cands[c].label
            return PlanProblem(
                slot.key,
                RULE_ABSENT,
                gettext(
                    "%(who)s ist am %(day)s abwesend und kann nicht moderieren.", who=who, day=day
                ),
            )
        if c < 0 and not options:
            if self.cands:
                message = gettext("Am %(day)s sind alle ständigen Mitglieder abwesend.", day=day)
            else:
                message = gettext(
                    "Für den %(day)s gibt es keine ständigen Mitglieder, die moderieren.", day=day
                )
            return PlanProblem(slot.key, RULE_ABSENT, message)
        if c < 0:
            present = _names(self.cands[o].label for o in options)
            return PlanProblem(
                slot.key,
                RULE_ABSENT,
                ngettext(
                    "Für den %(day)s ist niemand zur Moderation eingeteilt, obwohl %(present)s "
                    "verfügbar ist.",
                    "Für den %(day)s ist niemand zur Moderation eingeteilt, obwohl %(present)s "
                    "verfügbar sind.",
                    len(options),
                    day=day,
                    present=present,
                ),
            )
        return None

    def _fairness_messages(self, chosen: Sequence[int]) -> list[str]:
        m = len(self.cands)
        counts = [0] * m
        for c in chosen:
            if c >= 0:
                counts[c] += 1
        if m == 0 or max(counts) - min(counts) <= 1:
            return []
        flow = self.flow
        low, high = divmod(self.coverable, m)
        high = low + (high > 0)
        fair = f"{low}–{high}" if high > low else f"{low}"
        total = len(self.slots)
        messages = []
        # Levels run from the most to the least loaded; those above the fair range form a
        # prefix, those below it a suffix (see the flow engine, :mod:`.flow`).
        over = [
            j for j, members in enumerate(flow.levels) if flow.level_sum[j] > high * len(members)
        ]
        under = [
            j for j, members in enumerate(flow.levels) if flow.level_sum[j] < low * len(members)
        ]
        if over:
            group = {c for j in over for c in flow.levels[j]}
            days = [
                s.day for s, o in zip(self.slots, self.avail, strict=True) if o and set(o) <= group
            ]
            people = _names(self.cands[c].label for c in sorted(group))
            if len(group) == 1:
                tail = gettext(
                    "%(people)s muss daher %(n)s-mal moderieren", people=people, n=len(days)
                )
            else:
                tail = gettext(
                    "diese %(n)s Termine müssen %(people)s unter sich aufteilen",
                    n=len(days),
                    people=people,
                )
            messages.append(
                gettext(
                    "An %(n)s von %(total)s Terminen ist außer %(people)s niemand verfügbar "
                    "(%(dates)s); %(tail)s, eine gleichmäßige Verteilung (%(fair)s je Person) "
                    "ist nicht möglich. Im Plan: %(counted)s.",
                    n=len(days),
                    total=total,
                    people=people,
                    dates=_dates(days),
                    tail=tail,
                    fair=fair,
                    counted=self._counted(sorted(group), counts),
                )
            )
        if under:
            group = {c for j in under for c in flow.levels[j]}
            days = [s.day for s, o in zip(self.slots, self.avail, strict=True) if group & set(o)]
            people = _names(self.cands[c].label for c in sorted(group))
            if not days:
                where = gettext("an keinem der %(total)s Termine verfügbar", total=total)
            else:
                where = gettext(
                    "nur an %(n)s von %(total)s Terminen verfügbar (%(dates)s)",
                    n=len(days),
                    total=total,
                    dates=_dates(days),
                )
            messages.append(
                ngettext(
                    "%(people)s ist %(where)s; eine gleichmäßige Verteilung (%(fair)s je Person) "
                    "ist nicht möglich. Im Plan: %(counted)s.",
                    "%(people)s sind zusammen %(where)s; eine gleichmäßige Verteilung (%(fair)s "
                    "je Person) ist nicht möglich. Im Plan: %(counted)s.",
                    len(group),
                    people=people,
                    where=where,
                    fair=fair,
                    counted=self._counted(sorted(group), counts),
                )
            )
        # A hand-edited plan may be less even than the absences force.
        if over or under:
            outside = [c for c in range(m) if not flow.lo[c] <= counts[c] <= flow.hi[c]]
            if outside:
                listed = ", ".join(
                    gettext(
                        "%(who)s %(n)s-mal (möglich: %(range)s)",
                        who=self.cands[c].label,
                        n=counts[c],
                        range=_range(flow, c),
                    )
                    for c in outside
                )
                messages.append(
                    gettext("Gleichmäßiger wäre trotzdem möglich: %(listed)s.", listed=listed)
                )
        else:
            outside = [c for c in range(m) if not low <= counts[c] <= high]
            listed = ", ".join(
                gettext("%(who)s %(n)s-mal", who=self.cands[c].label, n=counts[c]) for c in outside
            )
            messages.append(
                gettext(
                    "Die Moderationen sind ungleich verteilt (%(listed)s); möglich ist eine "
                    "gleichmäßige Verteilung mit %(fair)s Moderationen je Person.",
                    listed=listed,
                    fair=fair,
                )
            )
        return messages

    def _counted(self, group: Iterable[int], counts: Sequence[int]) -> str:
        return ", ".join(
            gettext("%(who)s %(n)s-mal", who=self.cands[c].label, n=counts[c]) for c in group
        )

    def _repeat_messages(self, chosen: Sequence[int]) -> list[tuple[int, str]]:
        repeated = self.repeats(chosen)
        if not repeated:
            return []
        at_all = self.fewest_repeats_at_all()
        best, proven = self._search()
        when_even = len(self.repeats(best))
        messages = []
        for i in repeated:
            c = chosen[i]
            who = self.cands[c].label
            day = _date(self.slots[i].day)
            if i == 0:
                head = gettext(
                    "%(who)s hat die letzte Sitzung vor dem %(day)s moderiert und ist am "
                    "%(day)s wieder eingeteilt",
                    who=who,
                    day=day,
                )
                locally_forced = self.avail[0] == (c,)
                only = gettext("am %(day)s ist nur %(who)s verfügbar", day=day, who=who)
                seen = gettext(
                    "verfügbar am %(day)s: %(present)s", day=day, present=self._present(0)
                )
            else:
                before = _date(self.slots[i - 1].day)
                head = gettext(
                    "%(who)s moderiert am %(before)s und am %(day)s zweimal hintereinander",
                    who=who,
                    before=before,
                    day=day,
                )
                locally_forced = self.avail[i - 1] == (c,) and self.avail[i] == (c,)
                only = gettext("an beiden Terminen ist nur %(who)s verfügbar", who=who)
                seen = gettext(
                    "verfügbar am %(before)s: %(present_before)s; am %(day)s: %(present)s",
                    before=before,
                    present_before=self._present(i - 1),
                    day=day,
                    present=self._present(i),
                )
            needs = self._needs_repeat(c)
            if locally_forced:
                why = only
            elif needs and proven and len(repeated) <= when_even:
                why = needs
            elif len(repeated) <= at_all:
                least = ngettext(
                    "eine solche Wiederholung", "%(num)d solche Wiederholungen", at_all
                )
                why = gettext(
                    "wegen der Abwesenheiten hat jeder Plan mindestens %(least)s (%(seen)s)",
                    least=least,
                    seen=seen,
                )
            elif len(repeated) <= when_even and proven:
                why = gettext(
                    "weniger Wiederholungen gingen nur, wenn die Moderationen ungleicher "
                    "verteilt würden (%(seen)s)",
                    seen=seen,
                )
            elif len(repeated) <= when_even:
                why = gettext(
                    "ein ebenso gleichmäßiger Plan mit weniger Wiederholungen wurde nicht "
                    "gefunden (%(seen)s)",
                    seen=seen,
                )
            elif when_even == 0:
                why = gettext(
                    "das ist vermeidbar: ein gleichmäßiger Plan kommt ohne Wiederholung aus"
                )
            else:
                fewer = ngettext("einer Wiederholung", "%(num)d Wiederholungen", when_even)
                why = gettext(
                    "das ist vermeidbar: ein gleichmäßiger Plan kommt mit %(fewer)s aus",
                    fewer=fewer,
                )
            messages.append((i, f"{head}: {why}."))
        return messages

    def _present(self, i: int) -> str:
        if len(self.avail[i]) == len(self.cands):
            return gettext("alle")
        return _names(self.cands[c].label for c in self.avail[i])

    def _needs_repeat(self, c: int) -> str | None:
        """Why c cannot take their share without repetition, if their availability says so."""
        least = self.flow.lo[c]
        if least == 0 or self.bound.by_count(c, 0, least, self.previous == c) == 0:
            return None
        days = [s.day for s, options in zip(self.slots, self.avail, strict=True) if c in options]
        who = self.cands[c].label
        return gettext(
            "%(who)s ist nur an %(n)s von %(total)s Terminen verfügbar (%(dates)s) und muss "
            "für eine gleichmäßige Verteilung mindestens %(least)s-mal moderieren; ohne "
            "Wiederholung geht das nicht",
            who=who,
            n=len(days),
            total=len(self.slots),
            dates=_dates(days),
            least=least,
        )


def _range(flow: Flow, c: int) -> str:
    return f"{flow.lo[c]}–{flow.hi[c]}" if flow.hi[c] > flow.lo[c] else f"{flow.lo[c]}"


def _date(day: datetime.date) -> str:
    return day.strftime("%d.%m.%Y")


def _dates(days: Sequence[datetime.date]) -> str:
    shown = [_date(d) for d in days[:_MAX_DATES]]
    if len(days) > _MAX_DATES:
        return gettext(
            "%(dates)s und %(more)s weitere", dates=", ".join(shown), more=len(days) - _MAX_DATES
        )
    return _names(shown)


def _names(names: Iterable[str]) -> str:
    """ "A", "A und B", "A, B und C"."""
    listed = list(names)
    if len(listed) <= 1:
        return "".join(listed)
    return gettext("%(names)s und %(last)s", names=", ".join(listed[:-1]), last=listed[-1])
