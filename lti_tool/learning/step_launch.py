"""A launch of a deep-linked step: which step it names, and the gradebook column it tells.

The resource link a designer placed by Deep Linking carries ``custom.step_id`` (the step's
``public_id``). Its launch lands on that step — if the step belongs to a program of the
launch's course. When the launch carries the AGS ``lineitem`` of the activity's column, the
tool records it (``LineItemLink`` per course and step, race-safe) so grades reach that column.
"""

from __future__ import annotations

import sqlalchemy as sa

from lti_tool.core.lti_spec import AGS_CLAIM, CUSTOM_CLAIM
from lti_tool.core.upsert import insert_or_get
from lti_tool.errors import NotFoundError
from lti_tool.extensions import db
from lti_tool.learning.models import LineItemLink, Path, Step
from lti_tool.matching.models import Program
from lti_tool.roster.launches import LaunchSession

STEP_ID_PARAM = "step_id"
MAX_URL = 1000


def launched_step_id(launch: LaunchSession) -> str | None:
    """The ``custom.step_id`` of a resource-link launch, if it has one."""
    custom = launch.claims.get(CUSTOM_CLAIM)
    value = custom.get(STEP_ID_PARAM) if isinstance(custom, dict) else None
    # An LMS leaves an unresolved substitution like "$Step.id" as it is: not a step id.
    if not isinstance(value, str) or not value.strip() or value.startswith("$"):
        return None
    return value.strip()


def get_launched_step(launch: LaunchSession, public_id: str) -> Step:
    """The step ``public_id`` of a program of the launch's course.

    :raise NotFoundError: no such step, or it belongs to another course (the activity was
        probably copied from another course, or its step was removed).
    """
    step = db.session.scalars(
        sa.select(Step)
        .join(Path, Step.path_id == Path.id)
        .join(Program, Path.program_id == Program.id)
        .where(Step.public_id == public_id, Program.course_id == launch.course_id)
    ).first()
    if step is None or launch.course_id is None:
        raise NotFoundError(
            "This activity opens a step of a learning path that is not in this course: the "
            "step was removed, or the activity was copied from another course.",
            hint="Ask the course's designer to add the step again from Reciprocal "
            "(“Add an activity”, then pick the step), and remove this activity.",
        )
    return step


def record_line_item(launch: LaunchSession, step: Step) -> LineItemLink | None:
    """Remember the activity's gradebook column (the launch's AGS ``lineitem``) for grades.

    Race-safe: of two launches at once, one inserts and the other updates the same row.
    """
    endpoint = launch.claims.get(AGS_CLAIM)
    url = endpoint.get("lineitem") if isinstance(endpoint, dict) else None
    if not isinstance(url, str) or not url.startswith(("https://", "http://")):
        return None
    if len(url) > MAX_URL or launch.course_id is None or not step.is_graded:
        return None
    link = insert_or_get(
        LineItemLink,
        {"course_id": launch.course_id, "step_id": step.id},
        {"line_item_url": url, "label": step.title, "score_maximum": step.points},
    )
    if link.line_item_url != url:
        link.line_item_url = url
    return link
