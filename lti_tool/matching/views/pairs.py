"""Designers' pairing pages: who is ready, run matching, review, lock, veto, pair by hand,
publish, and rematch after someone leaves.

Every view needs a designer's launch and a program of the launch's course (404 otherwise);
each changes state through one service and commits once.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Response, abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _

from lti_tool.core.auth import launch_required
from lti_tool.core.i18n import N_
from lti_tool.core.roles import Audience
from lti_tool.core.transaction import discard
from lti_tool.errors import DomainError, ValidationError
from lti_tool.extensions import db
from lti_tool.matching import decisions, forms
from lti_tool.matching.models import MatchingRun, Pair, Program, RunStatus
from lti_tool.matching.pairing import (
    count_ready_profiles,
    execute_run,
    rematch_leavers,
    request_run,
)
from lti_tool.matching.programs import person_label
from lti_tool.matching.review import build_review, build_roster
from lti_tool.matching.tasks import can_queue, run_matching_job
from lti_tool.matching.views import bp, launch_course, load_program
from lti_tool.roster.launches import LaunchSession
from lti_tool.roster.models import Person

# Cohorts up to this many submitted profiles are matched within the request (about a second
# for 1,000 on SQLite, measured); bigger ones by a job, with a progress page.
SYNC_LIMIT = 1000
NOTICES = {
    "ran": N_("Matching finished: the proposed pairs are below."),
    "rematched": N_(
        "The people whose partner left have been rematched; everyone else keeps their pair."
    ),
    "locked": N_("Pair locked: it stays through every re-run."),
    "unlocked": N_("Pair unlocked: the next run may replace it."),
    "vetoed": N_("Pair vetoed: it will not be proposed again."),
    "veto-lifted": N_("Veto lifted: the next run may propose that pair again."),
    "paired": N_("Your pair is made and locked."),
    "published": N_("Pairs published: the partners can now see each other."),
}


def _notice() -> str | None:
    message = NOTICES.get(request.args.get("notice", ""))
    return None if message is None else _(message)


def _to_review(
    launch: LaunchSession, program: Program, notice: str, anchor: str | None = None
) -> Response:
    return redirect(
        url_for(
            "matching.pair_review",
            launch_id=launch.id,
            program_id=program.id,
            notice=notice,
            _anchor=anchor,
        ),
        code=303,
    )


def _review_page(
    launch: LaunchSession,
    program: Program,
    *,
    status: int = 200,
    problem: str | None = None,
    manual: forms.HandPairForm | None = None,
) -> tuple[str, int]:
    course = launch_course(launch)
    return render_template(
        "matching/pairs/review.html",
        launch_id=launch.id,
        course_title=course.title,
        program=program,
        review=build_review(program),
        problem=problem,
        notice=_notice(),
        manual=manual or forms.HandPairForm(formdata=None),
    ), status


def _refused(launch: LaunchSession, program: Program, error: DomainError) -> tuple[str, int]:
    discard()
    return _review_page(launch, program, status=error.status_code, problem=error.message)


def _pair_of(program: Program, pair_id: int) -> Pair:
    """:raise NotFound: the pair is not one of this program's."""
    pair = db.session.get(Pair, pair_id)
    if pair is None or pair.program_id != program.id:
        abort(404, description=_("There is no such pair in this program."))
    return pair


@bp.get("/s/<launch_id>/programs/<int:program_id>/people")
@launch_required(Audience.DESIGNER)
def pairing_people(launch: LaunchSession, program_id: int) -> str:
    """The course's learners: intake profile done or not, and where matching left them.

    :raise NotFound: the program is not in this course.
    """
    program = load_program(launch, program_id)
    rows, counts = build_roster(program)
    return render_template(
        "matching/pairs/people.html",
        launch_id=launch.id,
        course_title=launch_course(launch).title,
        program=program,
        rows=rows,
        counts=counts,
    )


