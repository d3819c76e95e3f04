"""Figures for the moderation rotation: how long a plan for a year takes.

Run: ``cd /work/main && .venv/bin/python bench/rotation.py``. A team of twelve permanent members
with seeded random absences (holidays, training days, a long illness now and then) is planned
over twelve months, weekly (52 sessions) and fortnightly (26). Each figure is the median of
five runs; the baseline is a trivial round-robin over the same sessions that skips absent
members (no evenness guarantee, no look-ahead), timed in the same process, so the ratio, not
the absolute number, is what to compare.
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fallteam.teams.rotation import Candidate, Slot, propose_moderation  # noqa: E402

START = date(2027, 1, 6)
MEMBERS = 12
RUNS = 5


def team(seed: int) -> list[Candidate]:
    """Twelve members; each has a few absences of a day to a month, some a long one."""
    rng = random.Random(seed)
    members = []
    for k in range(MEMBERS):
        absences = []
        for _ in range(rng.randint(1, 4)):
            begin = START + timedelta(days=rng.randint(-10, 365))
            absences.append((begin, begin + timedelta(days=rng.choice([0, 4, 7, 14, 21, 28]))))
        if rng.random() < 0.2:
            begin = START + timedelta(days=rng.randint(0, 300))
            absences.append((begin, begin + timedelta(days=rng.randint(40, 100))))
        members.append(Candidate(f"m{k:02}", tuple(absences), name=f"Mitglied {k:02}"))
    return members


def round_robin(slots: list[Slot], members: list[Candidate]) -> dict[str, str | None]:
    """The baseline: next member in a fixed order who is not absent."""
    plan: dict[str, str | None] = {}
    turn = 0
    for slot in slots:
        plan[slot.key] = None
        for step in range(len(members)):
            candidate = members[(turn + step) % len(members)]
            if candidate.available(slot.day):
                plan[slot.key] = candidate.key
                turn += step + 1
                break
    return plan


def median_seconds(work) -> float:
    times = []
    for _ in range(RUNS):
        begin = time.perf_counter()
        work()
        times.append(time.perf_counter() - begin)
    return statistics.median(times)


def main() -> None:
    members = team(seed=2027)
    print(f"Moderationsplan: {MEMBERS} Mitglieder, 12 Monate, Median aus {RUNS} Läufen")
    print(f"{'Turnus':<14}{'Termine':>8}{'Plan':>12}{'Round-Robin':>14}{'Faktor':>10}  Ergebnis")
    for label, every in (("wöchentlich", 7), ("14-täglich", 14)):
        count = 52 if every == 7 else 26
        slots = [Slot(f"s{i:02}", START + timedelta(days=every * i)) for i in range(count)]
        planned = median_seconds(lambda s=slots: propose_moderation(s, members, previous="m00"))
        baseline = median_seconds(lambda s=slots: round_robin(s, members))
        plan = propose_moderation(slots, members, previous="m00")
        counts = sorted(plan.counts().values())
        rules = sorted({p.rule for p in plan.problems}) or ["keine Probleme"]
        print(
            f"{label:<14}{count:>8}{planned * 1e3:>10.2f}ms{baseline * 1e3:>12.3f}ms"
            f"{planned / baseline:>9.0f}x  je Person {counts[0]}–{counts[-1]}, {', '.join(rules)}"
        )


if __name__ == "__main__":
    main()
