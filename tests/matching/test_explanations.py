"""What the engine says about a pair and about someone left unmatched."""

from __future__ import annotations

import pytest

from lti_tool.matching.engine import match
from lti_tool.matching.engine.candidates import MatchingRules, Weights
from tests.matching.factories import person

AISHA = person(
    1,
    1,
    name="Aisha",
    department="IT",
    skills_offered={"social media", "AI tools", "podcasting"},
    skills_wanted={"strategy"},
    interests={"cycling", "chess"},
    goals={"visibility"},
    languages={"English", "Urdu"},
    utc_offset_hours=1,
)
ROBERT = person(
    10,
    4,
    name="Robert",
    department="Finance",
    skills_offered={"strategy", "budgeting"},
    skills_wanted={"social media", "AI tools", "leadership", "budgeting"},
    interests={"cycling"},
    goals={"visibility", "network"},
    utc_offset_hours=3,
)


def reasons_for(result) -> dict[int, str]:
    return {u.person_id: u.reason for u in result.unmatched}


def test_a_pair_is_explained_factor_by_factor():
    [pair] = match([AISHA], [ROBERT], MatchingRules(min_seniority_gap=2)).pairs

    assert pair.breakdown == {
        "mentor_offers": 20.0,  # 2 of Robert's 4 wants x 40
        "mentee_offers": 20.0,
        "shared_interests": 10.0,  # cycling, over the smaller set (1)
        "shared_goals": 10.0,
        "language": 5.0,
        "timezone": 3.75,  # 2 hours apart: 6 of 8 working hours
        "cross_department": 10.0,
    }
    assert pair.score == 78.75
    assert pair.reasons["mentor_offers"] == (
        "Aisha offers AI tools, social media that Robert wants (2 of 4)"
    )
    assert pair.reasons["mentee_offers"] == "Robert offers strategy back that Aisha wants (1 of 1)"
    assert pair.reasons["shared_interests"] == "Shared interests: cycling"
    assert pair.reasons["language"] == "They share English"
    assert pair.reasons["timezone"] == "Working days overlap 6 of 8 hours (UTC+1 and UTC+3)"
    assert pair.reasons["cross_department"] == "Cross-department pair: IT and Finance"
    assert pair.rules_passed[0] == "Aisha is 3 levels more junior than Robert (at least 2 levels)"
    assert "share a language (English)" in pair.rules_passed
    assert pair.rules_passed[-1] == "Aisha has 1 mentee (capacity 1)"
    assert pair.rules_broken == []


def test_factors_weighted_zero_are_left_out():
    weights = Weights(timezone=0, cross_department=0)
    [pair] = match([AISHA], [ROBERT], MatchingRules(), weights).pairs

    assert "timezone" not in pair.breakdown and "cross_department" not in pair.reasons
    assert pair.score == 65.0


def test_the_reason_names_the_rules_that_emptied_the_field():
    mentors = [
        person(1, 3, name="Too senior"),
        person(2, 1, name="No shared language", languages={"Polish"}),
    ]
    result = match(mentors, [person(10, 4)], MatchingRules(min_seniority_gap=2))

    assert (
        reasons_for(result)[10] == "no mentor at least 2 levels more junior who shares a language"
    )
    assert reasons_for(result)[1] == "no mentee at least 2 levels more senior"
    assert reasons_for(result)[2] == "no mentee who shares a language"


def test_rules_that_removed_no_one_are_not_named():
    rules = MatchingRules(min_seniority_gap=1, exclude_same_department=True)
    result = match([person(1, 1, department="IT")], [person(10, 4, department="IT")], rules)

    assert reasons_for(result)[10] == "no mentor from another department"


@pytest.mark.parametrize(
    ("rules", "mentor", "reason"),
    [
        (
            MatchingRules(max_timezone_gap_hours=3),
            person(1, 1, utc_offset_hours=-5),
            "no mentor within 3 hours' time difference",
        ),
        (
            MatchingRules(),
            person(1, 1, reporting_line=10),
            "no mentor outside their reporting line",
        ),
        (
            MatchingRules(previous_pairs={(10, 1)}),
            person(1, 1),
            "no mentor who has not been paired with them before",
        ),
        (
            MatchingRules(do_not_pair={(1, 10)}),
            person(1, 1),
            "no mentor who is not on their do-not-pair list",
        ),
        (
            MatchingRules(vetoed_pairs={(1, 10)}),
            person(1, 1),
            "no mentor who was not vetoed for them",
        ),
        (
            MatchingRules(),
            person(1, 1, department="IT", open_to_other_department=False),
            "no mentor who is open to a partner from another department",
        ),
        (
            MatchingRules(min_seniority_gap=0),
            person(1, 5),
            "no mentor at the same level or more junior",
        ),
        (
            MatchingRules(min_seniority_gap=1.5, seniority_unit="years"),
            person(1, 3),
            "no mentor at least 1.5 years more junior",
        ),
    ],
)
def test_each_hard_rule_has_words(rules, mentor, reason):
    mentee = person(10, 4, department="Sales")

    assert reasons_for(match([mentor], [mentee], rules))[10] == reason


def test_a_person_who_wants_their_own_department_is_reminded_of_it():
    rules = MatchingRules(min_seniority_gap=2, exclude_same_department=True)
    mentors = [person(1, 1, department="IT"), person(2, 3, department="IT")]
    mentee = person(10, 4, name="Robert", department="HR", open_to_other_department=False)

    assert reasons_for(match(mentors, [mentee], rules))[10] == (
        "no mentor at least 2 levels more junior; "
        "they asked for a partner from their own department"
    )


def test_several_who_clauses_read_as_one_sentence():
    rules = MatchingRules(do_not_pair={(1, 10)})
    mentors = [person(1, 1), person(2, 1, languages={"Polish"})]

    assert reasons_for(match(mentors, [person(10, 4)], rules))[10] == (
        "no mentor who shares a language and is not on their do-not-pair list"
    )


def test_compatible_partners_taken_by_others_are_reported_as_capacity():
    mentors = [person(1, 1, skills_offered={"AI tools"})]
    mentees = [
        person(10, 4, skills_wanted={"AI tools"}),
        person(11, 4),
        person(12, 4),
    ]
    result = match(mentors, mentees)

    assert [(p.mentor_id, p.mentee_id) for p in result.pairs] == [(1, 10)]
    assert reasons_for(result)[11] == "the only compatible mentor was already at capacity"

    more = match([*mentors, person(2, 1, skills_offered={"AI tools"})], [*mentees, person(13, 9)])
    assert reasons_for(more)[12] == "all 2 compatible mentors were already at capacity"


def test_an_unmatched_mentor_is_told_the_mentees_went_elsewhere():
    mentors = [person(1, 1, skills_offered={"AI tools"}), person(2, 1)]
    result = match(mentors, [person(10, 4, skills_wanted={"AI tools"})])

    assert reasons_for(result)[2] == "the only compatible mentee was paired with another mentor"


def test_an_empty_side_is_named():
    result = match([person(1, 1)], [])

    assert reasons_for(result) == {1: "no mentees in this program"}
    assert result.pairs == [] and result.total_score == 0


def test_a_locked_pair_that_breaks_rules_says_which():
    rules = MatchingRules(min_seniority_gap=2, locked_pairs={(1, 10)})
    [pair] = match([person(1, 3, name="Ana")], [person(10, 4, name="Ben")], rules).pairs

    assert pair.is_locked
    assert pair.rules_broken == ["Ana is not 2 levels more junior than Ben (the gap is 1)"]
