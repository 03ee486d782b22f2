"""The matching engine's public API: pure functions from people and rules to scored pairs.

No Flask and no database: the matching service builds ``Candidate`` s from profiles, calls
``match`` (or ``rematch`` when someone leaves), and stores the ``ProposedPair`` s with their
explanations. Every function is deterministic: the same people, rules and weights give the same
pairs whatever order the people come in.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace

import numpy as np

from lti_tool.matching.engine.candidates import (
    Candidate,
    ManualPairRejected,
    MatchingInputError,
    MatchingRules,
    MatchResult,
    ProposedPair,
    Unmatched,
    Weights,
)
from lti_tool.matching.engine.encoding import Grid, Problem, encode
from lti_tool.matching.engine.explain import describe_pairs, unmatched_reasons
from lti_tool.matching.engine.rules import feasible
from lti_tool.matching.engine.scoring import MILLI, score
from lti_tool.matching.engine.solver import OBJECTIVES

BLOCK_CELLS = 1 << 16  # build the score and rule matrices in row blocks of about this many pairs


def match(
    mentors: Sequence[Candidate],
    mentees: Sequence[Candidate],
    rules: MatchingRules | None = None,
    weights: Weights | None = None,
) -> MatchResult:
    """Pair mentees (seniors) with mentors (juniors), optimally for ``rules.objective``.

    Locked pairs are kept first (they use up their mentor's capacity); the rest are assigned by
    the solver under every hard rule. Every unmatched person gets the reason in words.

    :raise MatchingInputError: a person twice on one side, an unknown objective, or a locked
        pair that names someone absent, gives a mentee two mentors, or is also vetoed.
    """
    rules = rules or MatchingRules()
    return _run(mentors, mentees, rules, weights or Weights(), sorted(rules.locked_pairs), None)


def rematch(
    previous: MatchResult,
    leaver_ids: Iterable[int],
    mentors: Sequence[Candidate],
    mentees: Sequence[Candidate],
    rules: MatchingRules | None = None,
    weights: Weights | None = None,
    *,
    freed_ids: Iterable[int] = (),
) -> MatchResult:
    """Rematch after people leave, without disturbing anyone else's pair.

    Every pair of ``previous`` without a leaver is kept as it was; only the people a leaver
    left alone (a mentee whose mentor left, a mentor who lost a mentee) and the ``freed_ids``
    (both people of a pair a designer ended, no longer in ``previous``) get new partners,
    chosen among people still free. Leavers are dropped from ``mentors``/``mentees`` if still
    there.

    :raise MatchingInputError: as ``match``, or a kept pair names someone no longer listed.
    """
    rules = rules or MatchingRules()
    leavers = frozenset(leaver_ids)
    mentors = [c for c in mentors if c.person_id not in leavers]
    mentees = [c for c in mentees if c.person_id not in leavers]
    rules = replace(
        rules, locked_pairs={p for p in rules.locked_pairs if not leavers.intersection(p)}
    )
    kept = {
        (p.mentor_id, p.mentee_id): p
        for p in previous.pairs
        if p.mentor_id not in leavers and p.mentee_id not in leavers
    }
    orphans = (
        frozenset(
            {p.mentee_id for p in previous.pairs if p.mentor_id in leavers}
            | {p.mentor_id for p in previous.pairs if p.mentee_id in leavers}
            | set(freed_ids)
        )
        - leavers
    )
    locked = rules.locked_pairs | {ids for ids, p in kept.items() if p.is_locked}
    result = _run(
        mentors,
        mentees,
        replace(rules, locked_pairs=locked),
        weights or Weights(),
        sorted(set(kept) | locked),
        orphans,
    )
    pairs = [
        replace(p, override_reason=kept[key].override_reason)
        if (key := (p.mentor_id, p.mentee_id)) in kept
        else p
        for p in result.pairs
    ]
    return replace(result, pairs=pairs)


def check_manual_pair(
    mentor: Candidate,
    mentee: Candidate,
    rules: MatchingRules | None = None,
    existing_pairs: Iterable[tuple[int, int]] = (),
) -> list[str]:
    """The hard rules a designer's manual pair would break, in words (empty: none).

    ``existing_pairs`` are the program's other ``(mentor_id, mentee_id)`` pairs, for capacity
    and for "this mentee already has a mentor".
    """
    return _manual_pair(mentor, mentee, rules or MatchingRules(), Weights(), existing_pairs)[1]


def make_manual_pair(
    mentor: Candidate,
    mentee: Candidate,
    rules: MatchingRules | None = None,
    weights: Weights | None = None,
    existing_pairs: Iterable[tuple[int, int]] = (),
    override_reason: str | None = None,
) -> ProposedPair:
    """A designer's own pair, scored and explained like a proposed one, and locked.

    Keep it by adding it to ``rules.locked_pairs`` (and dropping any veto of the same pair:
    ``match`` refuses a pair both locked and vetoed); its broken rules stay on record.

    :raise ManualPairRejected: the pair breaks a hard rule and no written
        ``override_reason`` was given.
    """
    pair, broken = _manual_pair(
        mentor, mentee, rules or MatchingRules(), weights or Weights(), existing_pairs
    )
    reason = (override_reason or "").strip() or None
    if broken and reason is None:
        raise ManualPairRejected(broken)
    return replace(pair, rules_broken=broken, is_locked=True, override_reason=reason)


def _manual_pair(
    mentor: Candidate,
    mentee: Candidate,
    rules: MatchingRules,
    weights: Weights,
    existing_pairs: Iterable[tuple[int, int]],
) -> tuple[ProposedPair, list[str]]:
    ids = (mentor.person_id, mentee.person_id)
    others = {(int(a), int(b)) for a, b in existing_pairs} - {ids}
    taken = sum(1 for a, _ in others if a == mentor.person_id)
    problem = encode([mentor], [mentee], rules, weights)
    zero = np.zeros(1, dtype=np.int64)
    pair = describe_pairs(problem, zero, zero, (), other_mentees=np.array([taken]))[0]
    broken = list(pair.rules_broken)
    mentors_of_mentee = sorted(a for a, b in others if b == mentee.person_id)
    if mentors_of_mentee:
        broken.append(f"{mentee.display_name} already has a mentor (#{mentors_of_mentee[0]})")
    return pair, broken


def _matrices(
    problem: Problem, mentee_idx: np.ndarray, mentor_idx: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Scores (int32 thousandths) and feasibility of every free mentee x free mentor."""
    shape = (len(mentee_idx), len(mentor_idx))
    scores = np.empty(shape, dtype=np.int32)
    allowed = np.empty(shape, dtype=bool)
    block = max(1, BLOCK_CELLS // max(1, len(mentor_idx)))
    cache: dict[str, np.ndarray] = {}
    for start in range(0, len(mentee_idx), block):
        rows = mentee_idx[start : start + block]
        grid = Grid(problem, rows, mentor_idx, outer=True, cache=cache)
        allowed[start : start + block] = feasible(grid)
        scores[start : start + block] = score(grid)
    return scores, allowed


def _fixed_indices(
    problem: Problem, fixed: Sequence[tuple[int, int]]
) -> tuple[np.ndarray, np.ndarray]:
    mentors, mentees, vetoed = problem.mentors, problem.mentees, problem.rules.vetoed_pairs
    rows, cols, seen = [], [], set()
    for mentor_id, mentee_id in fixed:
        if mentor_id not in mentors.index or mentee_id not in mentees.index:
            raise MatchingInputError(
                f"the locked pair ({mentor_id}, {mentee_id}) names someone not in the program"
            )
        if mentee_id in seen:
            raise MatchingInputError(f"mentee {mentee_id} is locked to more than one mentor")
        if (mentor_id, mentee_id) in vetoed or (mentee_id, mentor_id) in vetoed:
            raise MatchingInputError(f"the pair ({mentor_id}, {mentee_id}) is locked and vetoed")
        seen.add(mentee_id)
        rows.append(mentees.index[mentee_id])
        cols.append(mentors.index[mentor_id])
    return np.array(rows, dtype=np.int64), np.array(cols, dtype=np.int64)


def _run(
    mentors: Sequence[Candidate],
    mentees: Sequence[Candidate],
    rules: MatchingRules,
    weights: Weights,
    fixed: Sequence[tuple[int, int]],
    focus_ids: frozenset[int] | None,
) -> MatchResult:
    if rules.objective not in OBJECTIVES:
        choices = ", ".join(sorted(OBJECTIVES))
        raise MatchingInputError(f"unknown objective {rules.objective!r}; use one of {choices}")
    problem = encode(mentors, mentees, rules, weights, focus_ids)
    fixed_rows, fixed_cols = _fixed_indices(problem, fixed)
    n_mentees, n_mentors = len(problem.mentees), len(problem.mentors)
    remaining = problem.mentors.capacity - np.bincount(fixed_cols, minlength=n_mentors)
    free_mentees = np.setdiff1d(np.arange(n_mentees), fixed_rows)
    free_mentors = np.flatnonzero(remaining > 0)
    scores, allowed = _matrices(problem, free_mentees, free_mentors)
    r, c = OBJECTIVES[rules.objective](scores, allowed, remaining[free_mentors])
    del scores, allowed
    rows = np.concatenate([fixed_rows, free_mentees[r]])
    cols = np.concatenate([fixed_cols, free_mentors[c]])
    pairs = describe_pairs(problem, rows, cols, rules.locked_pairs)
    pairs.sort(key=lambda p: (p.mentor_id, p.mentee_id))

    lonely_mentors = np.setdiff1d(np.arange(n_mentors), cols)
    lonely_mentees = np.setdiff1d(np.arange(n_mentees), rows)
    unmatched = [
        Unmatched(int(problem.mentors.ids[i]), "mentor", reason)
        for i, reason in zip(
            lonely_mentors, unmatched_reasons(problem, "mentor", lonely_mentors), strict=True
        )
    ] + [
        Unmatched(int(problem.mentees.ids[i]), "mentee", reason)
        for i, reason in zip(
            lonely_mentees, unmatched_reasons(problem, "mentee", lonely_mentees), strict=True
        )
    ]
    total = sum(round(p.score * MILLI) for p in pairs) / MILLI
    return MatchResult(
        pairs=pairs, unmatched=unmatched, total_score=total, objective=rules.objective
    )
