"""Test data for the pairing workflow: a course with learners, a matching program, profiles.

``make_cohort`` builds everything in the current session (flushed, not committed), so a test
inside the ``app_ctx`` fixture leaves nothing behind.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field

from lti_tool.core.time import utcnow
from lti_tool.demo_lms.flavours import ROLE_INSTRUCTOR, ROLE_LEARNER
from lti_tool.extensions import db
from lti_tool.matching.models import (
    Profile,
    ProfileSkill,
    Program,
    SenioritySource,
)
from lti_tool.matching.programs import ProgramValues, create_program
from lti_tool.platforms.models import Platform
from lti_tool.roster.models import Course, Membership, Person


@dataclass(frozen=True)
class Learner:
    """One learner: ``key`` names them in the test; the rest goes into their profile."""

    key: str
    seniority: float | None
    department: str | None = None
    offers: tuple[str, ...] = ()
    wants: tuple[str, ...] = ()
    languages: tuple[str, ...] = ("English",)
    submitted: bool = True
    shares: bool = True
    interests: tuple[str, ...] = ()


@dataclass
class Cohort:
    course: Course
    program: Program
    people: dict[str, Person] = field(default_factory=dict)
    designer: Person | None = None

    def id(self, key: str) -> int:
        return self.people[key].id

    def key(self, person_id: int) -> str:
        return next(k for k, p in self.people.items() if p.id == person_id)

    def pairs(self, *statuses: str) -> set[tuple[str, str]]:
        """The program's pairs as (mentor key, mentee key), optionally of some statuses."""
        return {
            (self.key(p.mentor_id), self.key(p.mentee_id))
            for p in self.program.pairs
            if not statuses or p.status in statuses
        }

    def pair(self, mentor: str, mentee: str):
        return next(
            p
            for p in self.program.pairs
            if (p.mentor_id, p.mentee_id) == (self.id(mentor), self.id(mentee))
        )

    def leave(self, key: str) -> None:
        """The person stops being an active member of the course (as a roster sync would)."""
        membership = db.session.scalars(
            db.select(Membership).where(
                Membership.course_id == self.course.id, Membership.person_id == self.id(key)
            )
        ).one()
        membership.status = "Inactive"
        db.session.flush()


def new_course(title: str = "Pairing test course") -> Course:
    tag = uuid.uuid4().hex[:10]
    platform = Platform(
        name=f"Pairing {tag}",
        issuer=f"https://lms-{tag}.example",
        client_id=tag,
        auth_login_url="https://x.example/auth",
        auth_token_url="https://x.example/token",
        key_set_url="https://x.example/jwks",
    )
    course = Course(platform=platform, context_id=tag, title=title)
    db.session.add(course)
    db.session.flush()
    return course


def new_person(course: Course, name: str, roles: list[str]) -> Person:
    person = Person(
        issuer=f"https://lms-{course.context_id}.example", sub=uuid.uuid4().hex, name=name
    )
    db.session.add(Membership(course=course, person=person, roles=roles))
    db.session.flush()
    return person


def make_cohort(learners: list[Learner], **rules) -> Cohort:
    """A matching program in a new course, with one profile per learner and ``rules`` set on
    the program (e.g. ``min_seniority_gap=2``)."""
    course = new_course()
    program = create_program(
        course,
        ProgramValues(
            title="Digital reverse mentoring",
            purpose="Share digital skills across generations.",
            goals=[{"goal": "Digital confidence", "metric": "Survey score"}],
            starts_on=dt.date(2026, 1, 15),
            length_months=6,
            cadence="monthly",
            is_pilot=True,
        ),
    )
    for name, value in rules.items():
        setattr(program, name, value)
    program.start_matching()
    cohort = Cohort(course=course, program=program)
    cohort.designer = new_person(course, "Dana Designer", [ROLE_INSTRUCTOR])
    skills = {s.name: s for s in program.skills}
    for learner in learners:
        person = new_person(course, learner.key.capitalize(), [ROLE_LEARNER])
        cohort.people[learner.key] = person
        add_profile(program, person, learner, skills)
    db.session.flush()
    return cohort


def add_profile(program: Program, person: Person, learner: Learner, skills: dict) -> Profile:
    profile = Profile(
        program=program,
        person=person,
        department=learner.department,
        languages=list(learner.languages),
        interests=list(learner.interests),
        consents_to_share=learner.shares,
        time_zone="Europe/London",
    )
    if learner.seniority is not None:
        profile.set_seniority(learner.seniority, SenioritySource.PROFILE)
    for name in learner.offers:
        profile.skill_links.append(
            ProfileSkill(skill=_skill(program, skills, name), direction="offered")
        )
    for name in learner.wants:
        profile.skill_links.append(
            ProfileSkill(skill=_skill(program, skills, name), direction="wanted")
        )
    if learner.submitted:
        profile.submitted_at = utcnow()
    db.session.add(profile)
    return profile


def _skill(program: Program, skills: dict, name: str):
    if name not in skills:
        raise KeyError(f"{name!r} is not in the default catalogue: {sorted(skills)}")
    return skills[name]
