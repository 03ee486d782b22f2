"""Plain data for the path editor's pages: the steps in order with their due dates and
whether their gradebook column is in the course, and the templates a designer can start from."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from lti_tool.extensions import db
from lti_tool.learning.models import LineItemLink, Path, Step, StepKind
from lti_tool.learning.paths import ordered_steps
from lti_tool.learning.template_library import PathTemplate, load_templates
from lti_tool.matching.models import Program


@dataclass(frozen=True)
class StepRow:
    id: int
    public_id: str
    title: str
    kind: str
    audience: str
    due_on: dt.date
    due_offset_days: int
    points: int
    has_column: bool
    is_first: bool
    is_last: bool


@dataclass(frozen=True)
class TemplateChoice:
    key: str
    title: str
    summary: str
    length_months: int
    fits: bool  # the program is long enough
    kind_counts: tuple[tuple[str, int], ...]
    step_titles: tuple[str, ...]
    graded_points: int


def column_step_ids(path: Path, course_id: int) -> set[int]:
    """The path's steps that have a gradebook column in the course (pushed or deep-linked)."""
    return set(
        db.session.scalars(
            sa.select(LineItemLink.step_id)
            .join(Step, Step.id == LineItemLink.step_id)
            .where(Step.path_id == path.id, LineItemLink.course_id == course_id)
        )
    )


def has_column(step: Step, course_id: int) -> bool:
    return (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(LineItemLink)
            .where(LineItemLink.step_id == step.id, LineItemLink.course_id == course_id)
        )
        > 0
    )


def path_outline(path: Path, program: Program) -> list[StepRow]:
    steps = ordered_steps(path)
    columns = column_step_ids(path, program.course_id)
    return [
        StepRow(
            id=step.id,
            public_id=step.public_id,
            title=step.title,
            kind=step.kind,
            audience=step.audience,
            due_on=step.due_on(program.starts_on),
            due_offset_days=step.due_offset_days,
            points=step.points,
            has_column=step.id in columns,
            is_first=i == 0,
            is_last=i == len(steps) - 1,
        )
        for i, step in enumerate(steps)
    ]


def template_choices(program: Program) -> list[TemplateChoice]:
    return [_choice(t, program) for t in load_templates().values()]


def _choice(template: PathTemplate, program: Program) -> TemplateChoice:
    counts: dict[str, int] = {}
    for step in template.steps:
        counts[step.kind.value] = counts.get(step.kind.value, 0) + 1
    return TemplateChoice(
        key=template.key,
        title=template.title,
        summary=template.summary,
        length_months=template.length_months,
        fits=template.length_months <= program.length_months,
        kind_counts=tuple((k.value, counts[k.value]) for k in StepKind if k.value in counts),
        step_titles=tuple(s.title for s in template.steps),
        graded_points=sum(s.points for s in template.steps),
    )
