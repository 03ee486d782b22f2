"""Intake profiles: what a seniority or department value may be, where those two come from
(the learner, the designer's CSV, or a custom claim), and saving a learner's answers.

Services take explicit arguments, flush when they need ids, and never commit.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload, selectinload

from lti_tool.core.lti_spec import CUSTOM_CLAIM
from lti_tool.core.roles import Audience, audience_for
from lti_tool.extensions import db
from lti_tool.matching.models import (
    Profile,
    ProfileSkill,
    Program,
    ProgramStatus,
    SenioritySource,
)
from lti_tool.roster.models import Person

# Career levels are the intake's six (labels.CAREER_LEVELS); the CSV import and custom claims
# take the same range, so every source means the same scale.
SENIORITY_LIMITS = {"levels": (1.0, 6.0), "years": (0.0, 60.0)}


class FieldError(ValueError):
    """A value that cannot be accepted; the message says why, for the person who typed it."""


def clean_text(value: object, max_length: int) -> str:
    """Trimmed text with inner runs of whitespace made single (newlines kept)."""
    text = str(value or "").replace("\r\n", "\n").strip()
    text = "\n".join(re.sub(r"[ \t]+", " ", line).strip() for line in text.split("\n"))
    if len(text) > max_length:
        raise FieldError(
            _("Use at most %(limit)d characters (this has %(length)d).")
            % {"limit": max_length, "length": len(text)}
        )
    return text


def parse_seniority(value: object, unit: str) -> float:
    """A career level (whole number) or years of experience, within the unit's bounds.

    :raise FieldError: not a number, not whole (levels), or out of bounds.
    """
    text = str(value if value is not None else "").strip().replace(",", ".")
    low, high = SENIORITY_LIMITS[unit]
    levels = unit == "levels"
    if not text:
        raise FieldError(_("Give a career level.") if levels else _("Give a number of years."))
    try:
        number = float(text)
    except ValueError:
        message = (
            _("“%(text)s” is not a career level: use a number such as 3.")
            if levels
            else _("“%(text)s” is not a number of years: use a number such as 3.")
        )
        raise FieldError(message % {"text": text}) from None
    if not math.isfinite(number) or not low <= number <= high:
        message = (
            _("A career level must be between %(low)s and %(high)s; “%(text)s” is not.")
            if levels
            else _("A number of years must be between %(low)s and %(high)s; “%(text)s” is not.")
        )
        raise FieldError(message % {"low": f"{low:g}", "high": f"{high:g}", "text": text})
    if levels and number != int(number):
        raise FieldError(_("A career level is a whole number; “%(text)s” is not.") % {"text": text})
    return number


def parse_department(value: object) -> str:
    """:raise FieldError: empty, or longer than 100 characters."""
    text = clean_text(value, 100).replace("\n", " ")
    if not text:
        raise FieldError(_("Give a department."))
    return text


@dataclass(frozen=True)
class ProfileAnswers:
    """A learner's intake answers; ``seniority``/``department`` are None when not asked."""

    seniority: float | None
    department: str | None
    manager_id: int | None
    offered_skill_ids: list[int]
    wanted_skill_ids: list[int]
    interests: list[str]
    goals: list[str]
    goal_note: str | None
    languages: list[str]
    time_zone: str
    availability: list[str]
    availability_note: str | None
    open_to_other_department: bool
    is_champion: bool
    consents_to_share: bool


def find_profile(program_id: int, person_id: int) -> Profile | None:
    return db.session.scalars(
        sa.select(Profile)
        .where(Profile.program_id == program_id, Profile.person_id == person_id)
        .options(selectinload(Profile.skill_links).selectinload(ProfileSkill.skill))
    ).first()


def custom_claims(claims: Mapping) -> dict:
    """The launch's LTI custom claim (a dict; empty when absent or malformed)."""
    custom = claims.get(CUSTOM_CLAIM)
    return custom if isinstance(custom, dict) else {}


def claim_values(program: Program, custom: Mapping) -> tuple[float | None, str | None]:
    """Seniority and department from the program's custom claims; None where a claim is
    missing or unusable (then the learner is asked instead)."""
    return _from_claims(
        custom, program.seniority_unit, program.seniority_claim, program.department_claim
    )


def _from_claims(
    custom: Mapping, unit: str, seniority_claim: str, department_claim: str
) -> tuple[float | None, str | None]:
    values: list = []
    for name, parse in (
        (seniority_claim, lambda v: parse_seniority(v, unit)),
        (department_claim, parse_department),
    ):
        raw = custom.get(name)
        try:
            values.append(parse(raw) if raw not in (None, "") else None)
        except FieldError:
            values.append(None)
    return values[0], values[1]


def given_values(
    program: Program, profile: Profile | None, custom: Mapping
) -> tuple[float | None, str | None]:
    """Seniority and department the program's source already gives for this person (the
    learner is asked only for what is None)."""
    if program.seniority_source == SenioritySource.CLAIM:
        return claim_values(program, custom)
    if program.seniority_source == SenioritySource.CSV and profile is not None:
        return (
            profile.seniority if profile.seniority_source == SenioritySource.CSV else None,
            profile.department if profile.department_source == SenioritySource.CSV else None,
        )
    return None, None


def apply_claims(program: Program, profile: Profile, custom: Mapping) -> bool:
    """Copy usable claim values onto the profile when the program takes them from claims.
    Returns whether anything changed."""
    if program.seniority_source != SenioritySource.CLAIM:
        return False
    seniority, department = claim_values(program, custom)
    changed = False
    if seniority is not None and (profile.seniority, profile.seniority_source) != (
        seniority,
        SenioritySource.CLAIM,
    ):
        profile.set_seniority(seniority, SenioritySource.CLAIM)
        changed = True
    if department is not None and (profile.department, profile.department_source) != (
        department,
        SenioritySource.CLAIM,
    ):
        profile.set_department(department, SenioritySource.CLAIM)
        changed = True
    return changed


