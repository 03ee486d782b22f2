"""Test data for the matching engine: a person factory, Hypothesis strategies, and a plain-Python
reference (hard rules, scores, brute-force optimum) written straight from the documented
definitions, independent of the engine's vectorised code."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from hypothesis import strategies as st

from lti_tool.matching.engine.candidates import Candidate, MatchingRules, Weights

SKILLS = ("social media", "AI tools", "strategy", "leadership", "data literacy")
INTERESTS = ("cycling", "podcasts", "chess")
GOALS = ("confidence", "visibility", "network")
LANGUAGES = ("English", "French", "German")
DEPARTMENTS = ("Sales", "IT", "HR", None)
OFFSETS = (-12.0, -5.0, 0.0, 0.0, 1.0, 1.0, 2.0, 5.5, 14.0)


def person(person_id: int, seniority: float, **fields) -> Candidate:
    """A candidate who speaks English, with anything else given by keyword."""
    fields.setdefault("languages", {"English"})
    return Candidate(person_id=person_id, seniority=seniority, **fields)


def _sets(keys: Sequence[str], max_size: int = 3) -> st.SearchStrategy[frozenset[str]]:
    return st.frozensets(st.sampled_from(keys), max_size=max_size)


@st.composite
def candidates(
    draw, ids: Sequence[int], managers: Sequence[int], levels: Sequence[float]
) -> list[Candidate]:
    """People with a few keys each, mostly speaking English, mostly open to other departments."""
    english = st.sampled_from((frozenset({"English"}),) * 9 + (frozenset(),))
    return [
        Candidate(
            person_id=person_id,
            seniority=draw(st.sampled_from(levels)),
            name=f"P{person_id}",
            department=draw(st.sampled_from(DEPARTMENTS)),
            reporting_line=draw(st.sampled_from((None,) * 3 * len(managers) + tuple(managers))),
            skills_offered=draw(_sets(SKILLS)),
            skills_wanted=draw(_sets(SKILLS)),
            interests=draw(_sets(INTERESTS)),
            goals=draw(_sets(GOALS)),
            languages=draw(english) | draw(st.frozensets(st.sampled_from(LANGUAGES), max_size=1)),
            utc_offset_hours=draw(st.sampled_from(OFFSETS)),
            open_to_other_department=draw(st.sampled_from((True, True, True, False))),
            capacity=draw(st.sampled_from((None, None, 1, 2))),
        )
        for person_id in ids
    ]


@st.composite
def programs(draw, max_side: int = 5, locks: bool = True):
    """(mentors, mentees, rules, weights); a few people may be on both sides."""
    side = st.lists(st.integers(0, 9), min_size=1, max_size=max_side, unique=True)
    mentor_ids = sorted(draw(side))
    mentee_ids = sorted(i + 6 for i in draw(side))
    everyone = sorted(set(mentor_ids) | set(mentee_ids)) or [0]
    mentors = draw(candidates(mentor_ids, everyone, levels=(0.0, 1.0, 2.0, 2.5)))
    mentees = draw(candidates(mentee_ids, everyone, levels=(2.0, 3.0, 4.0, 5.0)))
    all_pairs = list(itertools.product(mentor_ids, mentee_ids))
    some_pairs = st.sets(st.sampled_from(all_pairs), max_size=3) if all_pairs else st.just(set())
    vetoed = draw(some_pairs)
    locked: dict[int, int] = {}
    if locks and draw(st.integers(0, 2)) == 0:
        for mentor_id, mentee_id in sorted(draw(some_pairs)):
            if (mentor_id, mentee_id) not in vetoed and (mentee_id, mentor_id) not in vetoed:
                locked.setdefault(mentee_id, mentor_id)
    rules = MatchingRules(
        min_seniority_gap=draw(st.sampled_from((0.0, 1.0, 2.0))),
        exclude_same_department=draw(st.booleans()),
        respect_department_preference=draw(st.booleans()),
        exclude_same_reporting_line=draw(st.booleans()),
        require_shared_language=draw(st.booleans()),
        max_timezone_gap_hours=draw(st.sampled_from((None, None, 3.0, 8.0))),
        mentor_capacity=draw(st.sampled_from((1, 1, 2))),
        previous_pairs=draw(some_pairs),
        do_not_pair=draw(some_pairs),
        vetoed_pairs=vetoed,
        locked_pairs={(mentor, mentee) for mentee, mentor in locked.items()},
        objective=draw(st.sampled_from(("total", "maximin"))),
    )
    weights = Weights(
        **{name: draw(st.sampled_from((0.0, 1.0, 7.5, 40.0))) for name in Weights().as_dict()}
    )
    return mentors, mentees, rules, weights


# --- the reference: the documented rules and scores, one pair at a time ---------------------


def hours_apart(a: float, b: float) -> float:
    d = abs(a - b) % 24
    return min(d, 24 - d)


def allowed(mentor: Candidate, mentee: Candidate, rules: MatchingRules) -> bool:
    """Whether a pair passes every hard rule but capacity."""
    ids = {(mentor.person_id, mentee.person_id), (mentee.person_id, mentor.person_id)}
    known = mentor.department is not None and mentee.department is not None
    cross = known and mentor.department != mentee.department
    m_boss, e_boss = mentor.reporting_line, mentee.reporting_line
    same_line = (
        (m_boss is not None and m_boss == e_boss)
        or m_boss == mentee.person_id
        or (e_boss == mentor.person_id)
    )
    both_open = mentor.open_to_other_department and mentee.open_to_other_department
    gap = rules.max_timezone_gap_hours
    return not (
        mentor.person_id == mentee.person_id
        or mentee.seniority - mentor.seniority < rules.min_seniority_gap
        or (rules.exclude_same_department and known and not cross)
        or (rules.respect_department_preference and cross and not both_open)
        or (rules.exclude_same_reporting_line and same_line)
        or (rules.require_shared_language and not mentor.languages & mentee.languages)
        or (gap is not None and hours_apart(mentor.utc_offset_hours, mentee.utc_offset_hours) > gap)
        or ids & rules.previous_pairs
        or ids & rules.do_not_pair
        or ids & rules.vetoed_pairs
    )


def points(mentor: Candidate, mentee: Candidate, weights: Weights) -> dict[str, int]:
    """Each weighted factor's points in thousandths, as documented in ``scoring``."""

    def share(common: frozenset[str], size: int) -> float:
        return len(common) / max(size, 1)

    known = mentor.department is not None and mentee.department is not None
    strengths = {
        "mentor_offers": share(
            mentor.skills_offered & mentee.skills_wanted, len(mentee.skills_wanted)
        ),
        "mentee_offers": share(
            mentee.skills_offered & mentor.skills_wanted, len(mentor.skills_wanted)
        ),
        "shared_interests": share(
            mentor.interests & mentee.interests, min(len(mentor.interests), len(mentee.interests))
        ),
        "shared_goals": share(
            mentor.goals & mentee.goals, min(len(mentor.goals), len(mentee.goals))
        ),
        "language": 1.0 if mentor.languages & mentee.languages else 0.0,
        "timezone": max(8.0 - hours_apart(mentor.utc_offset_hours, mentee.utc_offset_hours), 0.0)
        / 8.0,
        "cross_department": 1.0 if known and mentor.department != mentee.department else 0.0,
    }
    w = weights.as_dict()
    return {k: round(s * (w[k] * 1000)) for k, s in strengths.items() if w[k] > 0}


