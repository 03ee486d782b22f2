"""Learners' intake profile: asked once on launch into a program that is matching or active."""

from __future__ import annotations

import json

from flask import Response, redirect, render_template, request, url_for
from werkzeug.datastructures import MultiDict

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
from lti_tool.matching.time_zones import aliases, current_zone
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
        raise DomainError("This program is not taking intake profiles at the moment.",
                          hint="Your program's designer opens the intake when matching starts.")
    custom = custom_claims(launch.claims)
    profile = find_profile(program.id, launch.person_id)
    given_seniority, given_department = given_values(program, profile, custom)
    colleagues = [p for p in course_people(course.id) if p.id != launch.person_id]
    errors: dict[str, str] = {}
    if request.method == "POST":
        answers, errors = forms.validate_intake(
            request.form, unit=program.seniority_unit,
            ask_seniority=given_seniority is None, ask_department=given_department is None,
            skill_ids={s.id for s in program.skills}, colleague_ids={p.id for p in colleagues},
        )
        if answers is not None:
            save_intake(program, launch.person, answers, custom)
            return redirect(url_for("matching.intake", launch_id=launch.id,
                                    program_id=program.id, notice="profile-saved"), code=303)
    skills = {kind: [s for s in program.skills if s.kind == kind] for kind in forms.SKILL_KINDS}
    return render_template(
        "matching/intake.html", launch_id=launch.id, course_title=course.title,
        program=program, form=request.form if errors else _answers(profile), errors=errors,
        given_seniority=given_seniority, given_department=given_department,
        seniority_label=_seniority_label(given_seniority, program.seniority_unit),
        colleagues=[(p.id, person_label(p)) for p in colleagues], skills=skills,
        departments=course_departments(course.id), forms=forms,
        zone_aliases=json.dumps(aliases(), separators=(",", ":")),
        submitted=profile is not None and profile.is_submitted, notice=notice(),
    ), 422 if errors else 200


def _seniority_label(value: float | None, unit: str) -> str | None:
    if value is None:
        return None
    if unit == "levels":
        return forms.CAREER_LEVELS.get(int(value), f"Level {value:g}")
    return f"{value:g} years of experience"


def _answers(profile: Profile | None) -> MultiDict:
    """A stored profile as the form's fields; a new profile's defaults."""
    if profile is None or not profile.is_submitted:
        return MultiDict({"open_to_other_department": "yes"})
    form = MultiDict()
    if profile.seniority is not None and profile.seniority_source == SenioritySource.PROFILE:
        form["seniority"] = f"{profile.seniority:g}"
    if profile.department and profile.department_source == SenioritySource.PROFILE:
        form["department"] = profile.department
    if profile.manager_id:
        form["manager_id"] = str(profile.manager_id)
    for link in profile.skill_links:
        form.add(f"skills_{link.direction}", str(link.skill_id))
    form.setlist("goals", profile.goals)
    form.setlist("languages", [lang for lang in profile.languages if lang in forms.LANGUAGES])
    form["other_languages"] = ", ".join(
        lang for lang in profile.languages if lang not in forms.LANGUAGES)
    form.setlist("availability", profile.availability)
    form["interests"] = ", ".join(profile.interests)
    for name in ("goal_note", "availability_note"):
        form[name] = getattr(profile, name) or ""
    form["time_zone"] = current_zone(profile.time_zone) or ""
    form["open_to_other_department"] = "yes" if profile.open_to_other_department else "no"
    for name in ("is_champion", "consents_to_share"):
        form[name] = "on" if getattr(profile, name) else ""
    return form
