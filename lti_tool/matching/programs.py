"""Programs: create and edit them, their matching rules, skill catalogue and do-not-pair list.

Services take explicit arguments, flush when they need ids, and never commit.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from lti_tool.core.audit import record_event
from lti_tool.core.roles import Audience, audience_for
from lti_tool.errors import DomainError, NotFoundError, ValidationError
from lti_tool.extensions import db
from lti_tool.matching.engine.candidates import Weights
from lti_tool.matching.models import DoNotPair, Profile, ProfileSkill, Program, Skill
from lti_tool.roster.models import Course, Membership, Person

# The skill catalogue a new program starts with: the digital topics juniors bring, and the
# business topics seniors give back.
DEFAULT_SKILLS = (
    ("digital", "Social media"),
    ("digital", "AI and collaboration tools"),
    ("digital", "Data literacy"),
    ("digital", "Current trends"),
    ("digital", "Generational perspectives"),
    ("digital", "Diversity and inclusion"),
    ("business", "Strategy"),
    ("business", "Leadership"),
    ("business", "Stakeholder management"),
    ("business", "Industry knowledge"),
    ("business", "Career navigation"),
)
STATUS_ACTIONS = {"start_matching": "start_matching", "activate": "activate", "close": "close"}


@dataclass(frozen=True)
class ProgramValues:
    title: str
    purpose: str
    goals: list[dict]
    starts_on: dt.date
    length_months: int
    cadence: str
    is_pilot: bool


@dataclass(frozen=True)
class RulesValues:
    seniority_unit: str
    min_seniority_gap: float
    seniority_source: str
    seniority_claim: str
    department_claim: str
    exclude_same_department: bool
    respect_department_preference: bool
    exclude_same_reporting_line: bool
    require_shared_language: bool
    max_timezone_gap_hours: float | None
    mentor_capacity: int
    objective: str
    weights: dict[str, float]

    @classmethod
    def of(cls, program: Program) -> RulesValues:
        """The program's current rules, to fill the form."""
        values = {f.name: getattr(program, f.name) for f in fields(cls) if f.name != "weights"}
        return cls(**values, weights=program.score_weights().as_dict())


@dataclass(frozen=True)
class SkillEdit:
    """A catalogue row: an existing skill (``skill_id``) or a new one (``None``)."""

    skill_id: int | None
    name: str
    kind: str
    remove: bool = False


# A program as its services use it: the skill catalogue, pairs, vetoes and do-not-pair
# entries, each loaded with one query (profiles, which can be many, are queried when needed).
PROGRAM_COLLECTIONS = (
    selectinload(Program.skills),
    selectinload(Program.pairs),
    selectinload(Program.vetoes),
    selectinload(Program.do_not_pairs),
)


def get_program(program_id: int) -> Program | None:
    """The program with its collections (``PROGRAM_COLLECTIONS``)."""
    return db.session.scalars(
        sa.select(Program).where(Program.id == program_id).options(*PROGRAM_COLLECTIONS)
    ).first()


def list_programs(course_id: int) -> list[Program]:
    """The course's programs, newest first, in one query."""
    return list(
        db.session.scalars(
            sa.select(Program)
            .where(Program.course_id == course_id)
            .order_by(Program.created_at.desc(), Program.id.desc())
        )
    )


def create_program(course: Course, values: ProgramValues) -> Program:
    """A draft program in ``course`` with the default skill catalogue."""
    program = Program(
        course=course,
        skills=[],
        profiles=[],
        pairs=[],
        vetoes=[],
        do_not_pairs=[],
        **_program_fields(values),
    )
    for position, (kind, name) in enumerate(DEFAULT_SKILLS):
        program.skills.append(Skill(name=name, kind=kind, position=position))
    db.session.add(program)
    db.session.flush()
    record_event(
        None,
        "program.created",
        f"program {program.id}",
        {"program_id": program.id, "title": program.title},
        course_id=course.id,
    )
    return program


def update_program(program: Program, values: ProgramValues) -> None:
    """:raise DomainError: the program is closed."""
    program.ensure_editable()
    for name, value in _program_fields(values).items():
        if getattr(program, name) != value:
            setattr(program, name, value)


def _program_fields(values: ProgramValues) -> dict:
    return {f.name: getattr(values, f.name) for f in fields(values)}


def update_rules(program: Program, values: RulesValues) -> None:
    """Matching rules, weights and where seniority and department come from.

    :raise DomainError: the program is active or closed.
    """
    program.ensure_rules_editable()
    Weights(**values.weights)  # the engine's own bounds
    for f in fields(values):
        value = getattr(values, f.name)
        if f.name == "weights":
            value = dict(value)
        if getattr(program, f.name) != value:
            setattr(program, f.name, value)


def change_status(program: Program, action: str) -> None:
    """Run one of the program's status changes by name (``start_matching``, ``activate``,
    ``close``).

    :raise DomainError: unknown action, or the model refuses the change.
    """
    method = STATUS_ACTIONS.get(action)
    if method is None:
        raise DomainError(_("Unknown status change %(action)s.", action=repr(action)))
    before = program.status
    getattr(program, method)()
    audit_status_change(program, before)


