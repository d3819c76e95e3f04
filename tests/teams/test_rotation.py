"""Moderation and protocol-writer rotation (Fallteam standard 6.5d): the
rules as examples, then properties over random teams, checked against brute force where the
cases are small enough to enumerate."""

from __future__ import annotations

import random
import re
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fallteam.teams.rotation import (
    Candidate,
    Plan,
    Slot,
    check_plan,
    propose_moderation,
    propose_writers,
)

START = date(2027, 1, 6)  # a Wednesday


def sessions(count: int, *, every: int = 7, start: date = START) -> list[Slot]:
    return [Slot(f"s{i:02}", start + timedelta(days=every * i)) for i in range(count)]


def member(key: str, *absences: tuple[date, date]) -> Candidate:
    return Candidate(key, tuple(absences), name=f"Fr. {key.capitalize()}")


def sequence(plan: Plan, slots: list[Slot]) -> list[str | None]:
    return [plan.assignment[s.key] for s in sorted(slots, key=lambda s: (s.day, s.key))]


def repeats(order: list[str | None], previous: str | None = None) -> list[int]:
    before = previous
    found = []
    for i, who in enumerate(order):
        if who is not None and who == before:
            found.append(i)
        before = who
    return found


# -- the rules, as examples ------------------------------------------------------------------


def test_a_member_on_holiday_is_never_planned():
    holiday = (date(2027, 2, 1), date(2027, 2, 28))
    team = [member("anna", holiday), member("ben"), member("cem")]
    slots = sessions(12)
    plan = propose_moderation(slots, team)
    for slot in slots:
        if holiday[0] <= slot.day <= holiday[1]:
            assert plan.assignment[slot.key] != "anna"
    assert plan.problems == []


def test_six_members_over_six_months_each_moderate_four_or_five_times():
    team = [member(k) for k in ("anna", "ben", "cem", "dana", "eva", "finn")]
    plan = propose_moderation(sessions(26), team)
    assert sorted(plan.counts().values()) == [4, 4, 4, 4, 5, 5]
    assert plan.problems == []


def test_the_same_person_never_moderates_twice_in_a_row_when_someone_else_can():
    # Two members: they must alternate, beginning with the one who did not moderate last.
    plan = propose_moderation(sessions(8), [member("anna"), member("ben")], previous="anna")
    assert sequence(plan, sessions(8)) == ["ben", "anna"] * 4
    # Three members, one on holiday for three weeks: still no repetition.
    team = [member("anna"), member("ben"), member("cem", (date(2027, 2, 1), date(2027, 2, 21)))]
    plan = propose_moderation(sessions(12), team)
    assert repeats(sequence(plan, sessions(12))) == []
    assert plan.problems == []


def test_whoever_moderated_last_does_not_open_the_new_plan():
    team = [member("anna"), member("ben"), member("cem")]
    plan = propose_moderation(sessions(6), team, previous="anna")
    assert sequence(plan, sessions(6))[0] != "anna"


def test_the_extra_turn_goes_to_those_who_have_moderated_least_before():
    team = [member("anna"), member("ben"), member("cem")]
    plan = propose_moderation(sessions(4), team, prior_counts={"anna": 9, "ben": 2, "cem": 9})
    assert plan.counts() == {"anna": 1, "ben": 2, "cem": 1}


def test_prior_counts_never_outweigh_an_even_distribution():
    team = [member("anna"), member("ben"), member("cem")]
    plan = propose_moderation(sessions(9), team, prior_counts={"anna": 40})
    assert plan.counts() == {"anna": 3, "ben": 3, "cem": 3}


def test_a_day_when_everyone_is_away_gets_no_moderator_and_says_so():
    day = date(2027, 3, 3)
    team = [member("anna", (day, day)), member("ben", (day, day))]
    slots = [Slot("s1", date(2027, 2, 24)), Slot("s2", day), Slot("s3", date(2027, 3, 10))]
    plan = propose_moderation(slots, team)
    assert plan.assignment["s2"] is None
    problems = [p for p in plan.problems if p.slot == "s2"]
    assert [(p.rule, p.message) for p in problems] == [
        ("absent", "Am 03.03.2027 sind alle ständigen Mitglieder abwesend.")
    ]
    # The day between breaks the sequence: Anna on the 24th and the 10th is no repetition.
    assert not [p for p in plan.problems if p.rule == "consecutive"]