def score(mentor: Candidate, mentee: Candidate, weights: Weights) -> int:
    return sum(points(mentor, mentee, weights).values())


def best_objective(mentors, mentees, rules: MatchingRules, weights: Weights) -> tuple:
    """Brute force over every matching of the unlocked people.

    ``total``: the best (pairs, total score); ``maximin``: the best (pairs, lowest score, total).
    """
    locked_mentees = {mentee for _, mentee in rules.locked_pairs}
    room = {m.person_id: rules.capacity_of(m) for m in mentors}
    for mentor_id, _ in rules.locked_pairs:
        room[mentor_id] -= 1
    free = [e for e in mentees if e.person_id not in locked_mentees]
    options = [
        [(m.person_id, score(m, e, weights)) for m in mentors if allowed(m, e, rules)] for e in free
    ]
    best: tuple = ()

    def walk(i: int, scores: list[int]) -> None:
        nonlocal best
        if i == len(free):
            low = min(scores) if scores else 0
            key = (
                (len(scores), sum(scores))
                if rules.objective == "total"
                else (len(scores), low, sum(scores))
            )
            best = max(best, key) if best else key
            return
        walk(i + 1, scores)
        for mentor_id, s in options[i]:
            if room[mentor_id] > 0:
                room[mentor_id] -= 1
                walk(i + 1, [*scores, s])
                room[mentor_id] += 1

    walk(0, [])
    return best
