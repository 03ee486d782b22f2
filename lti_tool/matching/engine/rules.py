"""The hard rules, in the order an unmatched person's explanation walks through them.

Each rule says, for all pairs of a grid at once, which pairs it allows; and in words, what a
partner must be to pass it (``clause``), and how one pair passed or broke it. Capacity is the
one hard rule not here: it limits how many pairs a mentor takes, not which.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from lti_tool.matching.engine.candidates import Candidate, MatchingRules
from lti_tool.matching.engine.encoding import NO_ONE, Grid

WORKING_HOURS = 8.0


def timezone_distance(a: np.ndarray | float, b: np.ndarray | float) -> np.ndarray:
    """Hours between two UTC offsets (each within -12..+14), the short way round the clock."""
    d = np.abs(np.subtract(a, b))
    return np.minimum(d, np.abs(24.0 - d))


def hours_apart(a: float, b: float) -> float:
    """``timezone_distance`` for two people, without numpy's per-call cost."""
    d = abs(a - b)
    return min(d, abs(24.0 - d))


def num(value: float) -> str:
    """A number as a person writes it: 2, 1.5, 0.25."""
    return f"{round(float(value), 2):g}"


def units(value: float, unit: str) -> str:
    """``2 levels``, ``1 level``, ``3 years``."""
    return f"{num(value)} {unit[:-1] if num(value) == '1' and unit.endswith('s') else unit}"


def utc(offset: float) -> str:
    """``UTC+5:30``, ``UTC-3``, ``UTC``."""
    if offset == 0:
        return "UTC"
    minutes = round(abs(offset) * 60)
    hours, rest = divmod(minutes, 60)
    return f"UTC{'+' if offset > 0 else '-'}{hours}" + (f":{rest:02d}" if rest else "")


@dataclass(frozen=True)
class Clause:
    """What a partner must be to pass a rule: a phrase ("from another department"); when
    ``is_who``, a verb phrase that follows "who" ("shares a language"); when ``is_note``, a
    remark about the person themselves ("they asked for ...")."""

    text: str
    is_who: bool = False
    is_note: bool = False


@dataclass(frozen=True)
class HardRule:
    key: str
    is_active: Callable[[MatchingRules, Grid | None], bool]
    allows: Callable[[Grid], np.ndarray]
    # (rules, the partner's side "mentor" or "mentee", the person looking for a partner)
    clause: Callable[[MatchingRules, str, Candidate], Clause]
    passed: Callable[[Candidate, Candidate, MatchingRules], str | None]
    broken: Callable[[Candidate, Candidate, MatchingRules], str]
    is_about_the_pair: bool = True  # False: limits which new pairs are proposed, nothing more


def _same_department(g: Grid) -> np.ndarray:
    mentee, mentor = g.mentee("department"), g.mentor("department")
    return (mentee == mentor) & (mentee != NO_ONE)


def cross_department(g: Grid) -> np.ndarray:
    """Pairs whose departments are both known and differ."""
    mentee, mentor = g.mentee("department"), g.mentor("department")
    return (mentee != mentor) & (mentee != NO_ONE) & (mentor != NO_ONE)


def _reporting_line_ok(g: Grid) -> np.ndarray:
    mentee_boss, mentor_boss = g.mentee("manager"), g.mentor("manager")
    same_boss = (mentee_boss == mentor_boss) & (mentee_boss != NO_ONE)
    return ~(same_boss | (mentor_boss == g.mentee("ids")) | (mentee_boss == g.mentor("ids")))


def _reporting_line_broken(mentor: Candidate, mentee: Candidate, rules: MatchingRules) -> str:
    if mentor.reporting_line == mentee.person_id:
        return f"{mentee.display_name} is {mentor.display_name}'s manager"
    if mentee.reporting_line == mentor.person_id:
        return f"{mentor.display_name} is {mentee.display_name}'s manager"
    return f"{mentor.display_name} and {mentee.display_name} have the same manager"


def _department_preference_clause(rules: MatchingRules, side: str, person: Candidate) -> Clause:
    if not person.open_to_other_department:
        return Clause("they asked for a partner from their own department", is_note=True)
    return Clause("is open to a partner from another department", is_who=True)


def _department_preference_broken(mentor: Candidate, mentee: Candidate, _: MatchingRules) -> str:
    closed = [p.display_name for p in (mentor, mentee) if not p.open_to_other_department]
    return " and ".join(closed) + " asked for a partner from their own department"


def _seniority_clause(rules: MatchingRules, side: str, person: Candidate) -> Clause:
    direction = "junior" if side == "mentor" else "senior"
    if rules.min_seniority_gap == 0:
        return Clause(f"at the same level or more {direction}")
    return Clause(
        f"at least {units(rules.min_seniority_gap, rules.seniority_unit)} more {direction}"
    )


def _seniority_passed(mentor: Candidate, mentee: Candidate, rules: MatchingRules) -> str:
    gap = mentee.seniority - mentor.seniority
    return (
        f"{mentor.display_name} is {units(gap, rules.seniority_unit)} more junior than "
        f"{mentee.display_name} (at least {units(rules.min_seniority_gap, rules.seniority_unit)})"
    )