def test_someone_rarely_there_is_named_when_an_even_plan_is_impossible():
    team = [member(k) for k in ("anna", "ben", "cem", "dana", "eva")]
    # Fr. Finn is there only on the first two of 26 sessions.
    team.append(member("finn", (START + timedelta(days=10), START + timedelta(days=400))))
    plan = propose_moderation(sessions(26), team)
    assert plan.counts()["finn"] == 2
    assert sorted(plan.counts().values()) == [2, 4, 5, 5, 5, 5]
    (problem,) = [p for p in plan.problems if p.rule == "fairness"]
    assert problem.slot is None
    assert problem.message.startswith(
        "Fr. Finn ist nur an 2 von 26 Terminen verfügbar (06.01.2027 und 13.01.2027); "
        "eine gleichmäßige Verteilung (4–5 je Person) ist nicht möglich."
    )


def test_someone_alone_for_weeks_is_named_with_the_dates():
    away = (START, START + timedelta(days=50))
    team = [member("anna"), member("ben", away), member("cem", away)]
    plan = propose_moderation(sessions(12), team)
    assert plan.counts() == {"anna": 8, "ben": 2, "cem": 2}
    messages = [p.message for p in plan.problems if p.rule == "fairness"]
    assert messages[0].startswith(
        "An 8 von 12 Terminen ist außer Fr. Anna niemand verfügbar (06.01.2027, 13.01.2027, "
    )
    assert "Fr. Anna muss daher 8-mal moderieren" in messages[0]
    # Those eight sessions follow one another: seven repetitions, each explained.
    consecutive = [p for p in plan.problems if p.rule == "consecutive"]
    assert len(consecutive) == 7
    assert consecutive[0].message == (
        "Fr. Anna moderiert am 06.01.2027 und am 13.01.2027 zweimal hintereinander: an beiden "
        "Terminen ist nur Fr. Anna verfügbar."
    )


def test_a_repetition_forced_by_the_even_distribution_is_explained():
    # Finn is back for the last five of 26 sessions and must still moderate four times.
    team = [member(k) for k in ("anna", "ben", "cem", "dana", "eva")]
    team.append(member("finn", (START - timedelta(days=1), date(2027, 6, 1))))
    plan = propose_moderation(sessions(26), team)
    assert plan.counts()["finn"] == 4
    consecutive = [p for p in plan.problems if p.rule == "consecutive"]
    assert len(consecutive) == 2  # four of five neighbouring sessions: two repetitions at least
    assert "Fr. Finn ist nur an 5 von 26 Terminen verfügbar" in consecutive[0].message
    assert "mindestens 4-mal moderieren; ohne Wiederholung geht das nicht" in (
        consecutive[0].message
    )


def test_a_hand_edit_is_checked_by_the_same_rules():
    holiday = (date(2027, 1, 18), date(2027, 1, 24))
    team = [member("anna", holiday), member("ben"), member("cem")]
    slots = sessions(6)
    plan = propose_moderation(slots, team)
    assert check_plan(slots, team, plan.assignment) == plan.problems == []

    edited = dict(plan.assignment)
    edited["s02"] = "anna"  # 20.01.2027, in her holiday
    problems = check_plan(slots, team, edited)
    assert ("s02", "absent", "Fr. Anna ist am 20.01.2027 abwesend und kann nicht moderieren.") in [
        (p.slot, p.rule, p.message) for p in problems
    ]

    swapped = dict(
        zip([s.key for s in slots], ["anna", "cem", "ben", "ben", "anna", "cem"], strict=True)
    )
    problems = check_plan(slots, team, swapped)
    (repeat,) = [p for p in problems if p.rule == "consecutive"]
    assert repeat.slot == "s03"
    assert repeat.message.startswith("Fr. Ben moderiert am 20.01.2027 und am 27.01.2027")
    assert repeat.message.endswith(
        "das ist vermeidbar: ein gleichmäßiger Plan kommt ohne Wiederholung aus."
    )

    uneven = {s.key: ("ben" if i < 4 else "cem") for i, s in enumerate(slots)}
    (fairness,) = [p for p in check_plan(slots, team, uneven) if p.rule == "fairness"]
    assert fairness.message == (
        "Die Moderationen sind ungleich verteilt (Fr. Anna 0-mal, Fr. Ben 4-mal); möglich ist "
        "eine gleichmäßige Verteilung mit 2 Moderationen je Person."
    )

    gap = dict(plan.assignment)
    gap["s05"] = None
    assert [(p.slot, p.rule) for p in check_plan(slots, team, gap)] == [("s05", "absent")]


def test_nonsense_input_is_refused():
    team = [member("anna"), member("ben")]
    with pytest.raises(ValueError):
        propose_moderation(sessions(3), [member("anna"), member("anna")])
    with pytest.raises(ValueError):
        propose_moderation([Slot("x", START), Slot("x", START)], team)
    with pytest.raises(ValueError):
        check_plan(sessions(3), team, {"s00": "zoe"})
    with pytest.raises(ValueError):
        check_plan(sessions(3), team, {"nope": "anna"})
    with pytest.raises(ValueError):
        Candidate("anna", ((date(2027, 2, 2), date(2027, 2, 1)),))


