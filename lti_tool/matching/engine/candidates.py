"""What the matching engine takes in: people, the program's rules, and the score weights.

Plain frozen dataclasses, so the engine can be called and tested without an app or a database;
the service layer builds them from ``Profile`` rows and the ``Program``'s matching settings.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from zoneinfo import ZoneInfo

PairIds = frozenset[tuple[int, int]]

# Bounds that keep every score, in thousandths of a point, exact in the solver's float64 costs.
MAX_WEIGHT = 1000.0


class MatchingInputError(ValueError):
    """The people, rules or locks given to the engine contradict each other."""


class ManualPairRejected(MatchingInputError):
    """A manual pair breaks hard rules and no written reason was given to override them."""

    def __init__(self, broken: list[str]):
        super().__init__("This pair breaks the program's rules: " + "; ".join(broken))
        self.broken = broken


def _pairs(value: Iterable[tuple[int, int]]) -> PairIds:
    pairs = frozenset((int(a), int(b)) for a, b in value)
    return pairs


@dataclass(frozen=True)
class Candidate:
    """One person's intake profile, as far as matching needs it.

    ``seniority`` is a level or a number of years — one scale per program. ``reporting_line`` is
    the person's manager's ``person_id``. ``capacity`` is how many mentees this person takes when
    mentoring (``None``: the program's default).
    """

    person_id: int
    seniority: float
    name: str = ""
    department: str | None = None
    reporting_line: int | None = None
    skills_offered: frozenset[str] = frozenset()
    skills_wanted: frozenset[str] = frozenset()
    interests: frozenset[str] = frozenset()
    goals: frozenset[str] = frozenset()
    languages: frozenset[str] = frozenset()
    utc_offset_hours: float = 0.0
    open_to_other_department: bool = True
    capacity: int | None = None

    def __post_init__(self) -> None:
        for name in ("skills_offered", "skills_wanted", "interests", "goals", "languages"):
            object.__setattr__(self, name, frozenset(getattr(self, name)))
        if self.person_id < 0:
            raise MatchingInputError(f"person_id must not be negative, got {self.person_id}")
        if not math.isfinite(self.seniority):
            raise MatchingInputError(f"{self.display_name} has no usable seniority")
        if not -12 <= self.utc_offset_hours <= 14:
            raise MatchingInputError(f"{self.display_name}: UTC offset must be within -12..+14")
        if self.capacity is not None and self.capacity < 1:
            raise MatchingInputError(f"{self.display_name}: capacity must be at least 1")

    @property
    def display_name(self) -> str:
        return self.name or f"#{self.person_id}"


@dataclass(frozen=True)
class MatchingRules:
    """The program's hard rules and its objective.

    Pair sets hold ``(mentor_id, mentee_id)``; ``previous_pairs``, ``do_not_pair`` and
    ``vetoed_pairs`` match either order, ``locked_pairs`` are kept exactly as given.
    ``objective`` names an entry of ``solver.OBJECTIVES``.
    """

    min_seniority_gap: float = 1.0
    seniority_unit: str = "levels"
    exclude_same_department: bool = False
    respect_department_preference: bool = True
    exclude_same_reporting_line: bool = True
    require_shared_language: bool = True
    max_timezone_gap_hours: float | None = None
    mentor_capacity: int = 1
    previous_pairs: PairIds = frozenset()
    do_not_pair: PairIds = frozenset()
    vetoed_pairs: PairIds = frozenset()
    locked_pairs: PairIds = frozenset()
    objective: str = "total"

    def __post_init__(self) -> None:
        for name in ("previous_pairs", "do_not_pair", "vetoed_pairs", "locked_pairs"):
            object.__setattr__(self, name, _pairs(getattr(self, name)))
        if not (math.isfinite(self.min_seniority_gap) and self.min_seniority_gap >= 0):
            raise MatchingInputError("the minimum seniority gap must be zero or more")
        if self.mentor_capacity < 1:
            raise MatchingInputError("mentor capacity must be at least 1")
        gap = self.max_timezone_gap_hours
        if gap is not None and not gap >= 0:
            raise MatchingInputError("the largest time-zone gap must be zero or more hours")

    def capacity_of(self, mentor: Candidate) -> int:
        return mentor.capacity if mentor.capacity is not None else self.mentor_capacity


@dataclass(frozen=True)
class Weights:
    """Points each factor gives a pair at full strength; designers tune them per program.

    The defaults add up to 100, so a score reads as a percentage of a perfect match.
    """

    mentor_offers: float = 40.0
    mentee_offers: float = 20.0
    shared_interests: float = 10.0
    shared_goals: float = 10.0
    language: float = 5.0
    timezone: float = 5.0
    cross_department: float = 10.0

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if not (math.isfinite(value) and 0 <= value <= MAX_WEIGHT):
                raise MatchingInputError(f"weight {f.name} must be between 0 and {MAX_WEIGHT:g}")

    def as_dict(self) -> dict[str, float]:
        return {f.name: float(getattr(self, f.name)) for f in fields(self)}


@dataclass(frozen=True)
class ProposedPair:
    """A mentor–mentee pair with its score broken down by factor and the rules it was checked on.

    ``breakdown`` maps a factor to its points, ``reasons`` the same factor to a sentence.
    ``rules_broken`` is empty for every pair the engine proposes; only a locked or manual pair
    can carry broken rules, and then ``override_reason`` says why (when it was given).
    """

    mentor_id: int
    mentee_id: int
    score: float
    breakdown: dict[str, float]
    reasons: dict[str, str]
    rules_passed: list[str]
    rules_broken: list[str] = field(default_factory=list)
    is_locked: bool = False
    override_reason: str | None = None


@dataclass(frozen=True)
class Unmatched:
    """A person left without a partner, and the rule that left them out, in words."""

    person_id: int
    side: str  # "mentor" or "mentee"
    reason: str


@dataclass(frozen=True)
class MatchResult:
    """Pairs (locked ones included), unmatched people, and the objective's outcome."""

    pairs: list[ProposedPair]
    unmatched: list[Unmatched]
    total_score: float
    objective: str

    @property
    def min_score(self) -> float | None:
        """Lowest score among the pairs the engine proposed (locked pairs left aside)."""
        scores = [p.score for p in self.pairs if not p.is_locked]
        return min(scores) if scores else None


def utc_offset_hours(time_zone: str, at: dt.datetime | None = None) -> float:
    """The UTC offset, in hours, of an IANA time zone (``Europe/Paris``) at ``at`` (now)."""
    moment = at or dt.datetime.now(dt.UTC)
    offset = moment.astimezone(ZoneInfo(time_zone)).utcoffset()
    return offset.total_seconds() / 3600 if offset is not None else 0.0


def split_by_seniority(
    pool: Iterable[Candidate], threshold: float | None = None
) -> tuple[list[Candidate], list[Candidate]]:
    """Split one pool into (mentors, mentees): juniors mentor, seniors are mentored.

    With ``threshold``, people below it mentor; without, the junior half does (ties broken by
    ``person_id``, an odd person out joins the mentees).
    """
    people = sorted(pool, key=lambda c: (c.seniority, c.person_id))
    if threshold is None:
        half = len(people) // 2
        return people[:half], people[half:]
    return (
        [c for c in people if c.seniority < threshold],
        [c for c in people if c.seniority >= threshold],
    )
