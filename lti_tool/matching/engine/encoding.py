"""People turned into arrays, so rules and scores are computed for all pairs at once.

Each side is sorted by ``person_id`` (the engine's only ordering, which makes results
independent of input order). Sets of keys become 0/1 matrices over a vocabulary shared by both
sides, so "how many of A's wants does B offer" for every pair is one matrix product.

A ``Grid`` evaluates per-person arrays over pairs, either over every (mentee, mentor) of two
index lists (``outer``) or over given pairs one by one (``paired``). Rules and factors are
written once against a grid, so the solver's matrices and a single pair's explanation can never
disagree.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from lti_tool.matching.engine.candidates import (
    Candidate,
    MatchingInputError,
    MatchingRules,
    Weights,
)

NO_ONE = -1  # department or manager code for "unknown"
SET_FIELDS = ("skills_offered", "skills_wanted", "interests", "goals", "languages")
VOCABULARY = {  # which vocabulary each set field is encoded over
    "skills_offered": "skills",
    "skills_wanted": "skills",
    "interests": "interests",
    "goals": "goals",
    "languages": "languages",
}


@dataclass(frozen=True)
class Side:
    """One side's people (sorted by id) and their attributes as arrays."""

    people: tuple[Candidate, ...]
    ids: np.ndarray
    index: dict[int, int]
    seniority: np.ndarray
    department: np.ndarray
    manager: np.ndarray
    is_open: np.ndarray
    utc_offset: np.ndarray
    capacity: np.ndarray
    sets: dict[str, np.ndarray]  # field -> float32 0/1 matrix (people x vocabulary)
    sizes: dict[str, np.ndarray]  # field -> float64 set sizes
    focus: np.ndarray | None  # rematch: only pairs touching these people are allowed

    def __len__(self) -> int:
        return len(self.people)


@dataclass(frozen=True)
class Problem:
    """Both sides encoded, with the program's rules and pair lists as pair keys."""

    mentors: Side
    mentees: Side
    rules: MatchingRules
    weights: Weights
    # rule key -> sorted pair keys, mentee_idx * len(mentors) + mentor_idx
    pair_keys: dict[str, np.ndarray]


def sort_side(people: Iterable[Candidate], side: str) -> tuple[Candidate, ...]:
    """People sorted by id; a person twice on one side is an input error."""
    ordered = tuple(sorted(people, key=lambda c: c.person_id))
    for a, b in itertools.pairwise(ordered):
        if a.person_id == b.person_id:
            raise MatchingInputError(f"person {a.person_id} appears twice among the {side}s")
    return ordered


def _vocabularies(people: Iterable[Candidate]) -> dict[str, dict[str, int]]:
    keys: dict[str, set[str]] = {name: set() for name in set(VOCABULARY.values())}
    for person in people:
        for name in SET_FIELDS:
            keys[VOCABULARY[name]].update(getattr(person, name))
    return {name: {k: i for i, k in enumerate(sorted(v))} for name, v in keys.items()}


def _set_matrix(people: Sequence[Candidate], name: str, vocabulary: dict[str, int]) -> np.ndarray:
    matrix = np.zeros((len(people), len(vocabulary)), dtype=np.float32)
    rows = [i for i, p in enumerate(people) for _ in getattr(p, name)]
    cols = [vocabulary[k] for p in people for k in getattr(p, name)]
    matrix[rows, cols] = 1.0
    return matrix


def _side(
    people: tuple[Candidate, ...],
    rules: MatchingRules,
    vocabularies: dict[str, dict[str, int]],
    departments: dict[str, int],
    focus_ids: frozenset[int] | None,
) -> Side:
    ids = np.array([p.person_id for p in people], dtype=np.int64)
    sets = {name: _set_matrix(people, name, vocabularies[VOCABULARY[name]]) for name in SET_FIELDS}
    return Side(
        people=people,
        ids=ids,
        index={p.person_id: i for i, p in enumerate(people)},
        seniority=np.array([p.seniority for p in people], dtype=np.float64),
        department=np.array(
            [NO_ONE if p.department is None else departments[p.department] for p in people],
            dtype=np.int64,
        ),
        manager=np.array(
            [NO_ONE if p.reporting_line is None else p.reporting_line for p in people],
            dtype=np.int64,
        ),
        is_open=np.array([p.open_to_other_department for p in people], dtype=bool),
        utc_offset=np.array([p.utc_offset_hours for p in people], dtype=np.float64),
        capacity=np.array([rules.capacity_of(p) for p in people], dtype=np.int64),
        sets=sets,
        sizes={name: matrix.sum(axis=1, dtype=np.float64) for name, matrix in sets.items()},
        focus=None
        if focus_ids is None
        else np.isin(ids, np.array(sorted(focus_ids), dtype=np.int64)),
    )


def _keys(pairs: Iterable[tuple[int, int]], mentors: Side, mentees: Side) -> np.ndarray:
    """Pair keys for people present on the right sides, in either order of the given pair."""
    keys = set()
    for a, b in pairs:
        for mentor_id, mentee_id in ((a, b), (b, a)):
            if mentor_id in mentors.index and mentee_id in mentees.index:
                keys.add(mentees.index[mentee_id] * len(mentors) + mentors.index[mentor_id])
    return np.array(sorted(keys), dtype=np.int64)


