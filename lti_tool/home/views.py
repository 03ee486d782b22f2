"""Role-appropriate home pages after a launch."""

from __future__ import annotations

from flask import Blueprint, Response, g, redirect, render_template, url_for

from lti_tool.core.auth import launch_required
from lti_tool.core.roles import Audience, is_lms_admin, short_role_names
from lti_tool.lti.models import LaunchSession

bp = Blueprint("home", __name__)


@bp.get("/s/<launch_id>/")
@launch_required()
def index(launch: LaunchSession) -> Response | str:
    """Deep-linking launches go to the picker; others to the designer's or learner's home."""
    if launch.message_type == "LtiDeepLinkingRequest":
        return redirect(url_for("lti.deep_link", launch_id=launch.id))
    view = {
        "launch_id": launch.id,
        "name": launch.person.display_name,
        "roles": short_role_names(launch.roles) or ["no role"],
        "course_title": launch.course.title if launch.course else None,
        "activity_title": launch.resource_link.title if launch.resource_link else None,
        "platform_name": launch.platform.name,
        "is_lms_admin": is_lms_admin(launch.roles),
    }
    template = "home/designer.html" if g.audience == Audience.DESIGNER else "home/learner.html"
    return render_template(template, **view)
