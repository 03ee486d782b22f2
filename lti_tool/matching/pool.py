"""The people a program can match now, as the engine's ``Candidate`` s, split into two sides.

Only active learners of the program's course with a submitted intake profile and a seniority
(from the program's chosen source, as the intake and the CSV import store it) take part;
everyone else is listed with the reason, in words. Who mentors is decided by seniority, never
by LMS role: people already in a kept pair stay on their side, the others are split at the
seniority that leaves the fewest people without a partner (juniors mentor, seniors are
mentored; equals share a side).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from zoneinfo import ZoneInfoNotFoundError

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from lti_tool.extensions import db
from lti_tool.matching.engine.candidates import (
    Candidate,
    MatchingInputError,
    Unmatched,
    split_by_seniority,
    utc_offset_hours,
)
from lti_tool.matching.models import Profile, ProfileSkill, Program, SenioritySource
from lti_tool.matching.programs import course_learners, person_label

SOURCE_WORDS = {
    SenioritySource.PROFILE.value: "their intake profile",
    SenioritySource.CSV.value: "the designer's CSV import",
    SenioritySource.CLAIM.value: "the LMS (custom claim)",
}


@dataclass
class Pool:
    """``mentors`` and ``mentees`` for the engine; ``left_out`` are learners who cannot take
    part yet, with the reason; ``names`` maps every person id seen to a display name."""

    mentors: list[Candidate] = field(default_factory=list)
    mentees: list[Candidate] = field(default_factory=list)
    left_out: list[Unmatched] = field(default_factory=list)
    names: dict[int, str] = field(default_factory=dict)

    @property
    def ids(self) -> frozenset[int]:
        return frozenset(c.person_id for c in (*self.mentors, *self.mentees))

    def candidate(self, person_id: int) -> Candidate | None:
        return next((c for c in (*self.mentors, *self.mentees) if c.person_id == person_id), None)


def program_profiles(program: Program) -> list[Profile]:
    """The program's profiles with their people and skills, in one round of queries."""
    return list(
        db.session.scalars(
            sa.select(Profile)
            .where(Profile.program_id == program.id)
            .options(
                selectinload(Profile.person),
                selectinload(Profile.skill_links).selectinload(ProfileSkill.skill),
            )
            .order_by(Profile.person_id)
        )
    )


def build_pool(
    program: Program,
    *,
    mentor_ids: Collection[int] = (),
    mentee_ids: Collection[int] = (),
    profiles: list[Profile] | None = None,
) -> Pool:
    """Everyone the program can match now. ``mentor_ids``/``mentee_ids`` keep people of kept
    pairs on their side; the rest are split by seniority. ``profiles``: the program's, when
    the caller has them already (``program_profiles``)."""
    learners = {person.id: person for person in course_learners(program.course_id)}
    pool = Pool()
    ready: list[Candidate] = []
    for profile in program_profiles(program) if profiles is None else profiles:
        pool.names[profile.person_id] = person_label(profile.person)
        if profile.person_id not in learners:
            continue  # left the course: not shown, not matched
        reason = _not_ready_reason(program, profile)
        candidate = None
        if reason is None:
            try:
                candidate = to_candidate(profile)
            except MatchingInputError as error:
                reason = str(error)
        if candidate is None:
            pool.left_out.append(Unmatched(profile.person_id, "", reason or "cannot take part"))
        else:
            ready.append(candidate)
    for person_id, person in learners.items():
        if person_id not in pool.names:
            pool.names[person_id] = person_label(person)
            pool.left_out.append(Unmatched(person_id, "", "has not started the intake profile"))

    fixed_mentors, fixed_mentees = set(mentor_ids), set(mentee_ids)
    free = [c for c in ready if c.person_id not in fixed_mentors | fixed_mentees]
    # The threshold is taken over everyone ready, so that the free people of a rematch fall on
    # the side they had when the kept pairs were made.
    juniors, seniors = split_by_seniority(free, seniority_threshold(ready, program.mentor_capacity))
    pool.mentors = sorted(
        [c for c in ready if c.person_id in fixed_mentors] + juniors, key=lambda c: c.person_id
    )
    pool.mentees = sorted(
        [c for c in ready if c.person_id in fixed_mentees - fixed_mentors] + seniors,
        key=lambda c: c.person_id,
    )
    return pool


def seniority_threshold(people: list[Candidate], capacity: int = 1) -> float | None:
    """The seniority from which people are mentees: the split that can leave the fewest people
    without a partner (mentees beyond the mentors' capacity, mentors beyond the mentees), then
    the most even one. People of the same seniority always end up on the same side."""
    levels = sorted({c.seniority for c in people})
    if len(levels) < 2:
        return None
    best: tuple[tuple[int, int], float] | None = None
    for level in levels[1:]:
        mentors = sum(1 for c in people if c.seniority < level)
        mentees = len(people) - mentors
        key = (
            max(mentees - mentors * capacity, 0) + max(mentors - mentees, 0),
            abs(mentors - mentees),
        )
        if best is None or key < best[0]:
            best = (key, level)
    return best[1] if best else None


def _not_ready_reason(program: Program, profile: Profile) -> str | None:
    if not profile.is_submitted:
        return "has not submitted the intake profile yet"
    if profile.seniority is None:
        source = SOURCE_WORDS.get(program.seniority_source, program.seniority_source)
        return f"has no seniority yet (this program takes it from {source})"
    return None


def to_candidate(profile: Profile) -> Candidate:
    """A submitted profile as the engine sees it.

    :raise MatchingInputError: the profile has no usable seniority.
    """
    return Candidate(
        person_id=profile.person_id,
        seniority=float(profile.seniority if profile.seniority is not None else float("nan")),
        name=person_label(profile.person),
        department=profile.department or None,
        reporting_line=profile.manager_id,
        skills_offered=frozenset(profile.skills_offered),
        skills_wanted=frozenset(profile.skills_wanted),
        interests=frozenset(profile.interests or ()),
        goals=frozenset(profile.goals or ()),
        languages=frozenset(profile.languages or ()),
        utc_offset_hours=_offset(profile.time_zone),
        open_to_other_department=profile.open_to_other_department,
    )


def _offset(time_zone: str | None) -> float:
    if not time_zone:
        return 0.0
    try:
        return utc_offset_hours(time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        return 0.0
