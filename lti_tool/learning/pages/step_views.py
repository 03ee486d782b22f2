"""The step page and its actions: mark a module done, sign an agreement, log a meeting and
confirm or decline the partner's log, write a reflection, answer a survey.

Each action posts, calls one service and redirects (303) back to the step with a
confirmation; a refused form re-renders the page with its error summary (422, or 409 when
the state forbids it). A learner only ever reaches their own pair: a pair, meeting or step
that is not theirs is "not found".
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Response, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from lti_tool.core.auth import launch_required
from lti_tool.core.forms import BaseForm
from lti_tool.core.roles import Audience
from lti_tool.core.transaction import discard
from lti_tool.errors import DomainError, NotFoundError, ValidationError
from lti_tool.extensions import db
from lti_tool.learning.agreements import sign_agreement
from lti_tool.learning.completing import complete_module
from lti_tool.learning.meetings import (
    confirm_meeting,
    decline_meeting,
    get_meeting,
    log_meeting,
)
from lti_tool.learning.models import LIKERT_MAX, LIKERT_MIN, Step, StepKind
from lti_tool.learning.pages import bp, notice, use_viewer_zone, viewer_today
from lti_tool.learning.pages import forms as step_forms
from lti_tool.learning.pages.step_page import designer_page, learner_page, learner_pairs
from lti_tool.learning.reflections import write_reflection
from lti_tool.learning.surveys import answer_survey
from lti_tool.matching.models import Pair, Program
from lti_tool.roster.launches import LaunchSession

TEMPLATES = "learning/steps/"


def load_step(launch: LaunchSession, public_id: str) -> tuple[Step, Program]:
    """The step and its program, if the step is on a path of the launch's course.

    :raise NotFoundError: no such step, or it belongs to another course's path (404 either
        way, with a sentence saying so).
    """
    step = db.session.scalars(
        sa.select(Step)
        .where(Step.public_id == public_id)
        .options(selectinload(Step.path), selectinload(Step.questions))
    ).first()
    if step is None:
        raise NotFoundError(
            _("There is no such step."),
            hint=_("It may have been removed from the path. Go back to your course."),
        )
    program = db.session.get(Program, step.path.program_id)
    if launch.course_id is None or program.course_id != launch.course_id:
        raise NotFoundError(
            _("This step belongs to a learning path of another course, not this one."),
            hint=_("Open it from the course it belongs to."),
        )
    return step, program


def _learner_pair(step: Step, launch: LaunchSession, pair_id: int | None) -> tuple[Pair, list]:
    """The learner's pair for ``step`` (the one named, else their first active one).

    :raise NotFoundError: the pair named is not theirs, or they have none in the program.
    """
    pairs = learner_pairs(step.path.program_id, launch.person_id)
    if pair_id is not None:
        pair = next((p for p in pairs if p.id == pair_id), None)
        if pair is None:
            raise NotFoundError(_("This step belongs to another pair."))
        return pair, pairs
    if not pairs:
        raise NotFoundError(
            _("You do not have a partner in this program yet."),
            hint=_("Your path's steps open here once your program's designer publishes the pairs."),
        )
    return pairs[0], pairs


def _pair_arg() -> int | None:
    value = request.values.get("pair", "")
    if value and not value.isdigit():
        raise NotFoundError(_("This step belongs to another pair."))
    return int(value) if value else None


def _back(launch: LaunchSession, step: Step, pair: Pair, done: str, **args: Any) -> Response:
    return redirect(
        url_for(
            "steps.show",
            launch_id=launch.id,
            public_id=step.public_id,
            pair=pair.id,
            notice=done,
            **args,
        ),
        code=303,
    )


@bp.get("/s/<launch_id>/steps/<public_id>")
@launch_required()
def show(launch: LaunchSession, public_id: str) -> tuple[str, int]:
    """A learner sees their pair's state of the step and what to do; a designer sees the
    step across every pair of the program.

    :raise NotFoundError: the step is not in this course, or the pair named is not theirs.
    """
    step, program = load_step(launch, public_id)
    if g.audience == Audience.DESIGNER:
        zone = use_viewer_zone(launch)
        page = designer_page(step, program, viewer_today(zone))
        return render_template(
            TEMPLATES + "designer.html", **_common(launch, program, zone), page=page
        ), 200
    return _learner(launch, step, program, _pair_arg())


def _common(launch: LaunchSession, program: Program, zone: Any) -> dict[str, Any]:
    return {
        "launch_id": launch.id,
        "course_title": launch.course.title if launch.course else "",
        "program": program,
        "zone": zone,
        "notice": notice(),
    }


def _learner(
    launch: LaunchSession,
    step: Step,
    program: Program,
    pair_id: int | None,
    failed: dict[str, BaseForm] | None = None,
    status: int = 200,
) -> tuple[str, int]:
    pair, pairs = _learner_pair(step, launch, pair_id)
    zone = use_viewer_zone(launch)
    today = viewer_today(zone)
    page = learner_page(step, program, pair, pairs, launch.person_id, today)
    forms = _blank_forms(step, page, today)
    forms.update(failed or {})
    return render_template(
        TEMPLATES + "learner.html",
        **_common(launch, program, zone),
        page=page,
        forms=forms,
        failed=next(iter(failed.values())) if failed else None,
        today_iso=today.isoformat(),
        starter_options=[(s, s) for s in page.step.starters],
        likert_options=likert_options(),
    ), status


def likert_options() -> list[tuple[str, str]]:
    words = {
        1: _("Strongly disagree"),
        2: _("Disagree"),
        3: _("Neither agree nor disagree"),
        4: _("Agree"),
        5: _("Strongly agree"),
    }
    return [(str(n), f"{n} — {words[n]}") for n in range(LIKERT_MIN, LIKERT_MAX + 1)]


def _blank_forms(step: Step, page: Any, today: Any) -> dict[str, BaseForm]:
    kind = step.step_kind
    if kind == StepKind.MEETING:
        return {
            "meeting": step_forms.MeetingForm(
                formdata=None, today=today, data={"met_on": today.isoformat()}
            ),
            "decline": step_forms.DeclineForm(formdata=None),
        }
    if kind == StepKind.REFLECTION:
        mine = page.my_reflection
        data = {"text": mine.text, "share": mine.is_shared} if mine else {}
        return {"reflection": step_forms.ReflectionForm(formdata=None, data=data)}
    if kind == StepKind.SURVEY:
        return {"survey": step_forms.survey_form(step.questions)(formdata=None)}
    return {}


def _refused(
    launch: LaunchSession,
    step: Step,
    program: Program,
    pair_id: int | None,
    name: str,
    form: BaseForm,
    error: Exception | None = None,
    field: str | None = None,
) -> tuple[str, int]:
    """The step page again with ``form``'s errors (and a service's refusal), nothing kept."""
    status = 422
    if error is not None:
        form.add_error(field, error.message)  # type: ignore[attr-defined]
        status = 409 if isinstance(error, DomainError) else 422
    discard()
    step, program = load_step(launch, step.public_id)
    return _learner(launch, step, program, pair_id, {name: form}, status)


def _act(launch: LaunchSession, public_id: str) -> tuple[Step, Program, Pair]:
    step, program = load_step(launch, public_id)
    pair, _pairs = _learner_pair(step, launch, _pair_arg())
    return step, program, pair


@bp.post("/s/<launch_id>/steps/<public_id>/done")
@launch_required(Audience.LEARNER)
def mark_done(launch: LaunchSession, public_id: str) -> Response | tuple[str, int]:
    """Acknowledge a module: read and understood."""
    step, program, pair = _act(launch, public_id)
    try:
        complete_module(step, pair, launch.person_id)
    except (DomainError, ValidationError) as error:
        return _refused(launch, step, program, pair.id, "done", BaseForm(), error)
    return _back(launch, step, pair, "done")


@bp.post("/s/<launch_id>/steps/<public_id>/sign")
@launch_required(Audience.LEARNER)
def sign(launch: LaunchSession, public_id: str) -> Response | tuple[str, int]:
    """Sign the agreement's current version; complete once the partner signed it too."""
    step, program, pair = _act(launch, public_id)
    try:
        state = sign_agreement(step, pair, launch.person_id)
    except (DomainError, ValidationError) as error:
        return _refused(launch, step, program, pair.id, "sign", BaseForm(), error)
    return _back(launch, step, pair, "agreed" if state.is_complete else "signed")


