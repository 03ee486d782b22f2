"""The pairing workflow at service level: runs, locks, vetoes, pairs by hand, publish,
leavers and their rematch — against the database, inside a rolled-back transaction."""

from __future__ import annotations

from collections import Counter

import pytest
import sqlalchemy as sa

from lti_tool.errors import DomainError, ValidationError
from lti_tool.extensions import db
from lti_tool.matching.decisions import (
    ManualPairNeedsReason,
    lift_veto,
    lock_pair,
    pair_by_hand,
    publish_pairs,
    unlock_pair,
    veto_pair,
)
from lti_tool.matching.leavers import flag_leavers
from lti_tool.matching.models import DoNotPair, PairStatus, ProgramStatus, RunStatus
from lti_tool.matching.pairing import rematch_leavers, run_matching
from lti_tool.matching.pool import build_pool
from lti_tool.roster.signals import members_left
from tests.matching import factories
from tests.matching.pairing_support import Learner, make_cohort

pytestmark = pytest.mark.usefixtures("app_ctx")

SOCIAL, AI, STRATEGY, LEADERSHIP = (
    "Social media",
    "AI and collaboration tools",
    "Strategy",
    "Leadership",
)

MIXED = [
    Learner("ana", 1, "Sales", offers=(SOCIAL, AI), wants=(STRATEGY,)),
    Learner("ben", 1, "IT", offers=(AI,), wants=(LEADERSHIP,)),
    Learner("cai", 2, "HR", offers=(SOCIAL,), wants=(STRATEGY, LEADERSHIP)),
    Learner("dee", 2, "Sales", offers=(AI, SOCIAL), languages=("French",)),
    Learner("eli", 3, "IT", offers=(SOCIAL,)),
    Learner("fay", 4, "Sales", offers=(STRATEGY,), wants=(SOCIAL, AI)),
    Learner("gus", 4, "HR", offers=(LEADERSHIP,), wants=(AI,)),
    Learner("hal", 5, "IT", offers=(STRATEGY, LEADERSHIP), wants=(SOCIAL,)),
    Learner("ivy", 6, "Sales", offers=(LEADERSHIP,), wants=(AI, SOCIAL)),
    Learner("jon", 6, "HR", offers=(STRATEGY,), wants=(SOCIAL,), languages=("French",)),
]


@pytest.mark.parametrize(
    "rules",
    [
        {},
        {"min_seniority_gap": 3.0, "exclude_same_department": True},
        {"mentor_capacity": 2, "max_timezone_gap_hours": 2.0, "require_shared_language": False},
    ],
    ids=["defaults", "wide-gap-other-department", "capacity-two"],
)
def test_every_stored_pair_respects_the_hard_rules(rules: dict) -> None:
    cohort = make_cohort(MIXED, **rules)
    program = cohort.program
    program.do_not_pairs.append(DoNotPair.between(program, cohort.id("ana"), cohort.id("ivy")))

    run = run_matching(program, requested_by_id=cohort.designer.id)

    pool = build_pool(program)
    engine_rules = program.matching_rules()
    by_id = {c.person_id: c for c in (*pool.mentors, *pool.mentees)}
    assert run.status == RunStatus.DONE and program.pairs
    for pair in program.pairs:
        mentor, mentee = by_id[pair.mentor_id], by_id[pair.mentee_id]
        assert factories.allowed(mentor, mentee, engine_rules), (mentor, mentee)
        assert pair.rules_broken == [] and pair.rules_passed
        assert pair.status == PairStatus.PROPOSED
        assert pair.score == pytest.approx(sum(pair.breakdown.values()))
        assert set(pair.explanation) == set(pair.breakdown)
    load = Counter(p.mentor_id for p in program.pairs)
    assert max(load.values()) <= program.mentor_capacity
    assert ("ana", "ivy") not in cohort.pairs()


def test_every_unmatched_person_is_stored_with_the_reason_in_words() -> None:
    cohort = make_cohort(
        [
            Learner("ana", 1, offers=(SOCIAL,)),
            Learner("ben", 5, wants=(SOCIAL,)),
            Learner("cai", 6, languages=("French",)),
            Learner("dee", 2, submitted=False),
            Learner("eli", None),
        ]
    )

    run = run_matching(cohort.program)

    reasons = {cohort.key(u["person_id"]): u["reason"] for u in run.unmatched}
    assert cohort.pairs() == {("ana", "ben")}
    assert reasons["dee"] == "has not submitted the intake profile yet"
    assert reasons["eli"].startswith("has no seniority yet")
    assert "language" in reasons["cai"]
    assert run.pair_count == 1 and run.people_count == 3


def test_a_locked_pair_survives_a_re_run_that_would_choose_otherwise() -> None:
    cohort = make_cohort(
        [
            Learner("ana", 1, offers=(SOCIAL,)),
            Learner("ben", 1, offers=(AI,)),
            Learner("fay", 5, wants=(SOCIAL,)),
            Learner("gus", 5, wants=(AI,)),
        ]
    )
    run_matching(cohort.program)
    assert cohort.pairs() == {("ana", "fay"), ("ben", "gus")}
    kept, _ = pair_by_hand(cohort.program, cohort.id("ana"), cohort.id("gus"))
    db.session.flush()

    run_matching(cohort.program)
    run_matching(cohort.program)

    assert cohort.pairs() == {("ana", "gus"), ("ben", "fay")}
    assert cohort.pair("ana", "gus") is kept and kept.status == PairStatus.LOCKED


