"""The ``steps`` blueprint: learners follow their path inside the tool, designers watch
every pair's progress.

- ``/s/<launch_id>/steps/<public_id>``: a step page (``steps.show``) — for a learner, their
  pair's state of the step and what to do; for the designer, the step across all pairs —
  and the POST of each action (``step_views``).
- ``/s/<launch_id>/programs/<program_id>/progress``: the designer's matrix of pairs × steps
  and the pairs at risk, with the grace-period setting (``progress_views``).
- ``/s/<launch_id>/time-zone``: the browser's time zone, for viewers without a profile.

Every page checks the launch's role and that the step or program belongs to the launch's
course; a learner only ever reaches their own pair's state (404 otherwise). Dates show in the
viewer's time zone through the ``local_day`` and ``local_time`` filters.
"""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, g, request
from flask_babel import gettext as _

from lti_tool.core.i18n import format_day, format_day_time
from lti_tool.core.time import utcnow
from lti_tool.learning.zones import UNKNOWN, ViewerZone, viewer_zone
from lti_tool.roster.launches import LaunchSession

bp = Blueprint("steps", __name__)

# Confirmations a redirect may ask a page to show (``?notice=…``): a fixed list, so no text
# from the URL is ever shown, and no cookie is needed inside the LMS's iframe.
NOTICES = {
    "done": lambda: _("Marked as done. Well done!"),
    "signed": lambda: _("You signed the agreement."),
    "agreed": lambda: _("You both signed: the agreement is complete."),
    "logged": lambda: _("Meeting logged. Your partner is asked to confirm it."),
    "confirmed": lambda: _("Meeting confirmed: this check-in is complete for you both."),
    "declined": lambda: _("You declined the meeting log. Either of you can log it again."),
    "reflected": lambda: _("Your reflection is saved."),
    "answered": lambda: _("Thank you: your answers are saved."),
    "grace": lambda: _("Grace period saved."),
}


def notice() -> str | None:
    make = NOTICES.get(request.args.get("notice", ""))
    return make() if make else None


def use_viewer_zone(launch: LaunchSession) -> ViewerZone:
    """The viewer's time zone, kept in ``g`` for the date filters."""
    g.viewer_zone = viewer_zone(launch.person_id, launch.course_id)
    return g.viewer_zone


def viewer_today(zone: ViewerZone) -> dt.date:
    """Today where the viewer is: what is overdue depends on it."""
    return zone.today(utcnow())


def _zone() -> ViewerZone:
    return g.get("viewer_zone") or UNKNOWN


@bp.app_template_filter("local_day")
def local_day(value: dt.date | dt.datetime | None) -> str:
    """``1 September 2026`` for the page's locale (a moment is first moved to the viewer's zone)."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = value.astimezone(_zone().info).date()
    return format_day(value)


@bp.app_template_filter("local_time")
def local_time(value: dt.datetime | None) -> str:
    """``1 September 2026, 14:05`` in the viewer's zone, for the page's locale."""
    if value is None:
        return ""
    return format_day_time(value.astimezone(_zone().info))


from lti_tool.learning.pages import (  # noqa: E402,F401  (registers the routes)
    progress_views,
    step_views,
    zone_views,
)
