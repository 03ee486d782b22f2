"""Answering a survey step: Likert 1–5 and free text, stored as data for the evaluation."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from lti_tool.errors import DomainError, ValidationError
from lti_tool.extensions import db
from lti_tool.learning.completing import check_taking, record_completion
from lti_tool.learning.models import (
    LIKERT_MAX,
    LIKERT_MIN,
    QuestionKind,
    Step,
    StepKind,
    SurveyAnswer,
    SurveyResponse,
)
from lti_tool.matching.models import Pair

TEXT_LIMIT = 5000


def answer_survey(
    step: Step, pair: Pair, person_id: int, answers: dict[int, int | str | None]
) -> SurveyResponse:
    """Record the person's answers (question id → 1–5 or text); completes the step.

    :raise ValidationError: an unknown question, a Likert answer outside 1–5, a required
        question left blank, a text too long.
    :raise DomainError: already answered; see also ``check_taking``.
    :raise NotFoundError: see ``check_taking``.
    """
    role = check_taking(step, pair, person_id, StepKind.SURVEY)
    exists = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(SurveyResponse)
        .where(SurveyResponse.step_id == step.id, SurveyResponse.person_id == person_id)
    )
    if exists:
        raise DomainError(_("You have already answered this survey."))
    questions = {q.id: q for q in step.questions}
    unknown = set(answers) - set(questions)
    if unknown:
        raise ValidationError(
            "Some answers are for questions this survey does not have.",
            hint="Reload the survey and answer again.",
        )
    response = SurveyResponse(step_id=step.id, person_id=person_id, pair_id=pair.id, role=role)
    for number, (question_id, question) in enumerate(questions.items(), start=1):
        value = answers.get(question_id)
        if isinstance(value, str):
            value = value.strip() or None
        if value is None:
            if question.is_required:
                raise ValidationError(
                    _("Answer question %(n)d: “%(prompt)s”.", n=number, prompt=question.prompt)
                )
            continue
        if question.kind == QuestionKind.LIKERT:
            if isinstance(value, str) and value.isdigit():
                value = int(value)
            if not isinstance(value, int) or not LIKERT_MIN <= value <= LIKERT_MAX:
                raise ValidationError(
                    _(
                        "Question %(n)d is answered from %(low)d to %(high)d.",
                        n=number,
                        low=LIKERT_MIN,
                        high=LIKERT_MAX,
                    )
                )
            response.answers.append(SurveyAnswer(question_id=question_id, likert=value))
        else:
            text = str(value)
            if len(text) > TEXT_LIMIT:
                raise ValidationError(_("Answers are limited to %(n)d characters.", n=TEXT_LIMIT))
            response.answers.append(SurveyAnswer(question_id=question_id, text=text))
    db.session.add(response)
    db.session.flush()
    record_completion(step, pair, person_id)
    return response
