"""Properties of ``match`` on random small programs, checked against a plain-Python reference."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import replace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lti_tool.matching.engine import match
from tests.matching import factories
from tests.matching.factories import programs

# How many examples: the Hypothesis profile (tests/conftest.py) decides.
SETTINGS = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _objective_key(result, rules, weights, mentors, mentees) -> tuple:
    by_id = {c.person_id: c for c in mentors}, {c.person_id: c for c in mentees}
    scores = [
        factories.score(by_id[0][p.mentor_id], by_id[1][p.mentee_id], weights)
        for p in result.pairs
        if not p.is_locked
    ]
    low = min(scores) if scores else 0
    if rules.objective == "total":
        return (len(scores), sum(scores))
    return (len(scores), low, sum(scores))


@SETTINGS
@given(programs())
def test_no_proposed_pair_breaks_a_hard_rule(program):
    mentors, mentees, rules, weights = program
    result = match(mentors, mentees, rules, weights)
    mentor_of = {c.person_id: c for c in mentors}
    mentee_of = {c.person_id: c for c in mentees}
    load = Counter(p.mentor_id for p in result.pairs)
    for pair in result.pairs:
        mentor, mentee = mentor_of[pair.mentor_id], mentee_of[pair.mentee_id]
        if not pair.is_locked:
            assert factories.allowed(mentor, mentee, rules)
            assert pair.rules_broken == []
            assert load[pair.mentor_id] <= rules.capacity_of(mentor)
    assert len({p.mentee_id for p in result.pairs}) == len(result.pairs)


@SETTINGS
@given(programs())
def test_everyone_is_paired_or_told_why_not(program):
    mentors, mentees, rules, weights = program
    result = match(mentors, mentees, rules, weights)
    paired_mentees = {p.mentee_id for p in result.pairs}
    paired_mentors = {p.mentor_id for p in result.pairs}
    lonely = {(u.side, u.person_id) for u in result.unmatched}
    assert lonely == {
        ("mentee", c.person_id) for c in mentees if c.person_id not in paired_mentees
    } | {("mentor", c.person_id) for c in mentors if c.person_id not in paired_mentors}
    assert all(u.reason for u in result.unmatched)


@SETTINGS
@given(programs())
def test_scores_and_breakdowns_match_the_reference(program):
    mentors, mentees, rules, weights = program
    result = match(mentors, mentees, rules, weights)
    mentor_of = {c.person_id: c for c in mentors}
    mentee_of = {c.person_id: c for c in mentees}
    for pair in result.pairs:
        expected = factories.points(mentor_of[pair.mentor_id], mentee_of[pair.mentee_id], weights)
        assert pair.breakdown == {k: v / 1000 for k, v in expected.items()}
        assert round(pair.score * 1000) == sum(expected.values())
        assert set(pair.reasons) == set(expected)
    assert round(result.total_score * 1000) == sum(round(p.score * 1000) for p in result.pairs)


@settings(SETTINGS)
@given(programs(max_side=5))
def test_the_assignment_is_a_brute_force_optimum(program):
    mentors, mentees, rules, weights = program
    result = match(mentors, mentees, rules, weights)
    best = factories.best_objective(mentors, mentees, rules, weights)
    assert _objective_key(result, rules, weights, mentors, mentees) == best


@settings(SETTINGS)
@given(programs(max_side=6, locks=False), st.randoms(use_true_random=False))
def test_same_input_gives_the_same_pairs_in_any_order(program, rnd: random.Random):
    mentors, mentees, rules, weights = program
    first = match(mentors, mentees, rules, weights)
    shuffled_mentors, shuffled_mentees = list(mentors), list(mentees)
    rnd.shuffle(shuffled_mentors)
    rnd.shuffle(shuffled_mentees)
    assert match(shuffled_mentors, shuffled_mentees, rules, weights) == first
    assert match(mentors, mentees, rules, weights) == first


@SETTINGS
@given(programs())
def test_locks_are_kept_and_vetoes_never_proposed(program):
    mentors, mentees, rules, weights = program
    result = match(mentors, mentees, rules, weights)
    pairs = {(p.mentor_id, p.mentee_id): p for p in result.pairs}
    for ids in rules.locked_pairs:
        assert pairs[ids].is_locked
    assert sum(p.is_locked for p in result.pairs) == len(rules.locked_pairs)
    for a, b in rules.vetoed_pairs:
        assert (a, b) not in pairs and (b, a) not in pairs


@SETTINGS
@given(programs())
def test_maximin_lifts_the_worst_pair_without_pairing_fewer(program):
    mentors, mentees, rules, weights = program
    total = match(mentors, mentees, replace(rules, objective="total"), weights)
    maximin = match(mentors, mentees, replace(rules, objective="maximin"), weights)
    assert len(maximin.pairs) == len(total.pairs)
    if total.min_score is not None:
        assert maximin.min_score >= total.min_score
        assert maximin.total_score <= total.total_score