def on_launch_established(
    course_id: int,
    *,
    person_id: int,
    roles: list[str],
    message_type: str,
    custom: object = None,
    **_: object,
) -> None:
    """A learner's launch brings new claim values (seniority, department): their submitted
    profiles take them now, in the launch's own transaction (the home page only reads).
    No query unless the launch carries custom claims."""
    custom = custom if isinstance(custom, dict) else {}
    if (
        not custom
        or message_type != "LtiResourceLinkRequest"
        or audience_for(roles) == Audience.DESIGNER
    ):
        return
    check_learner_launch(course_id, person_id, custom)


def intake_due(course_id: int, person_id: int) -> int | None:
    """The id of a program of the course taking intake that still needs this person's
    profile, or None (reads only)."""
    return check_learner_launch(course_id, person_id, {})[0]


def check_learner_launch(
    course_id: int, person_id: int, custom: Mapping
) -> tuple[int | None, bool]:
    """On a learner's launch: (id of a program of the course taking intake that still needs
    this person's profile, or None; whether claim values were updated).

    One query in the usual case; profiles are loaded only when their claim values changed.
    """
    rows = db.session.execute(
        _learner_programs_query(), {"course_id": course_id, "person_id": person_id}
    ).all()
    due, changed = None, False
    for row in rows:
        program_id, source, unit, s_claim, d_claim, profile_id, submitted_at, seniority, dept = row
        if submitted_at is None:
            due = due or program_id
            continue
        if source != SenioritySource.CLAIM or not custom:
            continue
        new_seniority, new_department = _from_claims(custom, unit, s_claim, d_claim)
        if (new_seniority not in (None, seniority)) or (new_department not in (None, dept)):
            profile = db.session.get(Profile, profile_id, options=[joinedload(Profile.program)])
            changed = apply_claims(profile.program, profile, custom) or changed
    return due, changed


@cache
def _learner_programs_query() -> sa.Select:
    # Built once: every learner's launch runs it.
    return (
        sa.select(
            Program.id,
            Program.seniority_source,
            Program.seniority_unit,
            Program.seniority_claim,
            Program.department_claim,
            Profile.id,
            Profile.submitted_at,
            Profile.seniority,
            Profile.department,
        )
        .outerjoin(
            Profile,
            sa.and_(
                Profile.program_id == Program.id, Profile.person_id == sa.bindparam("person_id")
            ),
        )
        .where(
            Program.course_id == sa.bindparam("course_id"),
            Program.status.in_([ProgramStatus.MATCHING.value, ProgramStatus.ACTIVE.value]),
        )
        .order_by(Program.id)
    )


def known_departments(program_id: int) -> list[str]:
    """Departments already given in the program, for suggestions and consistent spelling."""
    return sorted(
        db.session.scalars(
            sa.select(Profile.department)
            .where(Profile.program_id == program_id, Profile.department.is_not(None))
            .distinct()
        ),
        key=str.casefold,
    )


def course_departments(course_id: int) -> list[str]:
    """Departments known in the course, from the profiles of all its programs (typed by
    learners, imported or sent by the LMS): the intake suggests them."""
    return sorted(
        set(
            db.session.scalars(
                sa.select(Profile.department)
                .join(Program, Program.id == Profile.program_id)
                .where(
                    Program.course_id == course_id,
                    Profile.department.is_not(None),
                    Profile.department != "",
                )
            )
        ),
        key=str.casefold,
    )


def save_intake(
    program: Program, person: Person, answers: ProfileAnswers, custom: Mapping
) -> Profile:
    """Store the learner's answers and mark the profile submitted.

    Seniority and department come from the program's source when it gives them, else from
    the answers; a department typed like one already known takes the known spelling.

    :raise DomainError: the program is not taking intake profiles.
    """
    profile = find_profile(program.id, person.id)
    if profile is None:
        profile = Profile(program=program, person=person, skill_links=[])
        db.session.add(profile)
    given_seniority, given_department = given_values(program, profile, custom)
    if given_seniority is None and answers.seniority is not None:
        profile.set_seniority(answers.seniority, SenioritySource.PROFILE)
    if given_department is None and answers.department is not None:
        known = {d.casefold(): d for d in known_departments(program.id)}
        department = known.get(answers.department.casefold(), answers.department)
        profile.set_department(department, SenioritySource.PROFILE)
    apply_claims(program, profile, custom)
    profile.manager_id = answers.manager_id if answers.manager_id != person.id else None
    wanted = {("offered", i) for i in answers.offered_skill_ids}
    wanted |= {("wanted", i) for i in answers.wanted_skill_ids}
    profile.skill_links = [
        link for link in profile.skill_links if (link.direction, link.skill_id) in wanted
    ]
    have = {(link.direction, link.skill_id) for link in profile.skill_links}
    for direction, skill_id in sorted(wanted - have):
        profile.skill_links.append(ProfileSkill(skill_id=skill_id, direction=direction))
    for name in (
        "interests",
        "goals",
        "goal_note",
        "languages",
        "time_zone",
        "availability",
        "availability_note",
        "open_to_other_department",
        "is_champion",
        "consents_to_share",
    ):
        value = getattr(answers, name)
        if getattr(profile, name) != value:
            setattr(profile, name, list(value) if isinstance(value, list) else value)
    profile.submit()
    db.session.flush()
    return profile
