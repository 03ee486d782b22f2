"""The learner's "my partner" page: their published pair in this course, and why."""

from __future__ import annotations

from flask import render_template

from lti_tool.core.auth import launch_required
from lti_tool.core.roles import Audience
from lti_tool.matching.partners import partner_views
from lti_tool.matching.views import bp, launch_course
from lti_tool.roster.launches import LaunchSession


@bp.get("/s/<launch_id>/partner")
@launch_required(Audience.LEARNER)
def my_partner(launch: LaunchSession) -> str:
    """The learner's partner in each active pair of a program of the launch's course: the
    partner's profile fields they consented to share, and the reasons for the match. Nothing
    from another course, and nobody else's pair, is ever shown.

    :raise AccessDenied: not a learner's launch, or the launch has no course.
    """
    course = launch_course(launch)
    return render_template(
        "matching/partner.html",
        launch_id=launch.id,
        course_title=course.title,
        name=launch.person.display_name,
        partners=partner_views(course.id, launch.person_id),
    )