def test_locking_a_proposal_keeps_its_row_and_unlocking_lets_the_next_run_replace_it() -> None:
    cohort = make_cohort(MIXED)
    run_matching(cohort.program)
    first = sorted(cohort.program.pairs, key=lambda p: p.id)
    lock_pair(first[0])

    run_matching(cohort.program)

    assert first[0] in cohort.program.pairs and first[0].status == PairStatus.LOCKED
    assert all(sa.inspect(p).was_deleted for p in first[1:])  # the proposals were replaced
    unlock_pair(first[0])
    run_matching(cohort.program)
    assert sa.inspect(first[0]).was_deleted


def test_a_vetoed_pair_is_never_proposed_again() -> None:
    cohort = make_cohort(
        [
            Learner("ana", 1, offers=(SOCIAL,)),
            Learner("ben", 1),
            Learner("fay", 5, wants=(SOCIAL,)),
        ]
    )
    run_matching(cohort.program)
    assert cohort.pairs() == {("ana", "fay")}

    veto_pair(cohort.pair("ana", "fay"), cohort.designer.id, "They work together daily")
    for _ in range(3):
        run = run_matching(cohort.program)
        assert ("ana", "fay") not in cohort.pairs()
    assert cohort.pairs() == {("ben", "fay")}
    unmatched = {cohort.key(u["person_id"]): u["reason"] for u in run.unmatched}
    assert "ana" in unmatched

    veto_pair(cohort.pair("ben", "fay"), cohort.designer.id)
    run = run_matching(cohort.program)
    assert cohort.pairs() == set()
    reason = {cohort.key(u["person_id"]): u["reason"] for u in run.unmatched}["fay"]
    assert "veto" in reason

    lift_veto(cohort.program, cohort.program.vetoes[0].id)
    run_matching(cohort.program)
    assert cohort.pairs() == {("ana", "fay")}


def test_a_pair_by_hand_that_breaks_a_rule_needs_a_written_reason() -> None:
    cohort = make_cohort([Learner("ana", 1), Learner("fay", 5), Learner("gus", 2)])
    run_matching(cohort.program)
    program = cohort.program

    with pytest.raises(ManualPairNeedsReason) as refused:
        pair_by_hand(program, cohort.id("fay"), cohort.id("gus"), override_reason="   ")
    assert any("junior" in rule or "seniority" in rule for rule in refused.value.broken)
    assert ("fay", "gus") not in cohort.pairs()

    pair, withdrawn = pair_by_hand(
        program,
        cohort.id("fay"),
        cohort.id("gus"),
        override_reason="Gus asked for Fay's finance expertise",
    )

    assert pair.is_manual and pair.status == PairStatus.LOCKED and pair.rules_broken
    assert pair.override_reason == "Gus asked for Fay's finance expertise"
    assert withdrawn == 1  # Ana's proposal with Fay was withdrawn
    run_matching(program)
    assert ("fay", "gus") in cohort.pairs(PairStatus.LOCKED)
    assert publish_pairs(program) == len(program.pairs)


def test_a_pair_by_hand_within_the_rules_needs_no_reason_and_lifts_a_veto() -> None:
    cohort = make_cohort([Learner("ana", 1), Learner("fay", 5)])
    run_matching(cohort.program)
    veto_pair(cohort.pair("ana", "fay"), None)

    with pytest.raises(ManualPairNeedsReason):  # the veto is a rule too
        pair_by_hand(cohort.program, cohort.id("ana"), cohort.id("fay"))
    pair, _ = pair_by_hand(
        cohort.program, cohort.id("ana"), cohort.id("fay"), override_reason="Vetoed by mistake"
    )

    assert pair.status == PairStatus.LOCKED and cohort.program.vetoes == []


def test_a_pair_by_hand_refuses_people_already_in_a_locked_pair_or_not_taking_part() -> None:
    cohort = make_cohort(
        [
            Learner("ana", 1),
            Learner("ben", 1),
            Learner("fay", 5),
            Learner("zed", 6, submitted=False),
        ]
    )
    run_matching(cohort.program)
    lock_pair(next(iter(cohort.program.pairs)))
    locked = next(iter(cohort.program.pairs))

    with pytest.raises(ValidationError, match="already has a mentor"):
        pair_by_hand(cohort.program, cohort.id("ben"), locked.mentee_id)
    with pytest.raises(ValidationError, match="has not submitted"):
        pair_by_hand(cohort.program, cohort.id("ben"), cohort.id("zed"))


