"""A step's preview (as a mentor or a mentee would see it) and its removal.

Removing a step that has a gradebook column in the course asks whether to delete the column
in the LMS or keep it; "delete" records a job (sent after the commit) that deletes it by AGS.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Response, request
from flask_babel import gettext as _
from markupsafe import Markup

from lti_tool.core.auth import launch_required
from lti_tool.core.roles import Audience
from lti_tool.learning import paths
from lti_tool.learning.editor import bp, forms
from lti_tool.learning.editor.outline import has_column
from lti_tool.learning.editor.views import PREFIX, load_step, page, to_path
from lti_tool.learning.markdown import render_markdown
from lti_tool.learning.models import Step, StepKind
from lti_tool.learning.tasks import delete_step_columns
from lti_tool.roster.launches import LaunchSession

ROLES = ("mentor", "mentee")


@dataclass(frozen=True)
class StepPreview:
    """What a learner in ``role`` reads on the step's page."""

    role: str
    is_for_role: bool
    title: str
    kind: str
    instructions: Markup
    content: Markup
    starters: tuple[str, ...]
    questions: tuple[tuple[str, str], ...]  # (kind, prompt)
    points: int


def preview_of(step: Step, role: str) -> StepPreview:
    return StepPreview(
        role=role,
        is_for_role=step.is_for(role),
        title=step.title,
        kind=step.kind,
        instructions=render_markdown(step.instructions),
        content=render_markdown(step.content),
        starters=tuple(step.starters or ()),
        questions=tuple((q.kind, q.prompt) for q in step.questions),
        points=step.points,
    )


@bp.get(f"{PREFIX}/steps/<int:step_id>/preview")
@launch_required(Audience.DESIGNER)
def preview_step(launch: LaunchSession, program_id: int, step_id: int) -> tuple[str, int]:
    """The step as a mentor (``?as=mentor``, the default) or a mentee would see it."""
    program, step = load_step(launch, program_id, step_id)
    role = request.args.get("as", "mentor")
    if role not in ROLES:
        role = "mentor"
    return page(
        "learning/path/preview.html",
        launch,
        program,
        step=step,
        preview=preview_of(step, role),
        due_on=step.due_on(program.starts_on),
        is_milestone=step.kind == StepKind.MILESTONE,
    )


@bp.route(f"{PREFIX}/steps/<int:step_id>/remove", methods=["GET", "POST"])
@launch_required(Audience.DESIGNER)
def remove_step(launch: LaunchSession, program_id: int, step_id: int) -> Response | tuple[str, int]:
    """Ask, then remove a step with what learners did on it; for a step with a gradebook
    column, the designer chooses to delete the column in the LMS or keep it."""
    program, step = load_step(launch, program_id, step_id)
    column = has_column(step, program.course_id)
    form = forms.RemoveStepForm()
    confirmed = request.method == "POST" and request.form.get("confirm") == "remove"
    if confirmed and (not column or form.validate()):
        removal = paths.remove_step(step)
        if column and form.column.data == "delete":
            delete_step_columns.enqueue(
                program.course_id, list(removal.line_item_urls), removal.public_id
            )
            return to_path(launch, program, "removed-column")
        return to_path(launch, program, "removed")
    status = 422 if form.errors else 200
    return page(
        "learning/path/remove.html",
        launch,
        program,
        status,
        step=step,
        form=form,
        has_column=column,
        problem=form.error("column") if form.errors else None,
        intro=_("Removing a step deletes it with everything learners did on it."),
    )
