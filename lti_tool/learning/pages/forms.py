"""The forms of the step pages and the progress page: what a learner or designer posts, read
into the plain values the learning services take."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import Field
from wtforms.validators import ValidationError

from lti_tool.core.forms import (
    AUTO,
    BaseForm,
    BooleanField,
    MaxLength,
    MultiChoiceField,
    NumberField,
    Required,
    TextAreaField,
    TextField,
    strip,
    tidy,
)
from lti_tool.learning.meetings import MAX_MINUTES, MeetingValues
from lti_tool.learning.models import LIKERT_MAX, LIKERT_MIN, QuestionKind, SurveyQuestion
from lti_tool.learning.reflections import TEXT_LIMIT as REFLECTION_LIMIT
from lti_tool.learning.risk import MAX_GRACE_DAYS
from lti_tool.learning.surveys import TEXT_LIMIT as ANSWER_LIMIT


class PairForm(BaseForm):
    """Every learner action names the pair it is for (a mentor may have several mentees)."""

    pair = TextField(filters=(strip,))

    def pair_id(self) -> int | None:
        value = self.pair.data or ""
        return int(value) if value.isdigit() else None


class MeetingForm(PairForm):
    met_on = TextField(filters=(strip,))
    duration_minutes = NumberField(low=1, high=MAX_MINUTES, whole=True)
    topics = MultiChoiceField()
    other_topics = TextAreaField(filters=(tidy,))
    shared_notes = TextAreaField(filters=(tidy,))
    private_notes = TextAreaField(filters=(tidy,))

    def __init__(self, formdata: Any = AUTO, *, today: dt.date, **kwargs: Any) -> None:
        self.today = today
        super().__init__(formdata, **kwargs)

    def validate_met_on(self, field: Field) -> None:
        try:
            met_on = dt.date.fromisoformat(field.data or "")
        except ValueError:
            raise ValidationError(
                _l("Give the meeting's date as YYYY-MM-DD.")
                if field.data
                else _l("Give the date you met.")
            ) from None
        if met_on > self.today:
            raise ValidationError(_l("Log a meeting once it has taken place: this date is ahead."))

    def values(self) -> MeetingValues:
        others = [line for line in (self.other_topics.data or "").split("\n") if line.strip()]
        return MeetingValues(
            met_on=dt.date.fromisoformat(self.met_on.data),
            duration_minutes=int(self.duration_minutes.data),
            topics=tuple([*self.topics.data, *others]),
            shared_notes=self.shared_notes.data or "",
            private_notes=self.private_notes.data or "",
        )


class DeclineForm(PairForm):
    decline_reason = TextAreaField(
        validators=[
            Required(_l("Say why you decline, so your partner can correct the log.")),
            MaxLength(1000),
        ],
        filters=(tidy,),
    )


class ReflectionForm(PairForm):
    text = TextAreaField(
        validators=[
            Required(_l("Write your reflection before saving it.")),
            MaxLength(REFLECTION_LIMIT),
        ],
        filters=(tidy,),
    )
    share = BooleanField()


def survey_form(questions: list[SurveyQuestion]) -> type[PairForm]:
    """A form with one field per question, named ``q-<question id>``: the questions are data
    on the step, never fields written here."""
    fields: dict[str, Any] = {}
    for number, question in enumerate(questions, start=1):
        checks: list[Any] = []
        if question.is_required:
            checks.append(Required(_l("Answer question %(n)d.", n=number)))
        if question.kind == QuestionKind.LIKERT:
            fields[f"q-{question.id}"] = TextField(
                validators=[*checks, _likert(number)], filters=(strip,)
            )
        else:
            fields[f"q-{question.id}"] = TextAreaField(
                validators=[*checks, MaxLength(ANSWER_LIMIT)], filters=(tidy,)
            )
    return PairForm.with_fields("SurveyForm", fields)


def _likert(number: int):
    def check(form: BaseForm, field: Field) -> None:
        if field.data and field.data not in {str(n) for n in range(LIKERT_MIN, LIKERT_MAX + 1)}:
            raise ValidationError(
                _l(
                    "Answer question %(n)d from %(low)d to %(high)d.",
                    n=number,
                    low=LIKERT_MIN,
                    high=LIKERT_MAX,
                )
            )

    return check


def survey_answers(form: BaseForm, questions: list[SurveyQuestion]) -> dict[int, int | str | None]:
    answers: dict[int, int | str | None] = {}
    for question in questions:
        value = form[f"q-{question.id}"].data or None
        if value is not None and question.kind == QuestionKind.LIKERT:
            value = int(value)
        answers[question.id] = value
    return answers


class GraceForm(BaseForm):
    grace_days = NumberField(low=0, high=MAX_GRACE_DAYS, whole=True)


class TimeZoneForm(BaseForm):
    time_zone = TextField(validators=[Required(_l("Send a time zone."))], filters=(strip,))
