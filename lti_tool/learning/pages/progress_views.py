"""The designer's progress page: pairs × steps, each pair's last confirmed meeting, the pairs
at risk, and the grace period that decides "at risk"."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask import Response, redirect, render_template, url_for
from flask_babel import gettext as _

from lti_tool.core.auth import launch_required
from lti_tool.core.i18n import N_
from lti_tool.core.roles import Audience
from lti_tool.core.transaction import discard
from lti_tool.errors import NotFoundError
from lti_tool.extensions import db
from lti_tool.learning.models import Path
from lti_tool.learning.pages import bp, notice, use_viewer_zone, viewer_today
from lti_tool.learning.pages.forms import GraceForm
from lti_tool.learning.progress import PairProgress, ProgressMatrix, StepState, progress_matrix
from lti_tool.learning.risk import CADENCE_DAYS, RiskFlag, allowed_gap, pair_at_risk, set_grace_days
from lti_tool.matching.models import Pair, Program
from lti_tool.roster.launches import LaunchSession

STATE_LABELS = {
    StepState.DONE: N_("Done"),
    StepState.WAITING_FOR_PARTNER: N_("Waiting for the partner"),
    StepState.OVERDUE: N_("Overdue"),
    StepState.OPEN: N_("Not yet due"),
}


@dataclass(frozen=True)
class ProgressRow:
    pair: PairProgress
    risk: RiskFlag | None


def load_program(launch: LaunchSession, program_id: int) -> Program:
    """:raise NotFoundError: no such program in the launch's course (another course's is
    not found either)."""
    program = db.session.get(Program, program_id)
    if program is None or launch.course_id is None or program.course_id != launch.course_id:
        raise NotFoundError(_("There is no such program in this course."))
    return program


def find_program_path(program: Program) -> Path | None:
    return db.session.scalars(sa.select(Path).where(Path.program_id == program.id)).first()


@bp.get("/s/<launch_id>/programs/<int:program_id>/progress")
@launch_required(Audience.DESIGNER)
def progress(launch: LaunchSession, program_id: int) -> tuple[str, int]:
    """Pairs × steps (done, waiting for the partner, overdue, not yet due) and the pairs at
    risk.

    :raise NotFoundError: the program is not in this course.
    :raise AccessDenied: not a designer's launch.
    """
    program = load_program(launch, program_id)
    return _page(launch, program, GraceForm(formdata=None))


def _page(
    launch: LaunchSession, program: Program, form: GraceForm, status: int = 200
) -> tuple[str, int]:
    zone = use_viewer_zone(launch)
    today = viewer_today(zone)
    path = find_program_path(program)
    matrix: ProgressMatrix | None = None
    rows: list[ProgressRow] = []
    if path is not None:
        if not form.submitted:
            form = GraceForm(formdata=None, data={"grace_days": path.at_risk_grace_days})
        matrix = progress_matrix(path, today)
        paired_on = dict(
            db.session.execute(
                sa.select(Pair.id, Pair.activated_at).where(Pair.program_id == program.id)
            ).all()
        )
        for row in matrix.rows:
            activated = paired_on.get(row.pair_id)
            flag = pair_at_risk(
                row,
                starts_on=program.starts_on,
                paired_on=activated.date() if activated else None,
                cadence=program.cadence,
                grace_days=path.at_risk_grace_days,
                today=today,
            )
            rows.append(ProgressRow(row, flag))
    return render_template(
        "learning/steps/progress.html",
        launch_id=launch.id,
        course_title=launch.course.title if launch.course else "",
        program=program,
        path=path,
        matrix=matrix,
        rows=rows,
        at_risk=[r for r in rows if r.risk is not None],
        form=form,
        cadence_days=CADENCE_DAYS.get(program.cadence, CADENCE_DAYS["monthly"]),
        allowed_gap=allowed_gap(program.cadence, path.at_risk_grace_days) if path else None,
        state_labels=STATE_LABELS,
        zone=zone,
        today=today,
        notice=notice(),
    ), status


@bp.post("/s/<launch_id>/programs/<int:program_id>/progress/grace")
@launch_required(Audience.DESIGNER)
def save_grace(launch: LaunchSession, program_id: int) -> Response | tuple[str, int]:
    """The grace period, in days beyond the meeting cadence, before a pair is at risk.

    :raise NotFoundError: the program is not in this course, or has no path yet.
    """
    program = load_program(launch, program_id)
    path = find_program_path(program)
    if path is None:
        raise NotFoundError(_("This program has no learning path yet."))
    form = GraceForm()
    if not form.validate():
        discard()
        return _page(launch, load_program(launch, program_id), form, 422)
    set_grace_days(path, int(form.grace_days.data))
    return redirect(
        url_for(
            "steps.progress",
            launch_id=launch.id,
            program_id=program.id,
            notice="grace",
            _anchor="at-risk",
        ),
        code=303,
    )
