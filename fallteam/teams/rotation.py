"""Who moderates which session, and who writes which case protocol (DESIGN.md §2, steps 1 and 6).

The Fallteam standard (Potsdam-Mittelmark 2012, section 6, point 5d) has the permanent members
take turns at moderating, "längerfristig geplant, damit bekannt ist, wer wann moderiert", and the
case protocol is written "abwechselnd" by the members (point 4). This module turns that into plans
and checks. It knows nothing of the database or Flask: it works on keys and dates, so operations,
views and commands can all call it, and a hand-edited plan is checked by the same rules that
made the proposal.

A moderation plan follows these rules, in this order of precedence:

1. ``absent``: nobody moderates on a day they are absent, and every session at which at least
   one permanent member is present gets a moderator.
2. ``fairness``: over the horizon the numbers of moderations differ by at most one. Where
   absences make that impossible, the plan is as even as they allow, in the strict sense of
   *decreasingly minimal*: the largest number is as small as possible, then the number of
   people who have it, then the next largest, and so on. For assignment problems like this one
   that is the same as the smallest sum of squared numbers, and it also makes the smallest
   number as large as possible (Frank and Murota, "Discrete decreasing minimization", part I).
3. ``consecutive``: nobody moderates two sessions in a row, nor the first one after
   ``previous``, unless every plan that is just as even does so too; the plan has the fewest
   such repetitions that are possible.
4. Otherwise, rotation: whoever has moderated least in the horizon so far goes next, then
   whoever has the fewest ``prior_counts`` (so the extra turn of an uneven division goes to
   them; prior counts never outweigh the rules above), then whoever has waited longest, then
   the candidate key. When that rotation repeats somebody more often than necessary, the plan
   is instead the first with the fewest repetitions that the search below finds. Equal input
   gives an equal plan, whatever the order of the candidates.

Each rule that cannot be met is reported as a :class:`PlanProblem` whose German message names the
people and dates concerned and why.

The method is exact, not a greedy guess:

* Evenness. An assignment is balanced by moving sessions along alternating chains (A hands a
  session to B, who hands one to C, ...) until nobody with *k* moderations can pass one along
  such a chain to somebody with *k − 2* or fewer. For assignment problems this local condition
  is equivalent to decreasing minimality (the feasible count vectors form an M-convex set). From
  the balanced plan the *levels* are read off: the people reachable by chains from the most
  loaded ones never pass a session to anybody else, all of them have *v* or *v − 1*, and the same
  holds in every equally even plan; then the next level among the rest, and so on. So a plan is
  as even as possible exactly when each person's number lies in their level's range and each
  level's total is the one found.
* Search. Sessions are assigned in date order by depth-first search. Every tentative choice is
  checked by one augmenting path in the flow network sessions → people → levels, so a partial
  plan that can no longer be completed evenly is rejected at once. The rotation is therefore
  found without a single step back, and its repetitions bound the number needed from above.
  Fewer are sought by iterative deepening on their number, with memoised dead ends and lower
  bounds from availability alone (a dynamic programme over the sessions), from the number of
  sessions each person must still take and the runs of neighbouring sessions they are there
  for, and, once no repetition is left to spend, from a flow relaxation: of each pair of
  neighbouring sessions (j, j + 1) with j even, and separately with j odd, a person takes at
  most one. In this search a repetition that is still allowed is tried first (after it the
  relaxation prunes hard) and then whoever most urgently needs sessions. The first plan found
  at the smallest feasible number is optimal. A work limit keeps a pathological input from
  stalling a request: a plan found when the limit cut the search short is still complete and
  as even as possible, and its messages do not claim that its repetitions were unavoidable.
  (With realistic absences a year of weekly sessions takes a few milliseconds.)

Protocol writers (:func:`propose_writers`) use the same evenness machinery within one session:
never the presenter of the item, the moderator (who keeps the Teamprotokoll) only where nobody
else could write, as even as that allows, fewest prior writings first.
"""

from __future__ import annotations

import bisect
import datetime
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

__all__ = [
    "Candidate",
    "Plan",
    "PlanProblem",
    "Slot",
    "check_plan",
    "propose_moderation",
    "propose_writers",
]

