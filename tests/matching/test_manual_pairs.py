"""A designer's own pair: checked against the hard rules, overridden only with a reason."""

from __future__ import annotations

import pytest

from lti_tool.matching.engine import check_manual_pair, make_manual_pair, match
from lti_tool.matching.engine.candidates import ManualPairRejected, MatchingRules
from tests.matching.factories import person

ANA = person(1, 3, name="Ana", department="IT", capacity=2)
BEN = person(10, 4, name="Ben", department="IT")
RULES = MatchingRules(min_seniority_gap=2, exclude_same_department=True)


def test_a_pair_within_the_rules_passes():
    assert check_manual_pair(person(1, 1), person(10, 4), RULES) == []
    pair = make_manual_pair(person(1, 1), person(10, 4), RULES)
    assert pair.is_locked and pair.rules_broken == [] and pair.override_reason is None


def test_broken_rules_are_listed_in_words():
    assert check_manual_pair(ANA, BEN, RULES) == [
        "Ana is not 2 levels more junior than Ben (the gap is 1)",
        "both in IT",
    ]


def test_breaking_a_rule_needs_a_written_reason():
    with pytest.raises(ManualPairRejected) as refused:
        make_manual_pair(ANA, BEN, RULES)
    assert refused.value.broken == check_manual_pair(ANA, BEN, RULES)
    with pytest.raises(ManualPairRejected):
        make_manual_pair(ANA, BEN, RULES, override_reason="   ")

    pair = make_manual_pair(ANA, BEN, RULES, override_reason=" Ben asked for Ana ")

    assert pair.is_locked
    assert pair.override_reason == "Ben asked for Ana"
    assert pair.rules_broken == check_manual_pair(ANA, BEN, RULES)
    assert pair.score > 0 and pair.reasons


def test_capacity_and_an_existing_mentor_count_as_broken_rules():
    mentor, mentee = person(1, 1, name="Ana"), person(10, 4, name="Ben")

    assert check_manual_pair(mentor, mentee, existing_pairs=[(1, 11)]) == [
        "over capacity: Ana has 2 mentees (capacity 1)"
    ]
    assert check_manual_pair(mentor, mentee, existing_pairs=[(2, 10)]) == [
        "Ben already has a mentor (#2)"
    ]
    assert check_manual_pair(mentor, mentee, existing_pairs=[(1, 10)]) == []


def test_an_overridden_pair_survives_matching_as_a_lock():
    make_manual_pair(ANA, BEN, RULES, override_reason="pilot pair")
    rules = MatchingRules(min_seniority_gap=2, exclude_same_department=True, locked_pairs={(1, 10)})

    [pair] = match([ANA], [BEN], rules).pairs

    assert (pair.mentor_id, pair.mentee_id, pair.is_locked) == (1, 10, True)
    assert pair.rules_broken == check_manual_pair(ANA, BEN, RULES)
