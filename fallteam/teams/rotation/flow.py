"""The flow engine: an assignment of units (sessions, agenda items) to candidates that is as
even as their availability allows, and a feasibility test for flows with lower bounds.

Evenness. An assignment is balanced by moving sessions along alternating chains (A hands a
session to B, who hands one to C, ...) until nobody with *k* moderations can pass one along
such a chain to somebody with *k − 2* or fewer. For assignment problems this local condition
is equivalent to decreasing minimality (the feasible count vectors form an M-convex set). From
the balanced plan the *levels* are read off: the people reachable by chains from the most
loaded ones never pass a session to anybody else, all of them have *v* or *v − 1*, and the same
holds in every equally even plan; then the next level among the rest, and so on. So a plan is
as even as possible exactly when each person's number lies in their level's range and each
level's total is the one found.

Pure: the standard library only.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping, Sequence

INFINITE = 1 << 30


class Flow:
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
                self.move(unit, min(options, key=lambda c: (self.count[c], c)))
        self._balance()
        # Per candidate: the range their number may take in an evenest plan, and their level.
        self.lo = [0] * m
        self.hi = [0] * m
        self.level_of = [0] * m
        # Members per level, most loaded level first; the members have v or v - 1 each.
        self.levels: list[list[int]] = []
        self.level_sum: list[int] = []
        self._derive_levels()

    def move(self, unit: int, to: int) -> int:
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
            self.move(unit, node)
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
        changes = [(unit, self.move(unit, new))]
        node = old
        while (step := parent[node]) is not None:
            previous, moved = step
            if moved >= 0:
                changes.append((moved, self.move(moved, node)))
            node = previous
        return changes

    def undo(self, changes: list[tuple[int, int]]) -> None:
        for unit, owner in reversed(changes):
            self.move(unit, owner)


def has_circulation(size: int, arcs: Sequence[tuple[int, int, int, int]]) -> bool:
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
        while pushed := push(source, INFINITE):
            total += pushed
