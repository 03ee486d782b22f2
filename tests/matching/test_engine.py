"""``match`` on hand-made programs: objectives, capacity, locks, and refused inputs."""

from __future__ import annotations

import pytest

from lti_tool.matching.engine import match
from lti_tool.matching.engine.candidates import (
    MatchingInputError,
    MatchingRules,
    Weights,
    split_by_seniority,
    utc_offset_hours,
)
from tests.matching.factories import person

ONLY_SKILLS = Weights(
    mentee_offers=0, shared_interests=0, shared_goals=0, language=0, timezone=0, cross_department=0
)


def pairs_of(result) -> list[tuple[int, int]]:
    return [(p.mentor_id, p.mentee_id) for p in result.pairs]


def test_pairing_everyone_comes_before_a_higher_total():
    # 1-10 alone would score 40; 2-10 and 1-11 together score only 20 but leave no one out.
    mentors = [
        person(1, 1, skills_offered={"a", "b"}, languages={"English", "French"}),
        person(2, 1, skills_offered={"a"}),
    ]
    mentees = [person(10, 4, skills_wanted={"a", "b"}), person(11, 4, languages={"French"})]

    result = match(mentors, mentees, weights=ONLY_SKILLS)

    assert pairs_of(result) == [(1, 11), (2, 10)]
    assert result.total_score == 20.0


def test_maximin_favours_the_worst_off_pair():
    # total: 1-10 (40) + 2-11 (0) = 40; maximin: 1-11 (10) + 2-10 (20) = 30, lowest 10 not 0.
    mentors = [person(1, 1, skills_offered={"a", "b"}), person(2, 1, skills_offered={"b"})]
    mentees = [person(10, 4, skills_wanted={"a", "b"}), person(11, 4, skills_wanted=set("acde"))]

    total = match(mentors, mentees, MatchingRules(objective="total"), ONLY_SKILLS)
    maximin = match(mentors, mentees, MatchingRules(objective="maximin"), ONLY_SKILLS)

    assert pairs_of(total) == [(1, 10), (2, 11)]
    assert (total.total_score, total.min_score) == (40.0, 0.0)
    assert pairs_of(maximin) == [(1, 11), (2, 10)]
    assert (maximin.total_score, maximin.min_score) == (30.0, 10.0)
    assert maximin.objective == "maximin"


def test_a_mentor_takes_as_many_mentees_as_their_capacity():
    mentors = [person(1, 1, capacity=2), person(2, 1)]
    mentees = [person(10, 4), person(11, 4), person(12, 4), person(13, 4)]

    result = match(mentors, mentees)

    assert sorted(p.mentor_id for p in result.pairs) == [1, 1, 2]
    assert [u.person_id for u in result.unmatched] == [13]
    assert len(match(mentors, mentees, MatchingRules(mentor_capacity=3)).pairs) == 4


def test_locked_pairs_are_kept_even_when_something_better_exists():
    mentors = [person(1, 1, skills_offered={"a"}), person(2, 1)]
    mentees = [person(10, 4, skills_wanted={"a"}), person(11, 4)]

    result = match(mentors, mentees, MatchingRules(locked_pairs={(2, 10)}))

    assert pairs_of(result) == [(1, 11), (2, 10)]
    assert [p.is_locked for p in result.pairs] == [False, True]


def test_a_vetoed_pair_is_never_proposed_again():
    mentors = [person(1, 1, skills_offered={"a"}), person(2, 1)]
    mentees = [person(10, 4, skills_wanted={"a"})]

    assert pairs_of(match(mentors, mentees)) == [(1, 10)]
    assert pairs_of(match(mentors, mentees, MatchingRules(vetoed_pairs={(1, 10)}))) == [(2, 10)]


def test_do_not_pair_and_previous_pairs_match_either_order():
    mentors, mentees = [person(1, 1)], [person(10, 4)]

    assert match(mentors, mentees, MatchingRules(do_not_pair={(10, 1)})).pairs == []
    assert match(mentors, mentees, MatchingRules(previous_pairs={(10, 1)})).pairs == []


@pytest.mark.parametrize(
    ("mentor_boss", "mentee_id", "mentee_boss"),
    [(10, 10, None), (None, 10, 1), (7, 11, 7)],
    ids=["mentee manages mentor", "mentor manages mentee", "same manager"],
)
def test_one_reporting_line_is_never_paired(mentor_boss, mentee_id, mentee_boss):
    mentors = [person(1, 1, reporting_line=mentor_boss)]
    mentees = [person(mentee_id, 4, reporting_line=mentee_boss)]

    assert match(mentors, mentees).pairs == []
    assert len(match(mentors, mentees, MatchingRules(exclude_same_reporting_line=False)).pairs) == 1


@pytest.mark.parametrize(
    ("mentors", "mentees", "rules", "message"),
    [
        ([person(1, 1), person(1, 2)], [], MatchingRules(), "appears twice among the mentors"),
        ([person(1, 1)], [person(10, 4)], MatchingRules(objective="best"), "unknown objective"),
        ([person(1, 1)], [], MatchingRules(locked_pairs={(1, 10)}), "not in the program"),
        (
            [person(1, 1), person(2, 1)],
            [person(10, 4)],
            MatchingRules(locked_pairs={(1, 10), (2, 10)}),
            "locked to more than one mentor",
        ),
        (
            [person(1, 1)],
            [person(10, 4)],
            MatchingRules(locked_pairs={(1, 10)}, vetoed_pairs={(10, 1)}),
            "locked and vetoed",
        ),
    ],
)
def test_contradictory_input_is_refused(mentors, mentees, rules, message):
    with pytest.raises(MatchingInputError, match=message):
        match(mentors, mentees, rules)


@pytest.mark.parametrize(
    "build",
    [
        lambda: person(-1, 1),
        lambda: person(1, float("nan")),
        lambda: person(1, 1, utc_offset_hours=15),
        lambda: person(1, 1, capacity=0),
        lambda: MatchingRules(min_seniority_gap=-1),
        lambda: MatchingRules(mentor_capacity=0),
        lambda: Weights(language=-1),
        lambda: Weights(language=5000),
    ],
)
def test_impossible_values_are_refused(build):
    with pytest.raises(MatchingInputError):
        build()


def test_one_pool_splits_into_juniors_who_mentor_and_seniors():
    pool = [person(i, level) for i, level in enumerate([5, 1, 3, 2, 4])]

    mentors, mentees = split_by_seniority(pool)
    assert [c.seniority for c in mentors] == [1, 2]
    assert [c.seniority for c in mentees] == [3, 4, 5]

    mentors, mentees = split_by_seniority(pool, threshold=4)
    assert [c.seniority for c in mentors] == [1, 2, 3]


def test_a_time_zone_name_gives_its_utc_offset():
    assert utc_offset_hours("Asia/Kolkata") == 5.5
    assert utc_offset_hours("UTC") == 0
