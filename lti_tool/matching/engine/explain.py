"""Explanations: why a pair scored what it did, and why a person was left unmatched.

Only the result's pairs and unmatched people are explained, so the cost grows with the number
of people, not with the number of possible pairs.
"""

from __future__ import annotations

from collections.abc import Collection

import numpy as np

from lti_tool.matching.engine.candidates import ProposedPair
from lti_tool.matching.engine.encoding import Grid, Problem
from lti_tool.matching.engine.rules import Clause, active_rules
from lti_tool.matching.engine.scoring import FACTORS, MILLI, factor_points

BLOCK_CELLS = 1 << 16  # explain unmatched people in blocks of about this many pairs


def describe_pairs(
    problem: Problem,
    mentee_idx: np.ndarray,
    mentor_idx: np.ndarray,
    locked: Collection[tuple[int, int]],
    other_mentees: np.ndarray | None = None,
) -> list[ProposedPair]:
    """Score breakdown, reasons and rule checks for each (mentee, mentor) index pair.

    Capacity is checked against the number of these pairs each mentor has, plus
    ``other_mentees`` (per mentor) they have outside them.
    """
    grid = Grid(problem, mentee_idx, mentor_idx, outer=False)
    points = factor_points(grid)
    rules = [rule for rule in active_rules(grid) if rule.is_about_the_pair]
    allowed = [rule.allows(grid) for rule in rules]
    load = np.bincount(grid.mentor_idx, minlength=len(problem.mentors))
    if other_mentees is not None:
        load = load + other_mentees
    pairs = []
    for k, (e, m) in enumerate(
        zip(grid.mentee_idx.tolist(), grid.mentor_idx.tolist(), strict=True)
    ):
        mentor, mentee = problem.mentors.people[m], problem.mentees.people[e]
        breakdown = {key: int(values[k]) / MILLI for key, values in points.items()}
        passed, broken = [], []
        for rule, ok in zip(rules, allowed, strict=True):
            if not ok[k]:
                broken.append(rule.broken(mentor, mentee, problem.rules))
            elif (sentence := rule.passed(mentor, mentee, problem.rules)) is not None:
                passed.append(sentence)
        capacity = int(problem.mentors.capacity[m])
        mentees_word = "mentee" if load[m] == 1 else "mentees"
        held = f"{mentor.display_name} has {load[m]} {mentees_word} (capacity {capacity})"
        if load[m] <= capacity:
            passed.append(held)
        else:
            broken.append("over capacity: " + held)
        pairs.append(
            ProposedPair(
                mentor_id=mentor.person_id,
                mentee_id=mentee.person_id,
                score=sum(int(values[k]) for values in points.values()) / MILLI,
                breakdown=breakdown,
                reasons={f.key: f.sentence(mentor, mentee) for f in FACTORS if f.key in points},
                rules_passed=passed,
                rules_broken=broken,
                is_locked=(mentor.person_id, mentee.person_id) in locked,
            )
        )
    return pairs


def _and(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def no_partner_sentence(partner: str, clauses: list[Clause]) -> str:
    """``no mentor at least 2 levels more junior who shares a language``."""
    phrases = [c.text for c in clauses if not (c.is_who or c.is_note)]
    whos = [c.text for c in clauses if c.is_who]
    notes = [c.text for c in clauses if c.is_note]
    sentence = f"no {partner}"
    if phrases:
        sentence += " " + " ".join(phrases)
    if whos:
        sentence += " who " + _and(whos)
    return "; ".join([sentence, *notes])


def _taken_sentence(partner: str, count: int) -> str:
    if partner == "mentor":
        if count == 1:
            return "the only compatible mentor was already at capacity"
        return f"all {count} compatible mentors were already at capacity"
    if count == 1:
        return "the only compatible mentee was paired with another mentor"
    return f"all {count} compatible mentees were paired with other mentors"


def unmatched_reasons(problem: Problem, side: str, people: np.ndarray) -> list[str]:
    """For each unmatched person of ``side`` (indices), the reason in words.

    The hard rules are applied in order to all of the person's possible partners; the reason
    names every rule that removed someone, up to the rule that removed the last one. If some
    partners pass every rule, the optimum gave them to others.
    """
    partner = "mentor" if side == "mentee" else "mentee"
    n_partners = len(problem.mentors if side == "mentee" else problem.mentees)
    if n_partners == 0:
        return [f"no {partner}s in this program"] * len(people)
    everyone = np.arange(n_partners)
    block = max(1, BLOCK_CELLS // n_partners)
    cache: dict[str, np.ndarray] = {}  # only valid while the mentors stay the same
    reasons: list[str] = []
    for start in range(0, len(people), block):
        chunk = np.asarray(people[start : start + block], dtype=np.int64)
        if side == "mentee":
            grid, axis = Grid(problem, chunk, everyone, outer=True, cache=cache), 1
        else:
            grid, axis = Grid(problem, everyone, chunk, outer=True), 0
        rules = active_rules(grid)
        alive = np.ones(grid.shape, dtype=bool)
        before = np.full(len(chunk), n_partners)
        removed, emptied_by = [], np.full(len(chunk), -1)
        for r, rule in enumerate(rules):
            alive &= rule.allows(grid)
            after = alive.sum(axis=axis)
            removed.append(after < before)
            emptied_by[(after == 0) & (before > 0)] = r
            before = after
        people_of_side = problem.mentees.people if side == "mentee" else problem.mentors.people
        for p in range(len(chunk)):
            last = int(emptied_by[p])
            if last < 0:
                reasons.append(_taken_sentence(partner, int(before[p])))
                continue
            who = people_of_side[chunk[p]]
            clauses = [
                rules[r].clause(problem.rules, partner, who)
                for r in range(last + 1)
                if removed[r][p]
            ]
            reasons.append(no_partner_sentence(partner, clauses))
    return reasons
