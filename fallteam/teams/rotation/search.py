"""The search for the moderation plan with the fewest repetitions among the evenest plans.

Sessions are assigned in date order by depth-first search. Every tentative choice is
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

Pure: the standard library and the flow engine only.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence

from fallteam.teams.rotation.flow import INFINITE, Flow, has_circulation

# Search nodes allowed; realistic plans need a few hundred at most. Bounds the time a
# pathological input can take to about a second.
_WORK_LIMIT = 20_000
# What one relaxation check costs, in search nodes (it solves two small flow problems).
_CHECK_WORK = 10


class Schedule:
    """One planning problem by index: per session in date order the candidates (by index)
    available, who moderated just before (-1: nobody among them), and prior counts."""

    def __init__(
        self, avail: Sequence[tuple[int, ...]], m: int, previous: int, prior: Sequence[int]
    ) -> None:
        self.avail = avail
        self.m = m
        self.previous = previous
        self.prior = prior
        self.coverable = sum(1 for options in avail if options)
        self._flow: Flow | None = None
        self._bound: RepeatBound | None = None
        self._optimum: tuple[list[int], bool] | None = None

    @property
    def flow(self) -> Flow:
        if self._flow is None:
            self._flow = Flow(self.avail, self.m)
        return self._flow

    @property
    def bound(self) -> RepeatBound:
        if self._bound is None:
            self._bound = RepeatBound(self.avail, self.m, self.flow.lo)
        return self._bound

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


class RepeatBound:
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
            first, first_who, second = INFINITE, -1, INFINITE
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

    def by_count(self, c: int, i: int, need: int, after_c: bool) -> int:
        runs = self.runs[c]
        r = bisect.bisect_left(self.run_ends[c], i)
        if r == len(runs):
            return INFINITE
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
            return INFINITE
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
            by_count = self.by_count(c, i, need, last == c) if need > 0 else 0
            total += max(forced, by_count)
        return max(total, by_availability)


def _no_repeat_relaxation(
    avail: Sequence[tuple[int, ...]],
    flow: Flow,
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
    return has_circulation(len(ids), arcs)


class _SearchAborted(Exception):
    pass


class _Search:
    """The depth-first search for the plan with the fewest repetitions (module docstring)."""

    def __init__(self, team: Schedule) -> None:
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
        found = self._descend(0, self.previous, 0, INFINITE)
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
                flow.move(unit, owner)
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
        repeat_first = budget < INFINITE
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