def _seniority_broken(mentor: Candidate, mentee: Candidate, rules: MatchingRules) -> str:
    gap = mentee.seniority - mentor.seniority
    return (
        f"{mentor.display_name} is not {units(rules.min_seniority_gap, rules.seniority_unit)} "
        f"more junior than {mentee.display_name} (the gap is {num(gap)})"
    )


def _languages(mentor: Candidate, mentee: Candidate) -> str:
    return ", ".join(sorted(mentor.languages & mentee.languages))


def _timezone_passed(mentor: Candidate, mentee: Candidate, rules: MatchingRules) -> str:
    d = hours_apart(mentor.utc_offset_hours, mentee.utc_offset_hours)
    return f"{num(d)} h apart (at most {num(rules.max_timezone_gap_hours or 0)} h)"


def _timezone_broken(mentor: Candidate, mentee: Candidate, rules: MatchingRules) -> str:
    d = hours_apart(mentor.utc_offset_hours, mentee.utc_offset_hours)
    return f"{num(d)} h apart, more than {num(rules.max_timezone_gap_hours or 0)} h"


def _on_list(key: str) -> Callable[[Grid], np.ndarray]:
    return lambda g: ~g.in_pair_list(key)


def _always(rules: MatchingRules, grid: Grid | None) -> bool:
    return True


RULES: tuple[HardRule, ...] = (
    HardRule(
        "distinct_people",
        _always,
        lambda g: g.mentee("ids") != g.mentor("ids"),
        lambda r, side, person: Clause("other than themselves"),
        lambda m, e, r: None,
        lambda m, e, r: "a person cannot mentor themselves",
    ),
    HardRule(
        "seniority_gap",
        _always,
        lambda g: (
            g.mentee("seniority") - g.mentor("seniority") >= g.problem.rules.min_seniority_gap
        ),
        _seniority_clause,
        _seniority_passed,
        _seniority_broken,
    ),
    HardRule(
        "same_department",
        lambda r, g: r.exclude_same_department,
        lambda g: ~_same_department(g),
        lambda r, side, person: Clause("from another department"),
        lambda m, e, r: (
            f"different departments ({m.department}, {e.department})"
            if m.department and e.department
            else "department not known for both, so not the same"
        ),
        lambda m, e, r: f"both in {m.department}",
    ),
    HardRule(
        "department_preference",
        lambda r, g: r.respect_department_preference,
        lambda g: ~cross_department(g) | (g.mentee("is_open") & g.mentor("is_open")),
        _department_preference_clause,
        lambda m, e, r: "department preferences respected",
        _department_preference_broken,
    ),
    HardRule(
        "same_reporting_line",
        lambda r, g: r.exclude_same_reporting_line,
        _reporting_line_ok,
        lambda r, side, person: Clause("outside their reporting line"),
        lambda m, e, r: "not in the same reporting line",
        _reporting_line_broken,
    ),
    HardRule(
        "shared_language",
        lambda r, g: r.require_shared_language,
        lambda g: g.overlap("languages", "languages") > 0,
        lambda r, side, person: Clause("shares a language", is_who=True),
        lambda m, e, r: f"share a language ({_languages(m, e)})",
        lambda m, e, r: "no language in common",
    ),
    HardRule(
        "timezone_gap",
        lambda r, g: r.max_timezone_gap_hours is not None,
        lambda g: (
            timezone_distance(g.mentee("utc_offset"), g.mentor("utc_offset"))
            <= g.problem.rules.max_timezone_gap_hours
        ),
        lambda r, side, person: Clause(
            f"within {num(r.max_timezone_gap_hours or 0)} hours' time difference"
        ),
        _timezone_passed,
        _timezone_broken,
    ),
    HardRule(
        "previous_pairs",
        lambda r, g: bool(r.previous_pairs),
        _on_list("previous_pairs"),
        lambda r, side, person: Clause("has not been paired with them before", is_who=True),
        lambda m, e, r: "not paired before",
        lambda m, e, r: "paired before",
    ),
    HardRule(
        "do_not_pair",
        lambda r, g: bool(r.do_not_pair),
        _on_list("do_not_pair"),
        lambda r, side, person: Clause("is not on their do-not-pair list", is_who=True),
        lambda m, e, r: "not on the do-not-pair list",
        lambda m, e, r: "on the do-not-pair list",
    ),
    HardRule(
        "vetoed",
        lambda r, g: bool(r.vetoed_pairs),
        _on_list("vetoed_pairs"),
        lambda r, side, person: Clause("was not vetoed for them", is_who=True),
        lambda m, e, r: "not vetoed",
        lambda m, e, r: "vetoed by the designer",
    ),
    HardRule(
        "rematch",
        lambda r, g: g is not None and g.problem.mentors.focus is not None,
        lambda g: g.mentee("focus") | g.mentor("focus"),
        lambda r, side, person: Clause("lost a partner when someone left", is_who=True),
        lambda m, e, r: None,
        lambda m, e, r: "neither was left without a partner by a leaver",
        is_about_the_pair=False,
    ),
)


def active_rules(grid: Grid) -> list[HardRule]:
    rules = grid.problem.rules
    return [rule for rule in RULES if rule.is_active(rules, grid)]


def feasible(grid: Grid) -> np.ndarray:
    """Pairs of the grid that pass every active hard rule."""
    allowed = np.ones(grid.shape, dtype=bool)
    for rule in active_rules(grid):
        allowed &= rule.allows(grid)
    return allowed