RULE_ABSENT = "absent"
RULE_FAIRNESS = "fairness"
RULE_CONSECUTIVE = "consecutive"

# Search nodes allowed; realistic plans need a few hundred at most. Bounds the time a
# pathological input can take to about a second.
_WORK_LIMIT = 20_000
# What one relaxation check costs, in search nodes (it solves two small flow problems).
_CHECK_WORK = 10
_INFINITE = 1 << 30
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
    """The best moderation plan for ``slots`` (see the module docstring for the rules).

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
    flow = _Flow(avail, len(keys))
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


class _Flow:
    """A complete assignment of units (sessions, agenda items) to candidates, kept as even as
    possible.

    On construction the assignment is balanced and its levels are derived (see the module
    docstring). :meth:`force` then fixes units one by one, in index order, to a chosen
    candidate and repairs the rest of the assignment with one augmenting path, or reports that
    no evenest completion exists with that choice.
    """

    def __init__(self, avail: Sequence[tuple[int, ...]], m: int) -> None:
        self.avail = avail
        self.m = m
        self.owner = [-1] * len(avail)
        self.count = [0] * m
        for unit, options in enumerate(avail):
            if options:
                self._move(unit, min(options, key=lambda c: (self.count[c], c)))
        self._balance()
        # Per candidate: the range their number may take in an evenest plan, and their level.
        self.lo = [0] * m
        self.hi = [0] * m
        self.level_of = [0] * m
        # Members per level, most loaded level first; the members have v or v - 1 each.
        self.levels: list[list[int]] = []
        self.level_sum: list[int] = []
        self._derive_levels()

    def _move(self, unit: int, to: int) -> int:
        old = self.owner[unit]
        if old >= 0:
            self.count[old] -= 1
        self.owner[unit] = to
        self.count[to] += 1
        return old

    def _by_owner(self, start: int) -> list[list[int]]:
        """The units from ``start`` on, per candidate (units before ``start`` are fixed)."""
        result: list[list[int]] = [[] for _ in range(self.m)]
        owner = self.owner
        for unit in range(start, len(owner)):
            if owner[unit] >= 0:
                result[owner[unit]].append(unit)
        return result

    def _chains(
        self, sources: Iterable[int], allowed: set[int] | None = None
    ) -> dict[int, tuple[int, int] | None]:
        """Breadth-first: who can receive a unit passed along from ``sources``.

        Maps each reachable candidate to (the candidate before it, the unit passed).
        """
        by_owner = self._by_owner(0)
        parent: dict[int, tuple[int, int] | None] = {s: None for s in sources}
        queue = deque(parent)
        while queue:
            giver = queue.popleft()
            for unit in by_owner[giver]:
                for taker in self.avail[unit]:
                    if taker not in parent and (allowed is None or taker in allowed):
                        parent[taker] = (giver, unit)
                        queue.append(taker)
        return parent

    def _shift(self, parent: Mapping[int, tuple[int, int] | None], target: int) -> None:
        node = target
        while (step := parent[node]) is not None:
            giver, unit = step
            self._move(unit, node)
            node = giver

    def _balance(self) -> None:
        """Pass units along chains from the most to the least loaded until nobody with k can
        reach anybody with k - 2 or fewer: then the counts are decreasingly minimal."""
        count = self.count
        improved = True
        while improved:
            improved = False
            for giver in sorted(range(self.m), key=lambda c: (-count[c], c)):
                if count[giver] < 2:
                    break
                parent = self._chains([giver])
                lighter = [c for c in parent if count[c] <= count[giver] - 2]
                if lighter:
                    self._shift(parent, min(lighter, key=lambda c: (count[c], c)))
                    improved = True
                    break

    def _derive_levels(self) -> None:
        remaining = set(range(self.m))
        while remaining:
            top = max(self.count[c] for c in remaining)
            start = sorted(c for c in remaining if self.count[c] == top)
            members = sorted(self._chains(start, remaining))
            level = len(self.levels)
            total = sum(self.count[c] for c in members)
            others = len(members) - 1
            for c in members:
                # Balanced: nobody reachable from a count of top has top - 2 or fewer.
                assert self.count[c] >= top - 1
                # top - 1 or top, narrowed by what the level's total leaves (a level of one
                # has exactly its total).
                self.lo[c] = max(top - 1, total - top * others, 0)
                self.hi[c] = min(top, total - (top - 1) * others)
                self.level_of[c] = level
            self.levels.append(members)
            self.level_sum.append(total)
            remaining.difference_update(members)

    def force(self, unit: int, new: int) -> list[tuple[int, int]] | None:
        """Give ``unit`` to ``new``, units before it being fixed; None if no evenest completion
        remains. Returns the changes, for :meth:`undo`.

        One breadth-first search for a residual path new ⇝ old in the network units →
        candidates → levels (a candidate → level arc has the range [lo, hi], a level's total is
        fixed): with the arcs unit → new and old → unit it closes the augmenting cycle. By the
        circulation theorem such a path exists whenever an evenest completion does.
        """
        old = self.owner[unit]
        if old == new:
            return []
        m = self.m
        count, lo, hi = self.count, self.lo, self.hi
        by_owner = self._by_owner(unit + 1)
        # Nodes 0..m-1 are candidates, m + j is level j.
        parent: dict[int, tuple[int, int] | None] = {new: None}
        queue = deque([new])
        while queue and old not in parent:
            node = queue.popleft()
            if node < m:
                for moved in by_owner[node]:  # node hands a later unit to somebody else
                    for taker in self.avail[moved]:
                        if taker not in parent:
                            parent[taker] = (node, moved)
                            queue.append(taker)
                level = m + self.level_of[node]
                if count[node] < hi[node] and level not in parent:  # node keeps one more
                    parent[level] = (node, -1)
                    queue.append(level)
            else:
                for member in self.levels[node - m]:  # a member of the level takes one fewer
                    if member not in parent and count[member] > lo[member]:
                        parent[member] = (node, -1)
                        queue.append(member)
        if old not in parent:
            return None
        changes = [(unit, self._move(unit, new))]
        node = old
        while (step := parent[node]) is not None:
            previous, moved = step
            if moved >= 0:
                changes.append((moved, self._move(moved, node)))
            node = previous
        return changes

    def undo(self, changes: list[tuple[int, int]]) -> None:
        for unit, owner in reversed(changes):
            self._move(unit, owner)


class _RepeatBound:
    """A lower bound on the repetitions still to come, for pruning the search.

    The larger of two bounds. By availability alone: the fewest repetitions of any completion,
    even or not (a dynamic programme over the sessions, computed once). By numbers: per
    candidate the larger of the pairs of neighbouring sessions only they can take and the
    repetitions forced by the number of sessions they must still take (``lo`` minus those
    taken) among the runs of neighbouring sessions they are available for; a repetition belongs
    to one candidate, so these add up.
    """

    def __init__(self, avail: Sequence[tuple[int, ...]], m: int, lo: Sequence[int]) -> None:
        n = len(avail)
        self.n, self.m, self.lo = n, m, lo
        self.single = [options[0] if len(options) == 1 else -1 for options in avail]
        self.forced = [[0] * (n + 1) for _ in range(m)]
        for c in range(m):
            row = self.forced[c]
            for i in range(n - 2, -1, -1):
                both = self.single[i] == c and self.single[i + 1] == c
                row[i] = row[i + 1] + both
        # tail[i][x]: fewest repetitions from session i on (the pair i - 1, i included) when x
        # took session i - 1; x = m stands for nobody.
        self.tail = [[0] * (m + 1) for _ in range(n + 1)]
        for i in range(n - 1, -1, -1):
            after, row = self.tail[i + 1], self.tail[i]
            if not avail[i]:
                row[:] = [after[m]] * (m + 1)
                continue
            first, first_who, second = _INFINITE, -1, _INFINITE
            for c in avail[i]:
                if after[c] < first:
                    first, first_who, second = after[c], c, first
                elif after[c] < second:
                    second = after[c]
            for x in range(m + 1):
                row[x] = second if x == first_who else first
            for c in avail[i]:
                row[c] = min(row[c], after[c] + 1)
        # Runs of neighbouring sessions each candidate is available for, with suffix sums of
        # their length, of how many sessions fit without repetition, and of how many runs
        # (even length) take one more at the cost of a single repetition.
        self.runs: list[list[tuple[int, int]]] = [[] for _ in range(m)]
        for i, options in enumerate(avail):
            for c in options:
                runs = self.runs[c]
                if runs and runs[-1][1] == i - 1:
                    runs[-1] = (runs[-1][0], i)
                else:
                    runs.append((i, i))
        self.run_ends = [[end for _, end in runs] for runs in self.runs]
        self.suffix: list[list[tuple[int, int, int]]] = []
        for runs in self.runs:
            sums = [(0, 0, 0)] * (len(runs) + 1)
            for r in range(len(runs) - 1, -1, -1):
                length = runs[r][1] - runs[r][0] + 1
                total, free, ones = sums[r + 1]
                sums[r] = (total + length, free + (length + 1) // 2, ones + (length % 2 == 0))
            self.suffix.append(sums)

    def _by_count(self, c: int, i: int, need: int, after_c: bool) -> int:
        runs = self.runs[c]
        r = bisect.bisect_left(self.run_ends[c], i)
        if r == len(runs):
            return _INFINITE
        start, end = runs[r]
        start = max(start, i)
        length = end - start + 1
        if after_c and start == i:
            # The run begins right after c's own session: one place fewer without repetition.
            free, one = length // 2, length % 2 == 1
        else:
            free, one = (length + 1) // 2, length % 2 == 0
        total, more_free, more_ones = self.suffix[c][r + 1]
        if need > total + length:
            return _INFINITE
        extra = need - free - more_free
        if extra <= 0:
            return 0
        ones = one + more_ones
        # In a run of length L, k sessions need at least 2k - L - 1 repetitions: each one beyond
        # the free ones costs two, except the first in a run of even length, which costs one.
        return min(extra, ones) + 2 * max(0, extra - ones)

    def slack(self, c: int, i: int, taken: int) -> int:
        """How many more sessions from i on c could take without repetition than c must."""
        runs = self.runs[c]
        r = bisect.bisect_left(self.run_ends[c], i)
        if r == len(runs):
            return -(self.lo[c] - taken)
        start, end = runs[r]
        length = end - max(start, i) + 1
        return (length + 1) // 2 + self.suffix[c][r + 1][1] - (self.lo[c] - taken)

    def bound(self, i: int, last: int, taken: Sequence[int]) -> int:
        """At least this many repetitions from session ``i`` on (including i - 1, i)."""
        total = 0
        by_availability = self.tail[i][last if last >= 0 else self.m]
        for c in range(self.m):
            forced = self.forced[c][i] + (last == c and i < self.n and self.single[i] == c)
            need = self.lo[c] - taken[c]
            by_count = self._by_count(c, i, need, last == c) if need > 0 else 0
            total += max(forced, by_count)
        return max(total, by_availability)


def _no_repeat_relaxation(
    avail: Sequence[tuple[int, ...]],
    flow: _Flow,
    start: int,
    last: int,
    taken: Sequence[int],
    parity: int,
) -> bool:
    """A necessary condition for completing sessions ``start``.. evenly without repetition.

    Of each pair of neighbouring sessions (j, j + 1) with j ≡ ``parity`` (mod 2) a person takes
    at most one. Pairs of one parity do not overlap, so this is a flow problem: sessions →
    (person, pair) → person → level, with the ranges and level totals of an evenest plan less
    what ``taken`` already holds. ``last`` (who took session start - 1) cannot take ``start``.
    """
    ids: dict[tuple, int] = {}

    def node(key: tuple) -> int:
        return ids.setdefault(key, len(ids))

    source, sink = node(("source",)), node(("sink",))
    arcs: list[tuple[int, int, int, int]] = []
    sessions = 0
    for j in range(start, len(avail)):
        if not avail[j]:
            continue
        sessions += 1
        session = node(("session", j))
        arcs.append((source, session, 1, 1))
        pair = (j - parity) // 2
        for c in avail[j]:
            if not (j == start and c == last):
                arcs.append((session, node(("pair", c, pair)), 0, 1))
    pairs = [(key[1], ident) for key, ident in ids.items() if key[0] == "pair"]
    for c, ident in pairs:
        arcs.append((ident, node(("person", c)), 0, 1))
    in_level = [0] * len(flow.levels)
    for c, count in enumerate(taken):
        in_level[flow.level_of[c]] += count
        room = flow.hi[c] - count
        if room < 0:
            return False
        arcs.append(
            (
                node(("person", c)),
                node(("level", flow.level_of[c])),
                max(0, flow.lo[c] - count),
                room,
            )
        )
    for level, total in enumerate(flow.level_sum):
        arcs.append(
            (node(("level", level)), sink, total - in_level[level], total - in_level[level])
        )
    arcs.append((sink, source, sessions, sessions))
    return _has_circulation(len(ids), arcs)


def _has_circulation(size: int, arcs: Sequence[tuple[int, int, int, int]]) -> bool:
    """Whether a circulation with lo <= flow <= hi on every arc (u, v, lo, hi) exists.

    The usual reduction: lower bounds become supplies and demands at a super source and sink,
    which a maximum flow (Dinic's algorithm) must saturate.
    """
    source, sink = size, size + 1
    edges: list[list[int]] = [[] for _ in range(size + 2)]
    to: list[int] = []
    cap: list[int] = []

    def add(u: int, v: int, capacity: int) -> None:
        edges[u].append(len(to))
        to.append(v)
        cap.append(capacity)
        edges[v].append(len(to))
        to.append(u)
        cap.append(0)

    balance = [0] * size
    for u, v, lo, hi in arcs:
        if hi < lo:
            return False
        if hi > lo:
            add(u, v, hi - lo)
        balance[v] += lo
        balance[u] -= lo
    needed = 0
    for v, b in enumerate(balance):
        if b > 0:
            add(source, v, b)
            needed += b
        elif b < 0:
            add(v, sink, -b)
    depth: list[int] = []
    cursor: list[int] = []

    def push(u: int, limit: int) -> int:
        if u == sink:
            return limit
        out = edges[u]
        while cursor[u] < len(out):
            e = out[cursor[u]]
            v = to[e]
            if cap[e] and depth[v] == depth[u] + 1:
                pushed = push(v, min(limit, cap[e]))
                if pushed:
                    cap[e] -= pushed
                    cap[e ^ 1] += pushed
                    return pushed
            cursor[u] += 1
        return 0

    total = 0
    while True:
        depth = [-1] * (size + 2)
        depth[source] = 0
        queue = deque([source])
        while queue:
            u = queue.popleft()
            for e in edges[u]:
                if cap[e] and depth[to[e]] < 0:
                    depth[to[e]] = depth[u] + 1
                    queue.append(to[e])
        if depth[sink] < 0:
            return total == needed
        cursor = [0] * (size + 2)
        while pushed := push(source, _INFINITE):
            total += pushed


class _SearchAborted(Exception):
    pass


class _Search:
    """The depth-first search for the plan with the fewest repetitions (module docstring)."""

    def __init__(self, team: _Team) -> None:
        self.flow = team.flow
        self.avail, self.prior, self.previous = team.avail, team.prior, team.previous
        self.n, self.m = len(team.avail), len(team.prior)
        self.bound = team.bound
        self.repeats = team.repeats
        self.chosen = [-1] * self.n
        self.taken = [0] * self.m
        self.waited = [-2] * self.m  # each candidate's latest session: the smaller, the longer
        self.dead_ends: dict[tuple, int] = {}  # state -> repetitions still needed, at least
        self.work = 0
        self.start_owner = list(self.flow.owner)

    def run(self) -> tuple[list[int], bool]:
        # With an unlimited budget no choice is ever undone (every choice the flow accepts can
        # be completed), so this is quick, and its repetitions bound the search from above.
        found = self._descend(0, self.previous, 0, _INFINITE)
        assert found
        best = list(self.chosen)
        most = len(self.repeats(best))
        # The first plan is as even as any and a good witness for the searches to come; the
        # work limit is for those searches only.
        self.start_owner = list(self.flow.owner)
        self.work = 0
        self._reset()
        least = self.bound.bound(0, self.previous, self.taken)
        proven = True
        try:
            if least == 0 < most and not self._repeat_free_possible(0, self.previous):
                least = 1
            for budget in range(least, most):
                self._reset()
                if self._descend(0, self.previous, 0, budget):
                    best = list(self.chosen)
                    break
        except _SearchAborted:
            proven = False
        self._reset()
        return best, proven

    def _reset(self) -> None:
        flow = self.flow
        for unit, owner in enumerate(self.start_owner):
            if flow.owner[unit] != owner:
                flow._move(unit, owner)
        self.chosen[:] = [-1] * self.n
        self.taken[:] = [0] * self.m
        self.waited[:] = [-2] * self.m
        if self.previous >= 0:
            self.waited[self.previous] = -1

    def _spend(self, work: int) -> None:
        self.work += work
        if self.work > _WORK_LIMIT:
            raise _SearchAborted

    def _descend(self, i: int, last: int, reps: int, budget: int) -> bool:
        self._spend(1)
        avail, taken, waited, prior = self.avail, self.taken, self.waited, self.prior
        n = self.n
        while i < n and not avail[i]:  # nobody there: no moderator, and no repetition
            i, last = i + 1, -1
        if i == n:
            return True
        state = (i, last, tuple(taken))
        if self.dead_ends.get(state, -1) > budget - reps:
            return False
        # Unbounded, a repetition comes last (the first pass is a rotation that avoids them).
        # Bounded, it comes first: once the budget is spent, the relaxation prunes hard, so
        # spending it early finds the plan or the dead end quickly.
        repeat_first = budget < _INFINITE
        if repeat_first:
            slack = self.bound.slack
            order = sorted(
                avail[i],
                key=lambda c: (c != last, slack(c, i, taken[c]), taken[c], prior[c], waited[c], c),
            )
        else:
            order = sorted(avail[i], key=lambda c: (c == last, taken[c], prior[c], waited[c], c))
        for c in order:
            r = reps + (c == last)
            if r > budget:
                continue
            taken[c] += 1
            if r + self.bound.bound(i + 1, c, taken) <= budget:
                changes = self.flow.force(i, c)
                if changes is not None:
                    if r == budget and not self._repeat_free_possible(i + 1, c):
                        self.flow.undo(changes)
                    else:
                        self.chosen[i] = c
                        waited_before, waited[c] = waited[c], i
                        if self._descend(i + 1, c, r, budget):
                            return True
                        waited[c] = waited_before
                        self.chosen[i] = -1
                        self.flow.undo(changes)
            taken[c] -= 1
        self.dead_ends[state] = max(self.dead_ends.get(state, 0), budget - reps + 1)
        return False

    def _repeat_free_possible(self, start: int, last: int) -> bool:
        """False if sessions start.. cannot be completed evenly without a repetition (a
        relaxation: True does not promise a completion, the search will find out)."""
        before = last
        for owner in self.flow.owner[start:]:
            if owner >= 0 and owner == before:
                break
            before = owner
        else:
            return True  # the flow's own completion has no repetition
        self._spend(_CHECK_WORK)
        return all(
            _no_repeat_relaxation(self.avail, self.flow, start, last, self.taken, parity)
            for parity in (0, 1)
        )


class _Team:
    """One planning problem: slots in date order, candidates in key order, availability."""

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
        self.avail = [
            tuple(i for i, c in enumerate(self.cands) if c.available(s.day)) for s in self.slots
        ]
        # A former member (not among the candidates) cannot be repeated.
        self.previous = self.index.get(previous, -1) if previous is not None else -1
        self.prior = [(prior_counts or {}).get(c.key, 0) for c in self.cands]
        self.coverable = sum(1 for options in self.avail if options)
        self._flow: _Flow | None = None
        self._bound: _RepeatBound | None = None
        self._optimum: tuple[list[int], bool] | None = None

    @property
    def flow(self) -> _Flow:
        if self._flow is None:
            self._flow = _Flow(self.avail, len(self.cands))
        return self._flow

    @property
    def bound(self) -> _RepeatBound:
        if self._bound is None:
            self._bound = _RepeatBound(self.avail, len(self.cands), self.flow.lo)
        return self._bound

    def as_keys(self, chosen: Sequence[int]) -> dict[str, str | None]:
        return {
            s.key: (self.cands[c].key if c >= 0 else None)
            for s, c in zip(self.slots, chosen, strict=True)
        }

    def repeats(self, chosen: Sequence[int]) -> list[int]:
        """Indices i whose moderator also moderated i - 1 (or, for i = 0, ``previous``)."""
        result = []
        before = self.previous
        for i, c in enumerate(chosen):
            if c >= 0 and c == before:
                result.append(i)
            before = c
        return result

    # -- the search ----------------------------------------------------------------------------

    def optimum(self) -> list[int]:
        return self._search()[0]

    def optimum_proven(self) -> bool:
        return self._search()[1]

    def _search(self) -> tuple[list[int], bool]:
        if self._optimum is None:
            self._optimum = _Search(self).run()
        return self._optimum

    def fewest_repeats_at_all(self) -> int:
        """Fewest repetitions of any plan that respects absences, even or not (path DP)."""
        best = {self.previous: 0}
        for options in self.avail:
            if not options:
                best = {-1: min(best.values())}
                continue
            best = {c: min(reps + (before == c) for before, reps in best.items()) for c in options}
        return min(best.values())

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
                slot.key, RULE_ABSENT, f"{who} ist am {day} abwesend und kann nicht moderieren."
            )
        if c < 0 and not options:
            if self.cands:
                message = f"Am {day} sind alle ständigen Mitglieder abwesend."
            else:
                message = f"Für den {day} gibt es keine ständigen Mitglieder, die moderieren."
            return PlanProblem(slot.key, RULE_ABSENT, message)
        if c < 0:
            present = _names(self.cands[o].label for o in options)
            verb = "ist" if len(options) == 1 else "sind"
            return PlanProblem(
                slot.key,
                RULE_ABSENT,
                f"Für den {day} ist niemand zur Moderation eingeteilt, obwohl {present} "
                f"verfügbar {verb}.",
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
        # prefix, those below it a suffix (see the module docstring).
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
                tail = f"{people} muss daher {len(days)}-mal moderieren"
            else:
                tail = f"diese {len(days)} Termine müssen {people} unter sich aufteilen"
            messages.append(
                f"An {len(days)} von {total} Terminen ist außer {people} niemand verfügbar "
                f"({_dates(days)}); {tail}, eine gleichmäßige Verteilung ({fair} je Person) "
                f"ist nicht möglich. Im Plan: {self._counted(sorted(group), counts)}."
            )
        if under:
            group = {c for j in under for c in flow.levels[j]}
            days = [s.day for s, o in zip(self.slots, self.avail, strict=True) if group & set(o)]
            people = _names(self.cands[c].label for c in sorted(group))
            if not days:
                where = f"an keinem der {total} Termine verfügbar"
            else:
                where = f"nur an {len(days)} von {total} Terminen verfügbar ({_dates(days)})"
            subject = f"{people} ist" if len(group) == 1 else f"{people} sind zusammen"
            messages.append(
                f"{subject} {where}; eine gleichmäßige Verteilung ({fair} je Person) ist nicht "
                f"möglich. Im Plan: {self._counted(sorted(group), counts)}."
            )
        # A hand-edited plan may be less even than the absences force.
        if over or under:
            outside = [c for c in range(m) if not flow.lo[c] <= counts[c] <= flow.hi[c]]
            if outside:
                listed = ", ".join(
                    f"{self.cands[c].label} {counts[c]}-mal (möglich: {_range(flow, c)})"
                    for c in outside
                )
                messages.append(f"Gleichmäßiger wäre trotzdem möglich: {listed}.")
        else:
            outside = [c for c in range(m) if not low <= counts[c] <= high]
            listed = ", ".join(f"{self.cands[c].label} {counts[c]}-mal" for c in outside)
            messages.append(
                f"Die Moderationen sind ungleich verteilt ({listed}); möglich ist eine "
                f"gleichmäßige Verteilung mit {fair} Moderationen je Person."
            )
        return messages

    def _counted(self, group: Iterable[int], counts: Sequence[int]) -> str:
        return ", ".join(f"{self.cands[c].label} {counts[c]}-mal" for c in group)

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
                head = (
                    f"{who} hat die letzte Sitzung vor dem {day} moderiert und ist am {day} "
                    f"wieder eingeteilt"
                )
                locally_forced = self.avail[0] == (c,)
                only = f"am {day} ist nur {who} verfügbar"
                seen = f"verfügbar am {day}: {self._present(0)}"
            else:
                before = _date(self.slots[i - 1].day)
                head = f"{who} moderiert am {before} und am {day} zweimal hintereinander"
                locally_forced = self.avail[i - 1] == (c,) and self.avail[i] == (c,)
                only = f"an beiden Terminen ist nur {who} verfügbar"
                seen = (
                    f"verfügbar am {before}: {self._present(i - 1)}; am {day}: {self._present(i)}"
                )
            needs = self._needs_repeat(c)
            if locally_forced:
                why = only
            elif needs and proven and len(repeated) <= when_even:
                why = needs
            elif len(repeated) <= at_all:
                least = (
                    f"{at_all} solche Wiederholungen" if at_all > 1 else "eine solche Wiederholung"
                )
                why = f"wegen der Abwesenheiten hat jeder Plan mindestens {least} ({seen})"
            elif len(repeated) <= when_even and proven:
                why = (
                    "weniger Wiederholungen gingen nur, wenn die Moderationen ungleicher "
                    f"verteilt würden ({seen})"
                )
            elif len(repeated) <= when_even:
                why = (
                    "ein ebenso gleichmäßiger Plan mit weniger Wiederholungen wurde nicht "
                    f"gefunden ({seen})"
                )
            elif when_even == 0:
                why = "das ist vermeidbar: ein gleichmäßiger Plan kommt ohne Wiederholung aus"
            else:
                fewer = "einer Wiederholung" if when_even == 1 else f"{when_even} Wiederholungen"
                why = f"das ist vermeidbar: ein gleichmäßiger Plan kommt mit {fewer} aus"
            messages.append((i, f"{head}: {why}."))
        return messages

    def _present(self, i: int) -> str:
        if len(self.avail[i]) == len(self.cands):
            return "alle"
        return _names(self.cands[c].label for c in self.avail[i])

    def _needs_repeat(self, c: int) -> str | None:
        """Why c cannot take their share without repetition, if their availability says so."""
        least = self.flow.lo[c]
        if least == 0 or self.bound._by_count(c, 0, least, self.previous == c) == 0:
            return None
        days = [s.day for s, options in zip(self.slots, self.avail, strict=True) if c in options]
        who = self.cands[c].label
        return (
            f"{who} ist nur an {len(days)} von {len(self.slots)} Terminen verfügbar "
            f"({_dates(days)}) und muss für eine gleichmäßige Verteilung mindestens "
            f"{least}-mal moderieren; ohne Wiederholung geht das nicht"
        )


def _range(flow: _Flow, c: int) -> str:
    return f"{flow.lo[c]}–{flow.hi[c]}" if flow.hi[c] > flow.lo[c] else f"{flow.lo[c]}"


def _date(day: datetime.date) -> str:
    return day.strftime("%d.%m.%Y")


def _dates(days: Sequence[datetime.date]) -> str:
    shown = [_date(d) for d in days[:_MAX_DATES]]
    if len(days) > _MAX_DATES:
        return ", ".join(shown) + f" und {len(days) - _MAX_DATES} weitere"
    return _names(shown)


def _names(names: Iterable[str]) -> str:
    """ "A", "A und B", "A, B und C"."""
    listed = list(names)
    if len(listed) <= 1:
        return "".join(listed)
    return ", ".join(listed[:-1]) + " und " + listed[-1]
