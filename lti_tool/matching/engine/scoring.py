"""The reciprocal score: factors, each worth up to its designer-set weight.

Each factor gives every pair of a grid a strength in [0, 1]; times its weight that is the
factor's points. Points are kept in whole thousandths (``MILLI``) so that sums are exact: the
solver's optimum, a pair's breakdown and its total always agree to the last digit.

Factors, in the order they are shown:

- ``mentor_offers``: share of the mentee's wanted skills the mentor offers;
- ``mentee_offers``: share of the mentor's wanted skills the mentee offers back;
- ``shared_interests``/``shared_goals``: shared keys over the smaller of the two sets;
- ``language``: any language in common;
- ``timezone``: share of an 8-hour working day the two have in common;
- ``cross_department``: the two work in different (known) departments.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from lti_tool.matching.engine.candidates import Candidate
from lti_tool.matching.engine.encoding import Grid
from lti_tool.matching.engine.rules import (
    WORKING_HOURS,
    cross_department,
    hours_apart,
    num,
    timezone_distance,
    utc,
)

MILLI = 1000


@dataclass(frozen=True)
class Factor:
    key: str  # also the name of its weight in ``Weights``
    strength: Callable[[Grid], np.ndarray]  # float64 in [0, 1]
    sentence: Callable[[Candidate, Candidate], str]  # (mentor, mentee) -> why these points


def _share(g: Grid, mentee_field: str, mentor_field: str, of: str) -> np.ndarray:
    """Shared keys over the size of ``of``'s set ("mentee", "mentor" or "smaller"), or 0."""
    if of == "mentee":
        size = g.mentee_size(mentee_field)
    elif of == "mentor":
        size = g.mentor_size(mentor_field)
    else:
        size = np.minimum(g.mentee_size(mentee_field), g.mentor_size(mentor_field))
    return g.overlap(mentee_field, mentor_field) / np.maximum(size, 1.0)


def _listing(keys: frozenset[str]) -> str:
    return ", ".join(sorted(keys))


def _offers(giver: Candidate, taker: Candidate, back: str = "") -> str:
    given = giver.skills_offered & taker.skills_wanted
    if not taker.skills_wanted:
        return f"{taker.display_name} listed nothing they want to learn"
    if not given:
        return f"{giver.display_name} offers none of what {taker.display_name} wants"
    return (
        f"{giver.display_name} offers {_listing(given)}{back} that {taker.display_name} wants "
        f"({len(given)} of {len(taker.skills_wanted)})"
    )


def _shared(label: str, mentor: frozenset[str], mentee: frozenset[str]) -> str:
    common = mentor & mentee
    return f"Shared {label}: {_listing(common)}" if common else f"No shared {label}"


def _timezone_sentence(mentor: Candidate, mentee: Candidate) -> str:
    d = hours_apart(mentor.utc_offset_hours, mentee.utc_offset_hours)
    overlap = max(0.0, WORKING_HOURS - d)
    zones = f"{utc(mentor.utc_offset_hours)} and {utc(mentee.utc_offset_hours)}"
    return f"Working days overlap {num(overlap)} of {num(WORKING_HOURS)} hours ({zones})"


def _department_sentence(mentor: Candidate, mentee: Candidate) -> str:
    if mentor.department is None or mentee.department is None:
        return "Department not known for both"
    if mentor.department == mentee.department:
        return f"Same department ({mentor.department})"
    return f"Cross-department pair: {mentor.department} and {mentee.department}"


def _language_sentence(mentor: Candidate, mentee: Candidate) -> str:
    common = mentor.languages & mentee.languages
    return f"They share {_listing(common)}" if common else "No language in common"


FACTORS: tuple[Factor, ...] = (
    Factor(
        "mentor_offers",
        lambda g: _share(g, "skills_wanted", "skills_offered", of="mentee"),
        lambda m, e: _offers(m, e),
    ),
    Factor(
        "mentee_offers",
        lambda g: _share(g, "skills_offered", "skills_wanted", of="mentor"),
        lambda m, e: _offers(e, m, back=" back"),
    ),
    Factor(
        "shared_interests",
        lambda g: _share(g, "interests", "interests", of="smaller"),
        lambda m, e: _shared("interests", m.interests, e.interests),
    ),
    Factor(
        "shared_goals",
        lambda g: _share(g, "goals", "goals", of="smaller"),
        lambda m, e: _shared("goals", m.goals, e.goals),
    ),
    Factor(
        "language",
        lambda g: (g.overlap("languages", "languages") > 0).astype(np.float64),
        _language_sentence,
    ),
    Factor(
        "timezone",
        lambda g: (
            np.maximum(
                WORKING_HOURS - timezone_distance(g.mentee("utc_offset"), g.mentor("utc_offset")),
                0.0,
            )
            / WORKING_HOURS
        ),
        _timezone_sentence,
    ),
    Factor(
        "cross_department", lambda g: cross_department(g).astype(np.float64), _department_sentence
    ),
)


def factor_points(grid: Grid) -> dict[str, np.ndarray]:
    """Each weighted factor's points for every pair of the grid, in thousandths (int64)."""
    weights = grid.problem.weights.as_dict()
    points = {}
    for factor in FACTORS:
        scale = weights[factor.key] * MILLI
        if scale == 0:
            continue
        points[factor.key] = np.rint(factor.strength(grid) * scale).astype(np.int64)
    return points


def score(grid: Grid) -> np.ndarray:
    """The pairs' scores in thousandths of a point (int64): the sum of their factor points."""
    total = np.zeros(grid.shape, dtype=np.int64)
    for points in factor_points(grid).values():
        total += points
    return total
