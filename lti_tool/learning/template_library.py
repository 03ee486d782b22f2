"""Path templates a designer starts from: TOML files in ``path_templates/``, validated here.

Each ``<key>.toml`` is a template (``title``, ``summary``, ``length_months`` and ``[[steps]]``);
``_steps.toml`` holds shared steps that a template's step reuses with ``use = "<name>"`` and
then overrides field by field. ``load_templates`` refuses any template that would give a
designer a broken path: unknown kinds or audiences, a joint step (agreement, meeting, milestone)
not for both roles, due offsets outside the program's length or out of order, a graded step
without points, a survey without questions, a meeting without discussion starters.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path as FilePath
from typing import Any

from lti_tool.learning.models import Audience, QuestionKind, StepKind

TEMPLATES_DIR = FilePath(__file__).with_name("path_templates")
LIBRARY_FILE = "_steps.toml"
# The shortest a program of n months can be, in days (n × 28 would be too strict to be useful,
# n × 31 too loose): offsets up to n × 30 fit any start date.
DAYS_PER_MONTH = 30

STEP_FIELDS = {
    "use",
    "kind",
    "audience",
    "title",
    "graded",
    "points",
    "due_offset_days",
    "instructions",
    "content",
    "starters",
    "questions",
}
QUESTION_FIELDS = {"kind", "prompt", "measure", "required"}


class TemplateError(ValueError):
    """A template file is not a valid path template (a bug in the files, not user input)."""


@dataclass(frozen=True)
class QuestionTemplate:
    kind: QuestionKind
    prompt: str
    measure: str | None = None
    is_required: bool = True


@dataclass(frozen=True)
class StepTemplate:
    kind: StepKind
    title: str
    audience: Audience
    due_offset_days: int
    points: int
    instructions: str = ""
    content: str = ""
    starters: tuple[str, ...] = ()
    questions: tuple[QuestionTemplate, ...] = ()


@dataclass(frozen=True)
class PathTemplate:
    key: str
    title: str
    summary: str
    length_months: int
    steps: tuple[StepTemplate, ...]

    @property
    def length_days(self) -> int:
        return self.length_months * DAYS_PER_MONTH


def _read(file: FilePath) -> dict[str, Any]:
    try:
        return tomllib.loads(file.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise TemplateError(f"{file.name}: {error}") from error


def _question(where: str, raw: Any) -> QuestionTemplate:
    if not isinstance(raw, dict):
        raise TemplateError(f"{where}: a question is a table")
    unknown = set(raw) - QUESTION_FIELDS
    if unknown:
        raise TemplateError(f"{where}: unknown question fields {sorted(unknown)}")
    try:
        kind = QuestionKind(raw.get("kind"))
    except ValueError:
        raise TemplateError(f"{where}: unknown question kind {raw.get('kind')!r}") from None
    prompt = str(raw.get("prompt", "")).strip()
    if not prompt or len(prompt) > 500:
        raise TemplateError(f"{where}: a question needs a prompt of 1–500 characters")
    return QuestionTemplate(
        kind=kind,
        prompt=prompt,
        measure=raw.get("measure"),
        is_required=bool(raw.get("required", True)),
    )


def _step(where: str, raw: dict[str, Any], library: dict[str, dict]) -> StepTemplate:
    unknown = set(raw) - STEP_FIELDS
    if unknown:
        raise TemplateError(f"{where}: unknown fields {sorted(unknown)}")
    if "use" in raw:
        if raw["use"] not in library:
            raise TemplateError(f"{where}: no shared step named {raw['use']!r}")
        raw = {**library[raw["use"]], **{k: v for k, v in raw.items() if k != "use"}}
    try:
        kind = StepKind(raw.get("kind"))
    except ValueError:
        raise TemplateError(f"{where}: unknown kind {raw.get('kind')!r}") from None
    try:
        audience = Audience(raw.get("audience", Audience.BOTH.value))
    except ValueError:
        raise TemplateError(f"{where}: unknown audience {raw.get('audience')!r}") from None
    title = str(raw.get("title", "")).strip()
    if not title or len(title) > 200:
        raise TemplateError(f"{where}: a step needs a title of 1–200 characters")
    if kind.is_joint and audience != Audience.BOTH:
        raise TemplateError(f"{where}: a {kind} step is for both partners")
    points, graded = raw.get("points", 0), raw.get("graded")
    if not isinstance(graded, bool):
        raise TemplateError(f"{where}: say whether the step is graded (graded = true/false)")
    if not isinstance(points, int) or points < 0:
        raise TemplateError(f"{where}: points must be a whole number, 0 or more")
    if graded and points == 0:
        raise TemplateError(f"{where}: a graded step needs points")
    if not graded and points:
        raise TemplateError(f"{where}: a step that is not graded has 0 points")
    offset = raw.get("due_offset_days")
    if not isinstance(offset, int):
        raise TemplateError(f"{where}: due_offset_days must be a whole number of days")
    starters = tuple(str(s).strip() for s in raw.get("starters", ()))
    if kind == StepKind.MEETING and not starters:
        raise TemplateError(f"{where}: a meeting needs discussion starters")
    if kind != StepKind.MEETING and starters:
        raise TemplateError(f"{where}: only meetings have discussion starters")
    questions = tuple(
        _question(f"{where}, question {i + 1}", q) for i, q in enumerate(raw.get("questions", ()))
    )
    if kind == StepKind.SURVEY and not questions:
        raise TemplateError(f"{where}: a survey needs questions")
    if kind != StepKind.SURVEY and questions:
        raise TemplateError(f"{where}: only surveys have questions")
    return StepTemplate(
        kind=kind,
        title=title,
        audience=audience,
        due_offset_days=offset,
        points=points,
        instructions=str(raw.get("instructions", "")).strip(),
        content=str(raw.get("content", "")).strip(),
        starters=starters,
        questions=questions,
    )


def parse_template(key: str, raw: dict[str, Any], library: dict[str, dict]) -> PathTemplate:
    """One template from its parsed TOML.

    :raise TemplateError: the template is not valid (the message says where and why).
    """
    length = raw.get("length_months")
    if not isinstance(length, int) or not 3 <= length <= 12:
        raise TemplateError(f"{key}: length_months must be 3 to 12")
    title = str(raw.get("title", "")).strip()
    if not title:
        raise TemplateError(f"{key}: a template needs a title")
    raw_steps = raw.get("steps") or []
    if not raw_steps:
        raise TemplateError(f"{key}: a template needs steps")
    steps = tuple(_step(f"{key}, step {i + 1}", s, library) for i, s in enumerate(raw_steps))
    template = PathTemplate(
        key=key,
        title=title,
        summary=str(raw.get("summary", "")).strip(),
        length_months=length,
        steps=steps,
    )
    previous = 0
    for i, step in enumerate(steps, start=1):
        if not 0 <= step.due_offset_days <= template.length_days:
            raise TemplateError(
                f"{key}, step {i}: due after the program's {template.length_days} days"
            )
        if step.due_offset_days < previous:
            raise TemplateError(f"{key}, step {i}: due before the step above it")
        previous = step.due_offset_days
    titles = [s.title for s in steps]
    if len(set(titles)) != len(titles):
        raise TemplateError(f"{key}: two steps have the same title")
    return template


@cache
def load_templates(directory: FilePath = TEMPLATES_DIR) -> dict[str, PathTemplate]:
    """Every template in ``directory`` by key (its file name), in title order.

    :raise TemplateError: a template is not valid.
    """
    library = _read(directory / LIBRARY_FILE).get("step", {})
    templates = [
        parse_template(file.stem, _read(file), library)
        for file in sorted(directory.glob("*.toml"))
        if file.name != LIBRARY_FILE
    ]
    return {t.key: t for t in sorted(templates, key=lambda t: t.length_months)}


def find_template(key: str) -> PathTemplate | None:
    return load_templates().get(key)
