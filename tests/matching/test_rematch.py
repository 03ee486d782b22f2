"""Rematching after someone leaves: the others' pairs stay exactly as they were."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lti_tool.matching.engine import match, rematch
from lti_tool.matching.engine.candidates import MatchingRules
from tests.matching import factories
from tests.matching.factories import person, programs


def test_a_mentee_whose_mentor_left_gets_the_best_free_mentor():
    mentors = [
        person(1, 1, skills_offered={"a"}),
        person(2, 1, skills_offered={"b"}),
        person(3, 1, skills_offered={"a"}),
    ]
    mentees = [person(10, 4, skills_wanted={"a"}), person(11, 4, skills_wanted={"b"})]
    before = match(mentors, mentees)
    assert [(p.mentor_id, p.mentee_id) for p in before.pairs] == [(1, 10), (2, 11)]

    after = rematch(before, [1], mentors, mentees)

    assert [(p.mentor_id, p.mentee_id) for p in after.pairs] == [(2, 11), (3, 10)]
    assert after.pairs[0] == before.pairs[1]
    assert [u.person_id for u in after.unmatched] == []


def test_a_mentor_who_lost_a_mentee_takes_a_free_one_and_no_one_else_is_paired():
    mentors = [person(1, 1, skills_offered={"a"}), person(2, 1)]
    mentees = [person(10, 4, skills_wanted={"a"}), person(11, 4), person(12, 4)]
    before = match(mentors, mentees)
    left_out = {u.person_id for u in before.unmatched}
    assert left_out == {12}

    after = rematch(before, [10], mentors, mentees)

    assert [(p.mentor_id, p.mentee_id) for p in after.pairs] == [(1, 12), (2, 11)]


def test_people_outside_the_rematch_stay_unmatched_and_are_told_why():
    mentors = [person(1, 1, skills_offered={"a"}), person(2, 1, languages={"French"})]
    mentees = [person(10, 4), person(11, 4, skills_wanted={"a"}, languages={"French", "English"})]
    before = match(mentors, mentees, MatchingRules(vetoed_pairs={(2, 11)}))
    assert [(p.mentor_id, p.mentee_id) for p in before.pairs] == [(1, 11)]

    after = rematch(before, [11], mentors, mentees, MatchingRules(vetoed_pairs={(2, 11)}))

    assert [(p.mentor_id, p.mentee_id) for p in after.pairs] == [(1, 10)]
    reasons = {u.person_id: u.reason for u in after.unmatched}
    assert reasons == {2: "no mentee who shares a language"}


def test_a_locked_pair_and_its_override_reason_survive_a_rematch():
    mentors, mentees = [person(1, 1), person(2, 1)], [person(10, 4), person(11, 4)]
    rules = MatchingRules(locked_pairs={(2, 10)})
    before = match(mentors, mentees, rules)
    before = replace(  # as the service stores it
        before,
        pairs=[replace(p, override_reason="asked for each other") for p in before.pairs],
    )

    after = rematch(before, [1], mentors, mentees, rules)

    assert [(p.mentor_id, p.mentee_id, p.is_locked) for p in after.pairs] == [(2, 10, True)]
    assert after.pairs[0].override_reason == "asked for each other"
    assert {u.person_id: u.reason for u in after.unmatched} == {
        11: "the only compatible mentor was already at capacity"
    }


def test_someone_free_before_a_rematch_is_told_it_was_only_for_those_left_alone():
    mentors = [person(1, 1, skills_offered={"a"}), person(2, 1)]
    mentees = [person(10, 4, skills_wanted={"a"}), person(11, 4)]
    before = match(mentors, mentees, MatchingRules(locked_pairs={(1, 10)}))
    assert [(p.mentor_id, p.mentee_id) for p in before.pairs] == [(1, 10), (2, 11)]
    # 12 joined after the first run; only 11, whose mentor left, is rematched
    after = rematch(before, [2], mentors, [*mentees, person(12, 4)])

    assert [(p.mentor_id, p.mentee_id) for p in after.pairs] == [(1, 10)]
    assert {u.person_id: u.reason for u in after.unmatched} == {
        11: "the only compatible mentor was already at capacity",
        12: "no mentor who lost a partner when someone left",
    }


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programs(), st.data())
def test_a_rematch_keeps_every_pair_without_a_leaver(program, data):
    mentors, mentees, rules, weights = program
    before = match(mentors, mentees, rules, weights)
    people = sorted({c.person_id for c in [*mentors, *mentees]})
    leavers = data.draw(st.sets(st.sampled_from(people), max_size=2))

    after = rematch(before, leavers, mentors, mentees, rules, weights)

    kept = [p for p in before.pairs if p.mentor_id not in leavers and p.mentee_id not in leavers]
    pairs = {(p.mentor_id, p.mentee_id): p for p in after.pairs}
    for pair in kept:  # only a capacity check can read differently once a leaver is gone
        same = pairs[(pair.mentor_id, pair.mentee_id)]
        assert (same.score, same.breakdown, same.is_locked) == (
            pair.score,
            pair.breakdown,
            pair.is_locked,
        )
    mentor_of = {c.person_id: c for c in mentors}
    mentee_of = {c.person_id: c for c in mentees}
    orphans = {p.mentee_id for p in before.pairs if p.mentor_id in leavers} | {
        p.mentor_id for p in before.pairs if p.mentee_id in leavers
    }
    for ids in pairs:
        assert leavers.isdisjoint(ids)
        if all(ids != (k.mentor_id, k.mentee_id) for k in kept):
            assert orphans.intersection(ids)
            assert factories.allowed(mentor_of[ids[0]], mentee_of[ids[1]], rules)
