"""The matching blueprint: designers' program pages and learners' intake form.

Every page is under ``/s/<launch_id>/`` and checks the launch's role (``launch_required``) and
that the program belongs to the launch's course.
"""

from __future__ import annotations

from flask import Blueprint, abort, request
from flask_babel import gettext

from lti_tool.core.i18n import N_
from lti_tool.errors import AccessDenied
from lti_tool.matching.models import Program
from lti_tool.matching.phases import Phase, program_phase
from lti_tool.matching.programs import get_program
from lti_tool.roster.launches import LaunchSession
from lti_tool.roster.models import Course

bp = Blueprint("matching", __name__)


@bp.app_template_filter("program_phase")
def _phase_filter(program: Program) -> Phase:
    """``{{ program | program_phase }}``: the phase badge's words and tone."""
    return program_phase(program)


# Messages a redirect may ask a page to show (``?notice=…``); never text from the URL itself.
NOTICES = {
    "created": N_(
        "Program created. Review its matching rules and skill catalogue, then open the intake."
    ),
    "saved": N_("Changes saved."),
    "status": N_("Program status updated."),
    "imported": N_("Import applied."),
    "profile-saved": N_("Thank you: your profile is saved. You can change it here at any time."),
}


def notice() -> str | None:
    message = NOTICES.get(request.args.get("notice", ""))
    return None if message is None else gettext(message)


def launch_course(launch: LaunchSession) -> Course:
    """:raise AccessDenied: the launch did not come from a course."""
    if launch.course is None:
        raise AccessDenied("Programs live in a course: this launch did not come from one.")
    return launch.course


def load_program(launch: LaunchSession, program_id: int) -> Program:
    """The program, if it belongs to the launch's course.

    :raise NotFound: no such program, or it belongs to another course (404 either way, so
        other courses' programs cannot even be discovered).
    """
    program = get_program(program_id)
    if program is None or launch.course_id is None or program.course_id != launch.course_id:
        abort(404, description="There is no such program in this course.")
    return program


from lti_tool.matching.views import (  # noqa: E402,F401  (registers the routes)
    ending,
    intake,
    pairs,
    partner,
    programs,
)