@bp.get("/s/<launch_id>/programs/<int:program_id>/pairs")
@launch_required(Audience.DESIGNER)
def pair_review(launch: LaunchSession, program_id: int) -> tuple[str, int]:
    """The review table: each pair's score by factor, reasons and rules; the unmatched
    people with their reason; vetoes; a pair by hand; publish.

    :raise NotFound: the program is not in this course.
    """
    return _review_page(launch, load_program(launch, program_id))


@bp.post("/s/<launch_id>/programs/<int:program_id>/pairs/run")
@launch_required(Audience.DESIGNER)
def run_pairing(launch: LaunchSession, program_id: int) -> Response | tuple[str, int]:
    """Run matching: within the request for a usual cohort, as a job for a big one (its page
    shows the progress). Locked pairs stay; vetoed pairs are never proposed.

    :raise NotFound: the program is not in this course.
    """
    program = load_program(launch, program_id)
    limit = current_app.config.get("MATCHING_SYNC_LIMIT", SYNC_LIMIT)
    try:
        run = request_run(program, launch.person_id)
        if count_ready_profiles(program) > limit and can_queue(current_app):
            run_matching_job.enqueue(run.id)  # sent once the commit below succeeds
            return redirect(
                url_for(
                    "matching.pairing_run",
                    launch_id=launch.id,
                    program_id=program.id,
                    run_id=run.id,
                ),
                code=303,
            )
        execute_run(run)
    except DomainError as error:
        return _refused(launch, program, error)
    return _to_review(launch, program, "ran", "pairs")


@bp.get("/s/<launch_id>/programs/<int:program_id>/pairs/runs/<int:run_id>")
@launch_required(Audience.DESIGNER)
def pairing_run(launch: LaunchSession, program_id: int, run_id: int) -> Response | str:
    """A queued run's progress; the page reloads itself until the run is done, then goes to
    the review.

    :raise NotFound: no such run of this program.
    """
    program = load_program(launch, program_id)
    run = db.session.get(MatchingRun, run_id)
    if run is None or run.program_id != program.id:
        abort(404, description=_("There is no such matching run in this program."))
    if run.status == RunStatus.DONE:
        return _to_review(launch, program, "rematched" if run.kind == "rematch" else "ran", "pairs")
    return render_template(
        "matching/pairs/run.html",
        launch_id=launch.id,
        course_title=launch_course(launch).title,
        program=program,
        run=run,
    )


@bp.post("/s/<launch_id>/programs/<int:program_id>/pairs/rematch")
@launch_required(Audience.DESIGNER)
def rematch_pairs(launch: LaunchSession, program_id: int) -> Response | tuple[str, int]:
    """New partners only for the people a leaver left alone.

    :raise NotFound: the program is not in this course.
    """
    program = load_program(launch, program_id)
    try:
        rematch_leavers(program, launch.person_id)
    except DomainError as error:
        return _refused(launch, program, error)
    return _to_review(launch, program, "rematched", "pairs")


@bp.get("/s/<launch_id>/programs/<int:program_id>/pairs/<int:pair_id>/veto")
@launch_required(Audience.DESIGNER)
def confirm_veto(launch: LaunchSession, program_id: int, pair_id: int) -> tuple[str, int]:
    """Asks before vetoing a pair, with the reason kept beside the veto.

    :raise NotFound: the program is not in this course, or the pair not in the program.
    """
    program = load_program(launch, program_id)
    return _veto_page(launch, program, _pair_of(program, pair_id))


def _veto_page(
    launch: LaunchSession, program: Program, pair: Pair, form: forms.VetoForm | None = None
) -> tuple[str, int]:
    names = {
        p.id: p
        for p in db.session.scalars(
            sa.select(Person).where(Person.id.in_((pair.mentor_id, pair.mentee_id)))
        )
    }
    return render_template(
        "matching/pairs/veto.html",
        launch_id=launch.id,
        course_title=launch_course(launch).title,
        program=program,
        pair=pair,
        mentor=person_label(names[pair.mentor_id]),
        mentee=person_label(names[pair.mentee_id]),
        form=form or forms.VetoForm(),
    ), 422 if form is not None and form.errors else 200


