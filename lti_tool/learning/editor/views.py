"""The path page: choose a template, list the steps, add, edit and reorder them.

Every view needs a designer's launch and a program of the launch's course (404 otherwise).
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Response, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload, selectinload

from lti_tool.core.auth import launch_required
from lti_tool.core.roles import Audience
from lti_tool.core.transaction import discard
from lti_tool.errors import DomainError, NotFoundError, ValidationError
from lti_tool.extensions import db
from lti_tool.learning import paths
from lti_tool.learning.editor import bp, forms
from lti_tool.learning.editor.outline import path_outline, template_choices
from lti_tool.learning.grades.tasks import push_path_columns
from lti_tool.learning.models import Path, Step, StepKind
from lti_tool.learning.paths import StepValues
from lti_tool.learning.template_library import DAYS_PER_MONTH
from lti_tool.matching.models import Program
from lti_tool.matching.views import launch_course, load_program
from lti_tool.roster.launches import LaunchSession

PREFIX = "/s/<launch_id>/programs/<int:program_id>/path"
NOTICES = {
    "created": _l("Path created from the template. Review its steps, then add them to the course."),
    "added": _l("Step added."),
    "saved": _l("Step saved."),
    "moved": _l("Step moved."),
    "reordered": _l("New order saved."),
    "removed": _l("Step removed."),
    "removed-column": _l(
        "Step removed. Its gradebook column is being deleted in the LMS; this can take a minute."
    ),
}


def page(template: str, launch: LaunchSession, program: Program, status: int = 200, **context):
    course = launch_course(launch)
    notice = NOTICES.get(request.args.get("notice", ""))
    return render_template(
        template,
        launch_id=launch.id,
        course_title=course.title,
        program=program,
        notice=notice,
        forms=forms,
        **context,
    ), status


def to_path(launch: LaunchSession, program: Program, notice: str, anchor: str | None = None):
    url = url_for(
        "path_editor.path_page", launch_id=launch.id, program_id=program.id, notice=notice
    )
    return redirect(url + (f"#{anchor}" if anchor else ""), code=303)


def load_path(program: Program) -> Path:
    """:raise NotFound: the program has no path yet."""
    path = paths.find_path(program.id)
    if path is None:
        abort(404, description=_("This program has no learning path yet."))
    return path


def load_step(launch: LaunchSession, program_id: int, step_id: int) -> tuple[Program, Step]:
    """The program of the launch's course and its path's step (404 for anything else)."""
    program = load_program(launch, program_id)
    path = load_path(program)
    step = db.session.scalars(
        sa.select(Step)
        .where(Step.id == step_id, Step.path_id == path.id)
        .options(selectinload(Step.questions), joinedload(Step.path))
    ).first()
    if step is None:
        abort(404, description=_("There is no such step in this program's path."))
    return program, step


def length_days(program: Program) -> int:
    return program.length_months * DAYS_PER_MONTH


@bp.get(f"{PREFIX}/")
@launch_required(Audience.DESIGNER)
def path_page(launch: LaunchSession, program_id: int) -> tuple[str, int]:
    """The program's path (steps in order, with due dates and points), or — when it has
    none — the templates to start from."""
    program = load_program(launch, program_id)
    return _path_page(launch, program)


def _path_page(
    launch: LaunchSession, program: Program, problem: str | None = None, status: int = 200
) -> tuple[str, int]:
    path = paths.find_path(program.id)
    if path is None:
        return page(
            "learning/path/choose.html",
            launch,
            program,
            status,
            templates=template_choices(program),
            problem=problem,
        )
    return page(
        "learning/path/path.html",
        launch,
        program,
        status,
        path=path,
        rows=path_outline(path, program),
        problem=problem,
    )


@bp.post(f"{PREFIX}/create")
@launch_required(Audience.DESIGNER)
def create_path(launch: LaunchSession, program_id: int) -> Response | tuple[str, int]:
    """Clone the chosen template into the program; a refusal is shown on the choice page."""
    program = load_program(launch, program_id)
    key = request.form.get("template", "")
    try:
        paths.create_path_from_template(program, key)
    except NotFoundError:
        discard()
        return _path_page(launch, program, _("Choose one of the templates below."), 422)
    except DomainError as error:
        discard()
        return _path_page(launch, program, error.message, 409)
    return to_path(launch, program, "created")


@bp.get(f"{PREFIX}/steps/new")
@launch_required(Audience.DESIGNER)
def choose_kind(launch: LaunchSession, program_id: int) -> tuple[str, int]:
    """What kind of step to add."""
    program = load_program(launch, program_id)
    load_path(program)
    return page("learning/path/kind.html", launch, program)


@bp.route(f"{PREFIX}/steps/new/<kind>", methods=["GET", "POST"])
@launch_required(Audience.DESIGNER)
def new_step(launch: LaunchSession, program_id: int, kind: str) -> Response | tuple[str, int]:
    """A new step of ``kind`` at the end of the path.

    :raise NotFound: an unknown kind, or the program has no path.
    """
    program = load_program(launch, program_id)
    path = load_path(program)
    if kind not in StepKind.__members__.values():
        abort(404, description=_("There is no such kind of step."))
    form = forms.StepForm.build(kind, length_days(program))
    if form.submitted and form.validate():
        try:
            step = paths.add_step(path, form.values())
        except ValidationError as error:
            discard()
            form.add_error(None, error.message)
        else:
            return to_path(launch, program, "added", f"step-{step.id}")
    return _form_page(launch, program, form, step=None)


def _form_page(launch, program, form, step, status: int | None = None) -> tuple[str, int]:
    if status is None:
        status = 422 if (form.errors or form.form_errors) else 200
    return page("learning/path/step_form.html", launch, program, status, form=form, step=step)


@bp.route(f"{PREFIX}/steps/<int:step_id>/edit", methods=["GET", "POST"])
@launch_required(Audience.DESIGNER)
def edit_step(launch: LaunchSession, program_id: int, step_id: int) -> Response | tuple[str, int]:
    """Edit a step. When the step is in the course's gradebook, or the edit is a new version
    partners sign again, the changes are shown first and saved once confirmed."""
    program, step = load_step(launch, program_id, step_id)
    form = forms.StepForm.build(step.kind, length_days(program), StepValues.of(step))
    if not (form.submitted and form.validate()):
        return _form_page(launch, program, form, step)
    values = form.values()
    try:
        edit = paths.describe_step_edit(step, values)
        if _needs_confirmation(edit) and request.form.get("confirmed") != "yes":
            return page(
                "learning/path/confirm_edit.html",
                launch,
                program,
                step=step,
                edit=edit,
                resubmit=[
                    (k, v)
                    for k, v in request.form.items(multi=True)
                    if k not in ("csrf_token", "confirmed")
                ],
            )
        paths.edit_step(step, values)
    except (ValidationError, DomainError) as error:
        discard()
        form.add_error(None, error.message)
        status = 409 if isinstance(error, DomainError) else 422
        return _form_page(launch, program, form, step, status)
    if edit.is_pushed and edit.lms_changes:
        # The course's gradebook columns follow the edit (label, maximum: PUT) in the background.
        actor = f"designer person {launch.person_id} (launch in course {launch.course_id})"
        push_path_columns.enqueue(launch.course_id, step.path_id, actor)
    return to_path(launch, program, "saved", f"step-{step.id}")


def _needs_confirmation(edit: paths.StepEdit) -> bool:
    return edit.is_pushed and (bool(edit.lms_changes) or edit.new_version or edit.becomes_ungraded)


@bp.post(f"{PREFIX}/steps/<int:step_id>/move")
@launch_required(Audience.DESIGNER)
def move_step(launch: LaunchSession, program_id: int, step_id: int) -> Response:
    """Move a step one place up or down (the keyboard's way to reorder)."""
    program, step = load_step(launch, program_id, step_id)
    direction = request.form.get("direction")
    if direction not in ("up", "down"):
        raise ValidationError(_("Move a step up or down."))
    paths.move_step(step, -1 if direction == "up" else 1)
    return to_path(launch, program, "moved", f"step-{step.id}")


@bp.post(f"{PREFIX}/order")
@launch_required(Audience.DESIGNER)
def reorder_steps(launch: LaunchSession, program_id: int) -> Response:
    """Save a whole new order (what dragging the steps posts).

    :raise ValidationError: the order does not list each step of the path once.
    """
    program = load_program(launch, program_id)
    path = load_path(program)
    raw = request.form.getlist("step")
    if not all(value.isdigit() for value in raw):
        raise ValidationError(_("The new order must list each of the path's steps once."))
    paths.reorder_steps(path, [int(value) for value in raw])
    return to_path(launch, program, "reordered")
