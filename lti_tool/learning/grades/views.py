"""The designer's gradebook page of a program: its columns in the LMS, each person's grade
sends (sent, waiting, failed with the LMS's words), and the buttons "Push to course",
"Send again" and "Reconcile now"."""

from __future__ import annotations

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _

from lti_tool.core.audit import record_event
from lti_tool.core.auth import launch_required
from lti_tool.core.roles import Audience
from lti_tool.extensions import db
from lti_tool.learning.grades.outbox import send_again
from lti_tool.learning.grades.presenting import gradebook_view
from lti_tool.learning.grades.reconcile import reconcile_path
from lti_tool.learning.grades.tasks import push_path_columns
from lti_tool.learning.models import Path
from lti_tool.matching.models import Program
from lti_tool.matching.views import load_program
from lti_tool.roster.launches import LaunchSession

bp = Blueprint("grades", __name__)
PAGE = "/s/<launch_id>/programs/<int:program_id>/gradebook"
NOTICES = {
    "push": _("Pushing the columns to the course: this page shows them as they appear."),
    "resent": _("Sending again."),
    "nothing": _("Nothing to send again."),
    "reconciled": _("Reconciled with the LMS gradebook."),
}


def _path_of(program: Program) -> Path:
    path = db.session.query(Path).filter_by(program_id=program.id).first()
    if path is None:
        abort(404, description=_("This program has no learning path yet."))
    return path


def _actor(launch: LaunchSession) -> str:
    return f"designer person {launch.person_id} (launch in course {launch.course_id})"


def _back(launch: LaunchSession, program: Program, notice: str, **extra: str) -> Response:
    return redirect(
        url_for(
            "grades.gradebook",
            launch_id=launch.id,
            program_id=program.id,
            notice=notice,
            **extra,
        ),
        303,
    )


@bp.get(PAGE)
@launch_required(Audience.DESIGNER)
def gradebook(launch: LaunchSession, program_id: int) -> tuple[str, int]:
    program = load_program(launch, program_id)
    path = _path_of(program)
    view = gradebook_view(program.course_id, path)
    return render_template(
        "grades/gradebook.html",
        launch_id=launch.id,
        program=program,
        path=path,
        view=view,
        notice=NOTICES.get(request.args.get("notice", "")),
        detail=request.args.get("count", ""),
    ), 200


@bp.post(f"{PAGE}/push")
@launch_required(Audience.DESIGNER)
def push(launch: LaunchSession, program_id: int) -> Response:
    program = load_program(launch, program_id)
    path = _path_of(program)
    actor = _actor(launch)
    record_event(actor, "grades.push", f"path {path.id} course {program.course_id}")
    push_path_columns.enqueue(program.course_id, path.id, actor)
    return _back(launch, program, "push")


@bp.post(f"{PAGE}/send-again")
@launch_required(Audience.DESIGNER)
def resend(launch: LaunchSession, program_id: int) -> Response:
    program = load_program(launch, program_id)
    path = _path_of(program)
    view = gradebook_view(program.course_id, path)
    chosen = request.form.getlist("send_id", type=int) or view.failed_ids
    chosen = [i for i in chosen if i in set(view.failed_ids)]  # this path's failed sends only
    count = send_again(chosen, program.course_id)
    if count:
        record_event(_actor(launch), "grades.send_again", f"path {path.id}", {"sends": chosen})
    return _back(launch, program, "resent" if count else "nothing")


@bp.post(f"{PAGE}/reconcile")
@launch_required(Audience.DESIGNER)
def reconcile(launch: LaunchSession, program_id: int) -> Response:
    program = load_program(launch, program_id)
    path = _path_of(program)
    queued, problems = reconcile_path(program.course_id, path.id)
    record_event(
        _actor(launch),
        "grades.reconcile",
        f"path {path.id}",
        {"queued": queued, "problems": problems[:5]},
    )
    return _back(launch, program, "reconciled", count=str(queued))
