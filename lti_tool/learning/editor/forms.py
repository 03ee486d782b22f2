"""The path editor's forms: a step (fields by kind), a move, a removal, the picker.

Each form gives the plain values the ``paths`` services take (``StepValues``); the choices
shown on the pages live here, so a page and its validation cannot disagree.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms.validators import StopValidation

from lti_tool.core.forms import (
    BaseForm,
    ChoiceField,
    MultiChoiceField,
    NumberField,
    Required,
    TextAreaField,
    TextField,
    one_line,
    strip,
    tidy,
)
from lti_tool.learning.models import Audience, QuestionKind, StepKind
from lti_tool.learning.paths import MAX_POINTS, QuestionValues, StepValues
from lti_tool.learning.template_library import DAYS_PER_MONTH

KINDS = {
    StepKind.MODULE.value: _l("Module: content to read, acknowledged by the learner"),
    StepKind.AGREEMENT.value: _l("Agreement: goals and ground rules both partners sign"),
    StepKind.MEETING.value: _l("Meeting: a check-in with discussion starters"),
    StepKind.REFLECTION.value: _l("Reflection: a short written reflection"),
    StepKind.SURVEY.value: _l("Survey: Likert (1–5) and free-text questions"),
    StepKind.MILESTONE.value: _l("Milestone: completes itself when the steps before it are done"),
}
KIND_NAMES = {
    StepKind.MODULE.value: _l("Module"),
    StepKind.AGREEMENT.value: _l("Agreement"),
    StepKind.MEETING.value: _l("Meeting"),
    StepKind.REFLECTION.value: _l("Reflection"),
    StepKind.SURVEY.value: _l("Survey"),
    StepKind.MILESTONE.value: _l("Milestone"),
}
AUDIENCES = {
    Audience.BOTH.value: _l("Mentors and mentees"),
    Audience.MENTORS.value: _l("Mentors only"),
    Audience.MENTEES.value: _l("Mentees only"),
}
QUESTION_KINDS = {
    QuestionKind.LIKERT.value: _l("Likert 1–5"),
    QuestionKind.TEXT.value: _l("Free text"),
}
EXTRA_QUESTION_ROWS = 3
PROMPT_LIMIT = 500


def _likert_when_missing(value: Any) -> Any:
    """An unused question row may come without its kind."""
    return value or QuestionKind.LIKERT.value


class StepForm(BaseForm):
    """A step's fields; which ones a page shows depends on the kind (``shows``)."""

    title = TextField(filters=(one_line,), validators=[Required(_l("Give the step a title."))])
    due_offset_days = NumberField(low=0, high=12 * DAYS_PER_MONTH, whole=True)
    points = NumberField(low=0, high=MAX_POINTS, whole=True)
    audience = ChoiceField(choices=AUDIENCES, message=_l("Choose who takes this step."))
    instructions = TextAreaField(filters=(tidy,))
    content = TextAreaField(filters=(tidy,))
    starters = TextAreaField(filters=(tidy,))

    def __init__(self, kind: str, length_days: int, question_rows: int = 0, **kwargs: Any):
        self.kind = StepKind(kind)
        self.length_days = length_days
        self.question_rows = question_rows
        super().__init__(**kwargs)
        if self.kind.is_joint:  # always both partners: nothing to choose or check
            del self["audience"]

    @classmethod
    def build(cls, kind: str, length_days: int, values: StepValues | None = None) -> StepForm:
        """The form for ``kind``, filled with ``values`` (an edit) or the defaults."""
        questions = values.questions if values else ()
        rows = len(questions) + EXTRA_QUESTION_ROWS if kind == StepKind.SURVEY else 0
        fields: dict[str, Any] = {}
        for i in range(rows):
            fields[f"q-prompt-{i}"] = TextField(filters=(one_line,))
            fields[f"q-kind-{i}"] = ChoiceField(
                choices=QUESTION_KINDS,
                message=_l("Choose Likert or free text."),
                filters=(strip, _likert_when_missing),
            )
            fields[f"q-measure-{i}"] = TextField(filters=(one_line,))
        subclass = cls.with_fields("StepFormWithQuestions", fields) if fields else cls
        data: dict[str, Any] = {
            "due_offset_days": 0,
            "points": 0,
            "audience": Audience.BOTH.value,
        }
        if values is not None:
            data.update(
                title=values.title,
                due_offset_days=values.due_offset_days,
                points=values.points,
                audience=values.audience,
                instructions=values.instructions,
                content=values.content,
                starters="\n".join(values.starters),
            )
        for i in range(rows):
            question = questions[i] if i < len(questions) else None
            data[f"q-kind-{i}"] = question.kind if question else QuestionKind.LIKERT.value
            data[f"q-prompt-{i}"] = question.prompt if question else ""
            data[f"q-measure-{i}"] = (question.measure or "") if question else ""
        return subclass(kind, length_days, rows, data=data)

    def shows(self, name: str) -> bool:
        """Whether the page shows field ``name`` for this kind."""
        if name == "audience":
            return "audience" in self
        if name == "starters":
            return self.kind == StepKind.MEETING
        if name == "content":
            return self.kind != StepKind.MILESTONE
        return True

    def question_fields(self) -> list[tuple[Any, Any, Any]]:
        return [
            (self[f"q-kind-{i}"], self[f"q-prompt-{i}"], self[f"q-measure-{i}"])
            for i in range(self.question_rows)
        ]

    def validate_due_offset_days(self, field: Any) -> None:
        if isinstance(field.data, int | float) and field.data > self.length_days:
            raise StopValidation(
                _l(
                    "The program runs %(days)d days: the step is due 0 to %(days)d days "
                    "after its start.",
                    days=self.length_days,
                )
            )

    def validate_starters(self, field: Any) -> None:
        if self.kind == StepKind.MEETING and not (field.data or "").strip():
            raise StopValidation(_l("Give the meeting at least one discussion starter."))

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        if self.kind == StepKind.SURVEY:
            prompts = [p for _, p, _ in self.question_fields()]
            for prompt in prompts:
                if len(prompt.data or "") > PROMPT_LIMIT:
                    prompt.errors = [_l("Use at most 500 characters for a question.")]
                    valid = False
            if prompts and not any((p.data or "").strip() for p in prompts):
                prompts[0].errors = [_l("Give the survey at least one question.")]
                valid = False
        return valid

    def values(self) -> StepValues:
        joint = self.kind.is_joint
        return StepValues(
            kind=self.kind.value,
            title=self.title.data or "",
            due_offset_days=int(self.due_offset_days.data or 0),
            points=int(self.points.data or 0),
            audience=Audience.BOTH.value if joint else (self["audience"].data or ""),
            instructions=self.instructions.data or "",
            content="" if self.kind == StepKind.MILESTONE else (self.content.data or ""),
            starters=tuple(
                line.strip() for line in (self.starters.data or "").split("\n") if line.strip()
            ),
            questions=tuple(
                QuestionValues(
                    kind=kind.data or QuestionKind.LIKERT.value,
                    prompt=(prompt.data or "").strip(),
                    measure=(measure.data or "").strip() or None,
                )
                for kind, prompt, measure in self.question_fields()
                if (prompt.data or "").strip()
            ),
        )


class RemoveStepForm(BaseForm):
    """Removing a step; ``column`` only when the step has a gradebook column in the LMS."""

    column = ChoiceField(
        choices=("delete", "keep"),
        message=_l("Choose whether to delete the gradebook column in the LMS or keep it."),
    )


class PickerForm(BaseForm):
    item = MultiChoiceField()