def test_publishing_makes_the_pairs_and_the_program_active() -> None:
    cohort = make_cohort(MIXED)
    with pytest.raises(DomainError, match="no proposed pairs"):
        publish_pairs(cohort.program)
    run_matching(cohort.program)
    lock_pair(cohort.program.pairs[0])

    published = publish_pairs(cohort.program)

    assert published == len(cohort.program.pairs) > 0
    assert {p.status for p in cohort.program.pairs} == {PairStatus.ACTIVE}
    assert cohort.program.status == ProgramStatus.ACTIVE
    with pytest.raises(DomainError):
        run_matching(cohort.program)  # a live program is only rematched, never re-run


def test_matching_waits_for_the_intake_to_open() -> None:
    cohort = make_cohort([Learner("ana", 1), Learner("fay", 5)])
    cohort.program.status = ProgramStatus.DRAFT
    with pytest.raises(DomainError, match="draft"):
        run_matching(cohort.program)


def test_one_leaver_is_rematched_without_disturbing_the_other_pairs() -> None:
    cohort = make_cohort(
        [
            Learner("ana", 1, offers=(SOCIAL,)),
            Learner("ben", 1, offers=(AI,)),
            Learner("cai", 2, offers=(LEADERSHIP,)),
            Learner("dee", 2),
            Learner("fay", 5, wants=(SOCIAL,)),
            Learner("gus", 5, wants=(AI,)),
            Learner("hal", 6, wants=(LEADERSHIP,)),
        ]
    )
    program = cohort.program
    run_matching(program)
    publish_pairs(program)
    assert cohort.pairs() == {("ana", "fay"), ("ben", "gus"), ("cai", "hal")}
    untouched = {
        p.id: (p.mentor_id, p.mentee_id, p.score, p.status, p.activated_at)
        for p in program.pairs
        if p.mentor_id != cohort.id("ana")
    }

    cohort.leave("ana")
    assert flag_leavers(cohort.course.id, [cohort.id("ana")]) == 1
    ended = cohort.pair("ana", "fay")
    assert ended.status == PairStatus.ENDED and ended.needs_rematch
    with pytest.raises(DomainError, match="lost a partner"):
        publish_pairs(program)

    run = rematch_leavers(program, cohort.designer.id)

    assert cohort.pairs(PairStatus.PROPOSED) == {("dee", "fay")}
    assert not ended.needs_rematch and ended.end_reason == "Ana left the course"
    assert {
        p.id: (p.mentor_id, p.mentee_id, p.score, p.status, p.activated_at)
        for p in program.pairs
        if p.id in untouched
    } == untouched
    assert run.kind == "rematch" and any("Ana" in note for note in run.notes)
    assert publish_pairs(program) == 1
    assert program.status == ProgramStatus.ACTIVE
    assert cohort.pairs(PairStatus.ACTIVE) == {("dee", "fay"), ("ben", "gus"), ("cai", "hal")}


def test_a_leaver_in_a_proposed_pair_is_rematched_before_publishing() -> None:
    cohort = make_cohort(
        [
            Learner("ana", 1),
            Learner("ben", 1),
            Learner("cai", 2),
            Learner("fay", 5),
            Learner("gus", 5),
        ]
    )
    run_matching(cohort.program)
    lock_pair(cohort.program.pairs[0])
    before = cohort.pairs()
    leaver = cohort.key(cohort.program.pairs[0].mentee_id)
    cohort.leave(leaver)
    flag_leavers(cohort.course.id, [cohort.id(leaver)])

    rematch_leavers(cohort.program)

    after = cohort.pairs()
    assert all(leaver not in pair for pair in after)
    assert {p for p in before if leaver not in p} <= after
    assert not any(p.needs_rematch for p in cohort.program.pairs)


def test_a_locked_pair_whose_partner_left_is_dropped_by_the_next_run() -> None:
    cohort = make_cohort([Learner("ana", 1), Learner("ben", 1), Learner("fay", 5)])
    run_matching(cohort.program)
    pair = cohort.program.pairs[0]
    lock_pair(pair)
    cohort.leave(cohort.key(pair.mentee_id))

    run = run_matching(cohort.program)

    assert cohort.program.pairs == [] and "can no longer take part" in run.notes[0]


def test_leaving_members_of_another_course_changes_nothing() -> None:
    cohort = make_cohort([Learner("ana", 1), Learner("fay", 5)])
    other = make_cohort([Learner("ana", 1), Learner("fay", 5)])
    run_matching(cohort.program)
    publish_pairs(cohort.program)

    assert flag_leavers(other.course.id, [cohort.id("ana")]) == 0
    assert cohort.pairs(PairStatus.ACTIVE) == {("ana", "fay")}


def test_the_roster_sync_signal_flags_the_leavers_pairs() -> None:
    cohort = make_cohort(
        [Learner("ana", 1), Learner("ben", 1), Learner("fay", 5), Learner("gus", 5)]
    )
    run_matching(cohort.program)
    publish_pairs(cohort.program)
    leaver = cohort.key(cohort.program.pairs[0].mentor_id)
    cohort.leave(leaver)

    members_left.send(cohort.course.id, person_ids=[cohort.id(leaver)])

    [ended] = [p for p in cohort.program.pairs if p.status == PairStatus.ENDED]
    assert ended.needs_rematch and leaver in cohort.pairs(PairStatus.ENDED).pop()
    assert len(cohort.pairs(PairStatus.ACTIVE)) == 1