def audit_status_change(program: Program, before: str) -> None:
    """Record a program's status change (draft → matching → active → closed)."""
    record_event(
        None,
        f"program.{program.status}",
        f"program {program.id}",
        {"program_id": program.id, "from": before, "to": program.status},
        course_id=program.course_id,
    )


def skill_usage(program: Program) -> dict[int, int]:
    """Skill id → number of profiles that offer or want it."""
    rows = db.session.execute(
        sa.select(ProfileSkill.skill_id, sa.func.count(sa.distinct(ProfileSkill.profile_id)))
        .join(Skill, Skill.id == ProfileSkill.skill_id)
        .where(Skill.program_id == program.id)
        .group_by(ProfileSkill.skill_id)
    )
    return {skill_id: count for skill_id, count in rows}


def update_catalogue(program: Program, edits: list[SkillEdit], added: list[SkillEdit]) -> None:
    """Rename, re-kind or remove skills, and add new ones at the end. Removing a skill also
    removes it from the profiles that chose it.

    :raise DomainError: the program's skills are fixed (active or closed).
    :raise ValidationError: a name is used twice, or no skill would remain.
    """
    program.ensure_rules_editable()
    by_id = {skill.id: skill for skill in program.skills}
    kept = [e for e in edits if e.skill_id in by_id and not e.remove]
    names = [e.name.casefold() for e in kept + added]
    if len(names) != len(set(names)):
        raise ValidationError(_("Two skills in the catalogue have the same name."))
    if not names:
        raise ValidationError(_("Keep at least one skill in the catalogue."))
    for edit in edits:
        skill = by_id.get(edit.skill_id)
        if skill is None:
            continue
        if edit.remove:
            program.skills.remove(skill)
        else:
            skill.name, skill.kind = edit.name, edit.kind
    db.session.flush()  # renames and removals first: a new skill may take a freed name
    position = max((s.position for s in program.skills), default=-1)
    for offset, edit in enumerate(added, 1):
        program.skills.append(Skill(name=edit.name, kind=edit.kind, position=position + offset))
    db.session.flush()


def person_label(person: Person) -> str:
    """A person's name in lists; someone the LMS shared no name or email for gets a neutral
    label with the start of their LMS user id; an erased person has neither."""
    if person.erased_at is not None:
        return "Former participant (data erased)"
    if person.name or person.given_name or person.family_name or person.email:
        return person.display_name
    return f"Unnamed member ({person.sub[:8]})"


def course_people(course_id: int) -> list[Person]:
    """The course's active members, by name: the only people a program's pages may show."""
    people = db.session.scalars(
        sa.select(Person)
        .join(Membership, Membership.person_id == Person.id)
        .where(Membership.course_id == course_id, Membership.status == "Active")
    ).all()
    return sorted(people, key=lambda p: (person_label(p).casefold(), p.id))


def course_learners(course_id: int) -> list[Person]:
    """The course's active members who launch as learners (the people a program matches)."""
    rows = db.session.execute(
        sa.select(Person, Membership.roles)
        .join(Membership, Membership.person_id == Person.id)
        .where(Membership.course_id == course_id, Membership.status == "Active")
    ).all()
    learners = [p for p, roles in rows if audience_for(roles or []) == Audience.LEARNER]
    return sorted(learners, key=lambda p: (person_label(p).casefold(), p.id))


def add_do_not_pair(program: Program, person_ids: tuple[int, int], reason: str | None) -> DoNotPair:
    """Two people of the program's course who must never be paired.

    :raise DomainError: the rules are fixed now, or the two are the same person.
    :raise ValidationError: someone is not in the course, or the two are already listed.
    """
    program.ensure_rules_editable()
    members = {p.id for p in course_people(program.course_id)}
    if not set(person_ids) <= members:
        raise ValidationError(_("Choose two people of this course."))
    if tuple(sorted(person_ids)) in {(d.person_a_id, d.person_b_id) for d in program.do_not_pairs}:
        raise ValidationError(_("These two are already on the do-not-pair list."))
    entry = DoNotPair.between(program, *person_ids, reason=reason or None)
    db.session.add(entry)
    db.session.flush()
    return entry


def remove_do_not_pair(program: Program, entry_id: int) -> None:
    """:raise DomainError: the rules are fixed now.
    :raise NotFoundError: the entry is not on this program's list.
    """
    program.ensure_rules_editable()
    entry = next((e for e in program.do_not_pairs if e.id == entry_id), None)
    if entry is None:
        raise NotFoundError(_("That do-not-pair entry is not on this program's list."))
    program.do_not_pairs.remove(entry)
    db.session.flush()


def participants(program: Program) -> list[Profile]:
    """The program's profiles with their people, by name, for the designer's overview."""
    profiles = db.session.scalars(
        sa.select(Profile)
        .where(Profile.program_id == program.id)
        .options(
            selectinload(Profile.person),
            selectinload(Profile.skill_links).selectinload(ProfileSkill.skill),
        )
    ).all()
    return sorted(profiles, key=lambda p: (person_label(p.person).casefold(), p.id))