def test_an_empty_horizon_or_team_is_no_error():
    assert propose_moderation([], [member("anna")]) == Plan({}, [], ("anna",))
    plan = propose_moderation(sessions(2), [])
    assert plan.assignment == {"s00": None, "s01": None}
    assert [p.rule for p in plan.problems] == ["absent", "absent"]


def test_writers_never_write_their_own_case_and_take_turns():
    items = [("top1", "anna"), ("top2", "ben"), ("top3", "anna"), ("top4", "gast")]
    writers = propose_writers(items, ["anna", "ben", "cem"], prior_counts={"cem": 3})
    assert writers == {"top1": "ben", "top2": "anna", "top3": "cem", "top4": "anna"}


def test_nobody_writes_a_second_protocol_while_another_present_member_has_written_none():
    items = [(f"top{i}", "extern") for i in range(5)]
    writers = propose_writers(items, ["anna", "ben", "cem"])
    assert list(writers.values()) == ["anna", "ben", "cem", "anna", "ben"]


def test_writer_rotation_looks_ahead_at_the_presenters():
    # Taking Anna for the first item would leave her the second one too (Ben presents it).
    writers = propose_writers([("top1", "extern"), ("top2", "ben")], ["anna", "ben"])
    assert writers == {"top1": "ben", "top2": "anna"}


def test_no_writer_when_only_the_presenter_is_there():
    assert propose_writers([("top1", "anna")], ["anna"]) == {"top1": None}


# -- properties ------------------------------------------------------------------------------


@st.composite
def teams(draw, max_members: int = 12, max_sessions: int = 60):
    """Slots weekly or fortnightly, members with random absences, previous and prior counts."""
    size = draw(st.integers(1, max_members))
    count = draw(st.integers(0, max_sessions))
    every = draw(st.sampled_from([7, 14]))
    span = count * every
    members = []
    for k in range(size):
        absences = draw(
            st.lists(st.tuples(st.integers(-20, span), st.integers(0, 120)), max_size=4)
        )
        members.append(
            Candidate(
                f"m{k:02}",
                tuple(
                    (START + timedelta(days=a), START + timedelta(days=a + n)) for a, n in absences
                ),
                name=f"Mitglied {k:02}",
            )
        )
    keys = [m.key for m in members]
    previous = draw(st.none() | st.sampled_from(keys))
    prior = draw(st.none() | st.dictionaries(st.sampled_from(keys), st.integers(0, 30)))
    return sessions(count, every=every), members, previous, prior


def brute_force(slots, members, previous):
    """Every plan that respects absences, condensed: count vector -> fewest repetitions.

    Enumerates the plans session by session (the state is who moderated last and how often
    each has moderated), so it is exhaustive without listing each plan."""
    order = sorted(slots, key=lambda s: (s.day, s.key))
    keys = [m.key for m in sorted(members, key=lambda m: m.key)]
    by_key = {m.key: m for m in members}
    states = {(previous, (0,) * len(keys)): 0}
    for slot in order:
        here = [i for i, k in enumerate(keys) if by_key[k].available(slot.day)]
        after: dict = {}
        for (last, counts), reps in states.items():
            options = [(None, counts, reps)] if not here else []
            for i in here:
                grown = counts[:i] + (counts[i] + 1,) + counts[i + 1 :]
                options.append((keys[i], grown, reps + (keys[i] == last)))
            for who, grown, r in options:
                if r < after.get((who, grown), 1 << 30):
                    after[(who, grown)] = r
        states = after
    best: dict[tuple[int, ...], int] = {}
    for (_, counts), r in states.items():
        best[counts] = min(best.get(counts, 1 << 30), r)
    return keys, best


def named(message: str, members) -> list[Candidate]:
    return [m for m in members if re.search(rf"\b{re.escape(m.name)}\b", message)]


