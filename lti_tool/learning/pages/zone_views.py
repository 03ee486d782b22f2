"""The browser's time zone, posted by ``static/js/viewer-zone.js`` when a page shows UTC
because it did not know the viewer's zone (no cookie: the launch id in the URL says who)."""

from __future__ import annotations

from flask import Response, jsonify

from lti_tool.core.auth import launch_required
from lti_tool.learning.pages import bp
from lti_tool.learning.pages.forms import TimeZoneForm
from lti_tool.learning.zones import record_browser_zone
from lti_tool.roster.launches import LaunchSession


@bp.post("/s/<launch_id>/time-zone")
@launch_required()
def time_zone(launch: LaunchSession) -> tuple[Response, int]:
    """Keep the zone the viewer's browser reported; JSON, for the script.

    :raise ValidationError: not a known time zone (422).
    """
    form = TimeZoneForm()
    if not form.validate():
        return jsonify(error=form.messages.get("time_zone", "")), 422
    zone = record_browser_zone(launch.person_id, form.time_zone.data)
    return jsonify(time_zone=zone.name, label=zone.label), 200