@bp.post(
    "/s/<launch_id>/programs/<int:program_id>/pairs/<int:pair_id>/<any(lock, unlock, veto):action>"
)
@launch_required(Audience.DESIGNER)
def decide_pair(
    launch: LaunchSession, program_id: int, pair_id: int, action: str
) -> Response | tuple[str, int]:
    """Lock, unlock or veto one proposed pair.

    :raise NotFound: the program is not in this course, or the pair not in the program.
    """
    program = load_program(launch, program_id)
    pair = _pair_of(program, pair_id)
    veto = forms.VetoForm()
    if action == "veto" and not veto.is_confirmed:
        return _veto_page(launch, program, pair)  # a veto is asked first, with its reason
    if action == "veto" and not veto.validate():
        return _veto_page(launch, program, pair, veto)
    try:
        if action == "lock":
            decisions.lock_pair(pair)
        elif action == "unlock":
            decisions.unlock_pair(pair)
        else:
            decisions.veto_pair(pair, launch.person_id, veto.reason.data)
    except DomainError as error:
        return _refused(launch, program, error)
    notice = {"lock": "locked", "unlock": "unlocked", "veto": "vetoed"}[action]
    return _to_review(launch, program, notice, "pairs")


@bp.post("/s/<launch_id>/programs/<int:program_id>/pairs/vetoes/<int:veto_id>/lift")
@launch_required(Audience.DESIGNER)
def lift_pair_veto(
    launch: LaunchSession, program_id: int, veto_id: int
) -> Response | tuple[str, int]:
    """Allow a vetoed pair to be proposed again.

    :raise NotFound: the program is not in this course.
    """
    program = load_program(launch, program_id)
    try:
        decisions.lift_veto(program, veto_id)
    except DomainError as error:
        return _refused(launch, program, error)
    return _to_review(launch, program, "veto-lifted", "vetoes")


@bp.post("/s/<launch_id>/programs/<int:program_id>/pairs/manual")
@launch_required(Audience.DESIGNER)
def pair_by_hand(launch: LaunchSession, program_id: int) -> Response | tuple[str, int]:
    """A designer's own pair: checked against the hard rules, kept only with a written reason
    when it breaks one, and locked.

    :raise NotFound: the program is not in this course.
    """
    program = load_program(launch, program_id)
    form = forms.HandPairForm()
    if form.validate():
        try:
            decisions.pair_by_hand(
                program,
                int(form.mentor.data),
                int(form.mentee.data),
                form.override_reason.data or None,
            )
        except decisions.ManualPairNeedsReason as error:
            form.broken = error.broken
            form.add_error(
                "override_reason",
                _(
                    "This pair breaks the rules above: write why it "
                    "should stand, or choose someone else."
                ),
            )
        except ValidationError as error:
            form.add_error("mentee", error.message)
        except DomainError as error:
            return _refused(launch, program, error)
    if form.errors:
        discard()
        return _review_page(launch, program, status=422, manual=form)
    return _to_review(launch, program, "paired", "pairs")


@bp.route("/s/<launch_id>/programs/<int:program_id>/pairs/publish", methods=["GET", "POST"])
@launch_required(Audience.DESIGNER)
def publish(launch: LaunchSession, program_id: int) -> Response | str | tuple[str, int]:
    """GET asks for confirmation; POST publishes: pairs and a matching program become active.

    :raise NotFound: the program is not in this course.
    """
    program = load_program(launch, program_id)
    if request.method == "POST":
        try:
            decisions.publish_pairs(program)
        except DomainError as error:
            return _refused(launch, program, error)
        return _to_review(launch, program, "published")
    review = build_review(program)
    return render_template(
        "matching/pairs/publish.html",
        launch_id=launch.id,
        course_title=launch_course(launch).title,
        program=program,
        review=review,
    )
