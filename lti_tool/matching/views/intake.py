"""Learners' intake profile: asked once on launch into a program that is matching or active."""

from __future__ import annotations

import json

from flask import Response, redirect, render_template, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _

from lti_tool.core.auth import launch_required
from lti_tool.core.roles import Audience
from lti_tool.errors import DomainError
from lti_tool.matching import forms
from lti_tool.matching.models import Profile, SenioritySource
from lti_tool.matching.profiles import (
    course_departments,
    custom_claims,
    find_profile,
    given_values,
    save_intake,
)
from lti_tool.matching.programs import course_people, person_label
from lti_tool.matching.time_zones import aliases
from lti_tool.matching.views import bp, launch_course, load_program, notice
from lti_tool.roster.launches import LaunchSession


@bp.route("/s/<launch_id>/programs/<int:program_id>/intake", methods=["GET", "POST"])
@launch_required(Audience.LEARNER)
def intake(launch: LaunchSession, program_id: int) -> Response | tuple[str, int]:
    """The intake form; seniority and department are asked only when the program's source
    (CSV or custom claim) does not already give them. Colleagues listed are the learner's
    course's members only.

    :raise NotFound: the program is not in the learner's course.
    :raise DomainError: the program is not taking intake profiles (draft or closed).
    """
    course = launch_course(launch)
    program = load_program(launch, program_id)
    if not program.is_taking_intake:
        raise DomainError(
            _("This program is not taking intake profiles at the moment."),
            hint=_("Your program's designer opens the intake when matching starts."),
        )
    custom = custom_claims(launch.claims)
    profile = find_profile(program.id, launch.person_id)
    given_seniority, given_department = given_values(program, profile, custom)
    colleagues = [p for p in course_people(course.id) if p.id != launch.person_id]
    form = forms.IntakeForm(
        unit=program.seniority_unit,
        ask_seniority=given_seniority is None,
        ask_department=given_department is None,
        skill_ids={s.id for s in program.skills},
        colleague_ids={p.id for p in colleagues},
        data=_answers(profile),
    )
    if form.submitted and form.validate():
        save_intake(program, launch.person, form.answers, custom)
        return redirect(
            url_for(
                "matching.intake",
                launch_id=launch.id,
                program_id=program.id,
                notice="profile-saved",
            ),
            code=303,
        )
    skills = {kind: [s for s in program.skills if s.kind == kind] for kind in forms.SKILL_KINDS}
    return render_template(
        "matching/intake.html",
        launch_id=launch.id,
        course_title=course.title,
        program=program,
        form=form,
        given_seniority=given_seniority,
        given_department=given_department,
        seniority_label=_seniority_label(given_seniority, program.seniority_unit),
        colleagues=[(p.id, person_label(p)) for p in colleagues],
        skills=skills,
        departments=course_departments(course.id),
        forms=forms,
        zone_aliases=json.dumps(aliases(), separators=(",", ":")),
        submitted=profile is not None and profile.is_submitted,
        notice=notice(),
    ), 422 if form.errors else 200


def _seniority_label(value: float | None, unit: str) -> str | None:
    if value is None:
        return None
    if unit == "levels":
        if int(value) in forms.CAREER_LEVELS:
            return _(forms.CAREER_LEVELS[int(value)])
        return _("Level %(level)s", level=format_decimal(value))
    return _("%(years)s years of experience", years=format_decimal(value))


def _answers(profile: Profile | None) -> dict:
    """A stored profile as the form's initial data; a new profile's defaults."""
    if profile is None or not profile.is_submitted:
        return forms.IntakeForm.NEW
    return forms.IntakeForm.data_of(
        profile,
        own_seniority=profile.seniority_source == SenioritySource.PROFILE,
        own_department=bool(profile.department)
        and profile.department_source == SenioritySource.PROFILE,
    )