@bp.post("/s/<launch_id>/steps/<public_id>/meetings")
@launch_required(Audience.LEARNER)
def log(launch: LaunchSession, public_id: str) -> Response | tuple[str, int]:
    """Log the pair's meeting: it waits for the partner's confirmation."""
    step, program, pair = _act(launch, public_id)
    today = viewer_today(use_viewer_zone(launch))
    form = step_forms.MeetingForm(today=today)
    if not form.validate():
        return _refused(launch, step, program, pair.id, "meeting", form)
    try:
        log_meeting(step, pair, launch.person_id, form.values(), today=today)
    except (DomainError, ValidationError) as error:
        return _refused(launch, step, program, pair.id, "meeting", form, error)
    return _back(launch, step, pair, "logged")


def _act_on_meeting(launch: LaunchSession, public_id: str, meeting_id: int) -> tuple:
    """The step, program, pair and the pair's meeting log of this step that a partner acts on.

    :raise NotFoundError: the meeting is not the pair's, or not of this step.
    """
    step, program, pair = _act(launch, public_id)
    meeting = get_meeting(pair, meeting_id)
    if meeting.step_id != step.id:
        raise NotFoundError(_("This meeting log is not one of this step's."))
    return step, program, pair, meeting


@bp.post("/s/<launch_id>/steps/<public_id>/meetings/<int:meeting_id>/confirm")
@launch_required(Audience.LEARNER)
def confirm(launch: LaunchSession, public_id: str, meeting_id: int) -> Response | tuple[str, int]:
    """Confirm the partner's log: the meeting step is complete for both.

    :raise NotFoundError: the meeting is not the pair's.
    """
    step, program, pair, meeting = _act_on_meeting(launch, public_id, meeting_id)
    try:
        confirm_meeting(meeting, pair, launch.person_id)
    except (DomainError, ValidationError) as error:
        return _refused(launch, step, program, pair.id, "decline", BaseForm(), error)
    return _back(launch, step, pair, "confirmed")


