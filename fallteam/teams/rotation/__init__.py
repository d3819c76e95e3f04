"""Who moderates which session, and who writes which case protocol: moderation planned long
ahead, protocol writers in rotation.

The Fallteam standard (Potsdam-Mittelmark 2012, section 6, point 5d) has the permanent members
take turns at moderating, "längerfristig geplant, damit bekannt ist, wer wann moderiert", and the
case protocol is written "abwechselnd" by the members (point 4). This package turns that into
plans and checks. It knows nothing of the database or Flask: it works on keys and dates, so
operations, views and commands can all call it, and a hand-edited plan is checked by the same
rules that made the proposal.

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
   is instead the first with the fewest repetitions that the search finds. Equal input
   gives an equal plan, whatever the order of the candidates.

Each rule that cannot be met is reported as a :class:`PlanProblem` whose German message names the
people and dates concerned and why.

Protocol writers (:func:`propose_writers`) use the same evenness machinery within one session:
never the presenter of the item, the moderator (who keeps the Teamprotokoll) only where nobody
else could write, as even as that allows, fewest prior writings first.

The package, from the outside in:

* :mod:`~fallteam.teams.rotation.plans`: the public API (slots, candidates, plans and their
  problems, :func:`propose_moderation`, :func:`check_plan`, :func:`propose_writers`) and the
  German messages that explain a plan;
* :mod:`~fallteam.teams.rotation.search`: the search for the evenest plan with the fewest
  repetitions, with its bounds and relaxation;
* :mod:`~fallteam.teams.rotation.flow`: the flow engine that keeps an assignment as even as
  availability allows.

Everything in it is pure: the standard library only, no Flask and no database.
"""

from fallteam.teams.rotation.plans import (
    RULE_ABSENT,
    RULE_CONSECUTIVE,
    RULE_FAIRNESS,
    Candidate,
    Plan,
    PlanProblem,
    Slot,
    check_plan,
    propose_moderation,
    propose_writers,
    use_translations,
)

__all__ = [
    "RULE_ABSENT",
    "RULE_CONSECUTIVE",
    "RULE_FAIRNESS",
    "Candidate",
    "Plan",
    "PlanProblem",
    "Slot",
    "check_plan",
    "propose_moderation",
    "propose_writers",
    "use_translations",
]