def check_plan_properties(plan, slots, members, previous):
    order = sorted(slots, key=lambda s: (s.day, s.key))
    by_key = {m.key: m for m in members}
    assignment = [plan.assignment[s.key] for s in order]
    here = [[m for m in members if m.available(s.day)] for s in order]
    # (1) Nobody absent; every session with somebody there has a moderator, the others say why.
    for slot, who, present in zip(order, assignment, here, strict=True):
        if who is None:
            assert not present
            assert any(p.slot == slot.key and p.rule == "absent" for p in plan.problems)
        else:
            assert by_key[who].available(slot.day)
    # (2) Even unless a fairness problem says who makes it impossible.
    counts = plan.counts()
    assert set(counts) == set(by_key)
    spread = max(counts.values()) - min(counts.values())
    fairness = [p for p in plan.problems if p.rule == "fairness"]
    assert (spread <= 1) == (not fairness)
    coverable = sum(1 for p in here if p)
    low, rest = divmod(coverable, len(members))
    high = low + (rest > 0)
    for problem in fairness:
        group = named(problem.message.split(" Im Plan:")[0], members)
        assert group, problem.message
        keys = {m.key for m in group}
        # Each message is a pigeonhole proof: the people named are there on too few sessions
        # for their share, or are the only ones there on too many.
        there = sum(1 for p in here if keys & {m.key for m in p})
        alone = sum(1 for p in here if p and {m.key for m in p} <= keys)
        assert there < low * len(keys) or alone > high * len(keys), problem.message
    # (3) Every repetition is reported, on its session, and nothing else is.
    found = repeats(assignment, previous)
    reported = [p.slot for p in plan.problems if p.rule == "consecutive"]
    assert reported == [order[i].key for i in found]
    # check_plan agrees with the proposal about the proposal.
    assert check_plan(slots, members, plan.assignment, previous=previous) == plan.problems
    return counts, found


@settings(deadline=None, max_examples=100, suppress_health_check=[HealthCheck.too_slow])
@given(teams())
def test_plans_for_random_teams_keep_the_rules(problem):
    slots, members, previous, prior = problem
    plan = propose_moderation(slots, members, previous=previous, prior_counts=prior)
    check_plan_properties(plan, slots, members, previous)
    # (4) Deterministic, whatever the order of the input.
    shuffled = random.Random(len(slots)).sample
    again = propose_moderation(
        shuffled(slots, len(slots)),
        shuffled(members, len(members)),
        previous=previous,
        prior_counts=prior,
    )
    assert again == plan


@settings(deadline=None, max_examples=150)
@given(teams(max_members=6, max_sessions=10))
def test_small_plans_are_as_even_and_repeat_as_little_as_brute_force_allows(problem):
    slots, members, previous, prior = problem
    plan = propose_moderation(slots, members, previous=previous, prior_counts=prior)
    counts, found = check_plan_properties(plan, slots, members, previous)
    keys, every_plan = brute_force(slots, members, previous)
    vector = tuple(counts[k] for k in keys)
    assert vector in every_plan
    # As even as possible: no plan has a lexicographically smaller descending count vector.
    evenest = min(tuple(sorted(v, reverse=True)) for v in every_plan)
    assert tuple(sorted(vector, reverse=True)) == evenest
    # A fairness problem is reported exactly when no plan at all has a spread of at most one.
    possible = any(max(v) - min(v) <= 1 for v in every_plan)
    assert possible == (not any(p.rule == "fairness" for p in plan.problems))
    # Repetitions only where unavoidable: no equally even plan has fewer.
    fewest = min(r for v, r in every_plan.items() if tuple(sorted(v, reverse=True)) == evenest)
    assert len(found) == fewest


@st.composite
def agendas(draw):
    people = draw(st.lists(st.sampled_from("abcdefgh"), min_size=1, max_size=6, unique=True))
    presenters = st.sampled_from(sorted(people) + ["extern"])
    items = [(f"top{i}", draw(presenters)) for i in range(draw(st.integers(0, 9)))]
    prior = draw(st.dictionaries(st.sampled_from(people), st.integers(0, 5)))
    return items, people, prior


@settings(deadline=None, max_examples=150)
@given(agendas())
def test_writers_for_random_agendas(agenda):
    items, people, prior = agenda
    writers = propose_writers(items, people, prior_counts=prior)
    assert list(writers) == [key for key, _ in items]
    for key, presenter in items:
        eligible = [p for p in people if p != presenter]
        assert (writers[key] is None) == (not eligible)
        assert writers[key] != presenter
    # As even as the presenters allow: compare with every possible assignment (as the set of
    # count vectors they reach, item by item).
    reachable = {(0,) * len(people)}
    for _, presenter in items:
        eligible = [i for i, p in enumerate(people) if p != presenter]
        if eligible:
            reachable = {v[:i] + (v[i] + 1,) + v[i + 1 :] for v in reachable for i in eligible}
    evenest = min(tuple(sorted(v, reverse=True)) for v in reachable)
    written = [list(writers.values()).count(p) for p in people]
    assert tuple(sorted(written, reverse=True)) == evenest
    # Deterministic and independent of the order in which people are listed.
    assert propose_writers(items, list(reversed(people)), prior_counts=prior) == writers