@bp.post("/s/<launch_id>/steps/<public_id>/meetings/<int:meeting_id>/decline")
@launch_required(Audience.LEARNER)
def decline(launch: LaunchSession, public_id: str, meeting_id: int) -> Response | tuple[str, int]:
    """Decline the partner's log, saying why; either partner may log it again.

    :raise NotFoundError: the meeting is not the pair's.
    """
    step, program, pair, meeting = _act_on_meeting(launch, public_id, meeting_id)
    form = step_forms.DeclineForm()
    if not form.validate():
        return _refused(launch, step, program, pair.id, "decline", form)
    try:
        decline_meeting(meeting, pair, launch.person_id, form.decline_reason.data)
    except (DomainError, ValidationError) as error:
        return _refused(launch, step, program, pair.id, "decline", form, error, "decline_reason")
    return _back(launch, step, pair, "declined")


@bp.post("/s/<launch_id>/steps/<public_id>/reflection")
@launch_required(Audience.LEARNER)
def reflect(launch: LaunchSession, public_id: str) -> Response | tuple[str, int]:
    """Write or rewrite a reflection, shared with the partner only when asked."""
    step, program, pair = _act(launch, public_id)
    form = step_forms.ReflectionForm()
    if not form.validate():
        return _refused(launch, step, program, pair.id, "reflection", form)
    try:
        write_reflection(step, pair, launch.person_id, form.text.data, share=bool(form.share.data))
    except (DomainError, ValidationError) as error:
        return _refused(launch, step, program, pair.id, "reflection", form, error, "text")
    return _back(launch, step, pair, "reflected")


@bp.post("/s/<launch_id>/steps/<public_id>/survey")
@launch_required(Audience.LEARNER)
def answer(launch: LaunchSession, public_id: str) -> Response | tuple[str, int]:
    """Answer the survey's questions (Likert 1–5, free text)."""
    step, program, pair = _act(launch, public_id)
    questions = list(step.questions)
    form = step_forms.survey_form(questions)()
    if not form.validate():
        return _refused(launch, step, program, pair.id, "survey", form)
    try:
        answer_survey(step, pair, launch.person_id, step_forms.survey_answers(form, questions))
    except (DomainError, ValidationError) as error:
        return _refused(launch, step, program, pair.id, "survey", form, error)
    return _back(launch, step, pair, "answered")