def encode(
    mentors: Iterable[Candidate],
    mentees: Iterable[Candidate],
    rules: MatchingRules,
    weights: Weights,
    focus_ids: frozenset[int] | None = None,
) -> Problem:
    """Encode both sides over shared vocabularies; ``focus_ids`` restricts pairs (rematch)."""
    mentor_people = sort_side(mentors, "mentor")
    mentee_people = sort_side(mentees, "mentee")
    everyone = mentor_people + mentee_people
    vocabularies = _vocabularies(everyone)
    names = sorted({p.department for p in everyone if p.department is not None})
    departments = {name: i for i, name in enumerate(names)}
    mentor_side = _side(mentor_people, rules, vocabularies, departments, focus_ids)
    mentee_side = _side(mentee_people, rules, vocabularies, departments, focus_ids)
    pair_lists = {
        "previous_pairs": rules.previous_pairs,
        "do_not_pair": rules.do_not_pair,
        "vetoed_pairs": rules.vetoed_pairs,
    }
    return Problem(
        mentors=mentor_side,
        mentees=mentee_side,
        rules=rules,
        weights=weights,
        pair_keys={k: _keys(v, mentor_side, mentee_side) for k, v in pair_lists.items()},
    )


class Grid:
    """Per-person values laid over pairs of (mentee, mentor) indices.

    ``outer``: every mentee of ``mentee_idx`` with every mentor of ``mentor_idx`` (a matrix).
    Otherwise the two index arrays have equal length and the k-th pair is
    ``(mentee_idx[k], mentor_idx[k])`` (a vector). Elementwise results are identical either way.
    Values are named by ``Side`` attribute. Grids that share ``mentor_idx`` (row blocks of one
    matrix) may share a ``cache`` of the mentors' picked values.
    """

    def __init__(
        self,
        problem: Problem,
        mentee_idx: np.ndarray,
        mentor_idx: np.ndarray,
        *,
        outer: bool,
        cache: dict[str, np.ndarray] | None = None,
    ):
        self.problem = problem
        self.mentee_idx = np.asarray(mentee_idx, dtype=np.int64)
        self.mentor_idx = np.asarray(mentor_idx, dtype=np.int64)
        self.outer = outer
        self.cache = {} if cache is None else cache
        if outer:
            self.shape: tuple[int, ...] = (len(self.mentee_idx), len(self.mentor_idx))
        else:
            if len(self.mentee_idx) != len(self.mentor_idx):
                raise ValueError("paired grids need index arrays of equal length")
            self.shape = (len(self.mentee_idx),)

    def _mentor_pick(self, key: str, values: np.ndarray) -> np.ndarray:
        if key not in self.cache:
            picked = values[self.mentor_idx]
            self.cache[key] = picked[None, :] if self.outer else picked
        return self.cache[key]

    def mentee(self, name: str) -> np.ndarray:
        picked = getattr(self.problem.mentees, name)[self.mentee_idx]
        return picked[:, None] if self.outer else picked

    def mentor(self, name: str) -> np.ndarray:
        return self._mentor_pick(name, getattr(self.problem.mentors, name))

    def mentee_size(self, field: str) -> np.ndarray:
        picked = self.problem.mentees.sizes[field][self.mentee_idx]
        return picked[:, None] if self.outer else picked

    def mentor_size(self, field: str) -> np.ndarray:
        return self._mentor_pick("size:" + field, self.problem.mentors.sizes[field])

    def overlap(self, mentee_field: str, mentor_field: str) -> np.ndarray:
        """How many keys of a mentee's set are in a mentor's set, for each pair (float64)."""
        a = self.problem.mentees.sets[mentee_field][self.mentee_idx]
        if not self.outer:
            b = self.problem.mentors.sets[mentor_field][self.mentor_idx]
            return np.einsum("ij,ij->i", a, b).astype(np.float64)
        key = "set:" + mentor_field
        if key not in self.cache:
            picked = self.problem.mentors.sets[mentor_field][self.mentor_idx]
            self.cache[key] = np.ascontiguousarray(picked.T)
        # The operands are exact 0/1 matrices, so no invalid value can arise; some OpenBLAS
        # builds raise the floating-point "invalid" flag spuriously in matmul, now and then
        # (numpy/numpy#24067), which the suite's warnings-as-errors turned into a flaky test.
        with np.errstate(invalid="ignore"):
            product = a @ self.cache[key]
        return product.astype(np.float64)

    def in_pair_list(self, rule_key: str) -> np.ndarray:
        """Whether each pair is on one of the program's pair lists (bool)."""
        keys = self.problem.pair_keys[rule_key]
        n_mentors = len(self.problem.mentors)
        if not self.outer:
            return np.isin(self.mentee_idx * n_mentors + self.mentor_idx, keys)
        found = np.zeros(self.shape, dtype=bool)
        if len(keys) == 0 or 0 in self.shape:
            return found
        row_of = np.full(len(self.problem.mentees), -1, dtype=np.int64)
        row_of[self.mentee_idx] = np.arange(len(self.mentee_idx))
        col_of = np.full(n_mentors, -1, dtype=np.int64)
        col_of[self.mentor_idx] = np.arange(len(self.mentor_idx))
        rows, cols = row_of[keys // n_mentors], col_of[keys % n_mentors]
        here = (rows >= 0) & (cols >= 0)
        found[rows[here], cols[here]] = True
        return found
