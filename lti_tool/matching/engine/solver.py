"""Globally optimal, deterministic assignment of mentees to mentors.

Both objectives first pair as many people as the hard rules allow (a maximum-cardinality
matching: an unmatched person is the worst outcome a program can have), then:

- ``total``: the largest sum of scores among those matchings;
- ``maximin`` ("favour the worst-off pair"): the largest possible lowest pair score among those
  matchings, then the largest sum among the matchings that reach it.

Capacity is column replication: a mentor who takes ``c`` mentees is ``c`` identical columns.
SciPy's ``linear_sum_assignment`` (shortest augmenting paths, exact) solves the rectangular
problem with feasible cells costed ``-(B + score)`` and infeasible ones ``0`` (= left unmatched),
where ``B`` exceeds any achievable score sum, so one more pair always beats any score gain.
Scores are whole thousandths, so every cost and sum is an exactly represented integer and ties
are broken the same way on every run (both sides are sorted by ``person_id`` beforehand).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy.optimize import linear_sum_assignment
from scipy.sparse import csr_array
from scipy.sparse.csgraph import maximum_bipartite_matching

Assignment = tuple[np.ndarray, np.ndarray]  # (row indices, column indices) of the pairs
EXACT_LIMIT = 2**52


def _live(feasible: np.ndarray, capacity: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows, and columns with room, that have at least one feasible cell."""
    rows = np.flatnonzero(feasible.any(axis=1))
    cols = np.flatnonzero(feasible.any(axis=0) & (capacity > 0))
    return rows, cols


def _submatrix(matrix: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    if len(rows) == matrix.shape[0] and len(cols) == matrix.shape[1]:
        return matrix
    return matrix[np.ix_(rows, cols)]


def maximise_total(score: np.ndarray, feasible: np.ndarray, capacity: np.ndarray) -> Assignment:
    """The maximum-cardinality matching with the largest total score.

    ``score`` (int, thousandths) and ``feasible`` are mentees x mentors; ``capacity`` per mentor.
    """
    rows, cols = _live(feasible, capacity)
    if len(rows) == 0 or len(cols) == 0:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    sub_score = _submatrix(score, rows, cols)
    sub_feasible = _submatrix(feasible, rows, cols)
    # one slot per mentor, then the extra slots of mentors who take more than one mentee
    slots = np.concatenate(
        [np.arange(len(cols)), np.repeat(np.arange(len(cols)), capacity[cols] - 1)]
    )
    most_pairs = min(len(rows), len(slots))
    top = max(int(sub_score.max()), 0)
    bonus = top * most_pairs + 1
    if (bonus + top) * most_pairs >= EXACT_LIMIT:
        raise ValueError("too many people or too large weights for exact costs")
    cost = np.empty((len(rows), len(slots)), dtype=np.float64)
    first = cost[:, : len(cols)]
    np.add(sub_score, float(bonus), out=first)
    np.negative(first, out=first)
    first *= sub_feasible
    if len(slots) > len(cols):
        cost[:, len(cols) :] = first[:, slots[len(cols) :]]
    r, c = linear_sum_assignment(cost)
    del cost, first
    keep = sub_feasible[r, slots[c]]
    return rows[r[keep]], cols[slots[c[keep]]]


def _edges(
    score: np.ndarray, feasible: np.ndarray, capacity: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, tuple[int, int]]:
    """Feasible cells as CSR arrays (indptr, slot indices, scores), capacity replicated."""
    rows, cols = np.nonzero(feasible)  # row-major, so already grouped by row
    copies = capacity[cols]
    first_slot = np.cumsum(capacity) - capacity
    total = int(copies.sum())
    starts = np.repeat(np.cumsum(copies) - copies, copies)
    slots = np.repeat(first_slot[cols], copies) + (np.arange(total) - starts)
    values = np.repeat(score[rows, cols], copies)
    per_row = np.bincount(np.repeat(rows, copies), minlength=feasible.shape[0])
    indptr = np.concatenate([[0], np.cumsum(per_row)])
    return indptr, slots.astype(np.int32), values, (feasible.shape[0], int(capacity.sum()))


def _matching_size(
    indptr: np.ndarray, slots: np.ndarray, keep: np.ndarray, shape: tuple[int, int]
) -> int:
    """Size of a maximum matching using the edges marked ``keep`` (Hopcroft–Karp)."""
    kept = np.concatenate([[0], np.cumsum(keep)])
    graph = csr_array(
        (np.ones(int(kept[-1]), dtype=np.int8), slots[keep], kept[indptr]), shape=shape
    )
    return int((maximum_bipartite_matching(graph, perm_type="column") >= 0).sum())


def maximise_minimum(score: np.ndarray, feasible: np.ndarray, capacity: np.ndarray) -> Assignment:
    """Among maximum-cardinality matchings, one whose lowest score is as high as possible, and
    among those the largest total.

    Bisection over the distinct feasible scores: a threshold is reachable when the cells scoring
    at least it still admit a matching as large as the unrestricted maximum (Hopcroft–Karp).
    """
    if not feasible.any():
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    indptr, slots, values, shape = _edges(score, feasible, capacity)
    most = _matching_size(indptr, slots, np.ones(len(values), dtype=bool), shape)
    thresholds = np.unique(values)
    lo, hi = 0, len(thresholds) - 1
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if _matching_size(indptr, slots, values >= thresholds[mid], shape) == most:
            lo = mid
        else:
            hi = mid - 1
    del indptr, slots, values
    return maximise_total(score, feasible & (score >= thresholds[lo]), capacity)


OBJECTIVES: dict[str, Callable[[np.ndarray, np.ndarray, np.ndarray], Assignment]] = {
    "total": maximise_total,
    "maximin": maximise_minimum,
}
