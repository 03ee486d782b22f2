"""Role-appropriate home pages after a launch."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    current_app,
    g,
    redirect,
    render_template,
    send_from_directory,
    url_for,
)

from lti_tool.core.auth import launch_required
from lti_tool.core.roles import Audience, is_lms_admin, short_role_names
from lti_tool.learning.learner_path import learner_paths
from lti_tool.learning.pages import use_viewer_zone, viewer_today
from lti_tool.learning.step_launch import get_launched_step, launched_step_id, record_line_item
from lti_tool.matching.learner_home import learner_programs
from lti_tool.matching.profiles import intake_due
from lti_tool.matching.programs import list_programs
from lti_tool.roster.launches import LaunchSession

bp = Blueprint("home", __name__)
ICON_MAX_AGE = 7 * 24 * 3600


@bp.get("/favicon.ico")
def favicon() -> Response:
    """The tool's logo for browsers that ask for ``/favicon.ico`` whatever the page says."""
    return send_from_directory(
        current_app.static_folder, "img/logo.svg", mimetype="image/svg+xml", max_age=ICON_MAX_AGE
    )


@bp.get("/s/<launch_id>/")
@launch_required()
def landing(launch: LaunchSession) -> Response | str:
    """Where a verified launch arrives. Deep-linking launches go to the picker, a deep-linked
    step's launch to that step, every other launch to its home. Only the arrival opens the
    step: the "Home" links of the tool lead to :func:`index`, not back to the step.

    :raise NotFoundError: the launched step is not one of this course's.
    """
    step_id = launched_step_id(launch)
    if step_id is not None and launch.message_type != "LtiDeepLinkingRequest":
        step = get_launched_step(launch, step_id)
        record_line_item(launch, step)
        return redirect(url_for("steps.show", launch_id=launch.id, public_id=step.public_id))
    return _home(launch)


@bp.get("/s/<launch_id>/home")
@launch_required()
def index(launch: LaunchSession) -> Response | str:
    """The designer's or learner's home (deep-linking launches: the picker)."""
    return _home(launch)


def _home(launch: LaunchSession) -> Response | str:
    """The home of the launch's role — or, for a learner, the intake form of a program of the
    course still missing their profile."""
    if launch.message_type == "LtiDeepLinkingRequest":
        return redirect(url_for("path_editor.deep_link", launch_id=launch.id))
    programs, paths, zone = [], {}, None
    if launch.course_id is not None and g.audience == Audience.DESIGNER:
        programs = list_programs(launch.course_id)
    elif launch.course_id is not None:
        # Only reads: the launch itself refreshed the profiles' claim values.
        due = intake_due(launch.course_id, launch.person_id)
        if due is not None:
            return redirect(url_for("matching.intake", launch_id=launch.id, program_id=due))
        programs = learner_programs(launch.course_id, launch.person_id)
        if any(p.state == "paired" for p in programs):
            zone = use_viewer_zone(launch)
            for path in learner_paths(launch.course_id, launch.person_id, viewer_today(zone)):
                paths.setdefault(path.program_id, []).append(path)
    view = {
        "launch_id": launch.id,
        "programs": programs,
        "paths": paths,
        "zone": zone,
        "name": launch.person.display_name,
        "roles": short_role_names(launch.roles) or ["no role"],
        "course_title": launch.course.title if launch.course else None,
        "activity_title": launch.resource_link.title if launch.resource_link else None,
        "platform_name": launch.platform.name,
        "is_lms_admin": is_lms_admin(launch.roles),
    }
    template = "home/designer.html" if g.audience == Audience.DESIGNER else "home/learner.html"
    return render_template(template, **view)
