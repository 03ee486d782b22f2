"""What a designer can place in the course by Deep Linking: a program's whole path, single
steps, or the program home — as LTI ``ltiResourceLink`` content items.

Each step becomes one resource link whose ``custom.step_id`` is the step's ``public_id`` (a
launch of it lands on the step); a graded step carries a ``lineItem`` (``resourceId`` = the
``public_id``, ``tag`` = ``LINE_ITEM_TAG``), so the LMS makes its gradebook column, and a
``LineItemLink`` without a URL yet records that the column exists (the first launch of the
activity tells its URL). Windows: ``available`` from the program's start to its end,
``submission`` from the start to the step's due date (UTC days).

The signing and the once-only answer are ``lti.deep_linking``'s.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from lti_tool.core.upsert import insert_or_get
from lti_tool.errors import NotFoundError, ValidationError
from lti_tool.extensions import db
from lti_tool.learning.models import LineItemLink, Path, Step
from lti_tool.learning.paths import ordered_steps
from lti_tool.matching.models import Program, ProgramStatus

LINE_ITEM_TAG = "reciprocal"  # the tag of every step's gradebook column
HOME_KEY = "home"
STEP_PREFIX = "step:"
PATH_PREFIX = "path:"


@dataclass(frozen=True)
class PickerStep:
    key: str  # "step:<public_id>"
    public_id: str
    title: str
    kind: str
    audience: str
    points: int
    due_on: dt.date
    in_course: bool  # its gradebook column is already in the course


@dataclass(frozen=True)
class PickerProgram:
    key: str  # "path:<program id>": every step of the path
    title: str
    starts_on: dt.date
    steps: tuple[PickerStep, ...]


def picker_catalogue(course_id: int) -> list[PickerProgram]:
    """The course's programs that have a path (closed ones left out), with their steps."""
    rows = db.session.execute(
        sa.select(Program, Path)
        .join(Path, Path.program_id == Program.id)
        .where(Program.course_id == course_id, Program.status != ProgramStatus.CLOSED.value)
        .order_by(Program.created_at.desc(), Program.id.desc())
    ).all()
    in_course = set(
        db.session.scalars(
            sa.select(LineItemLink.step_id).where(LineItemLink.course_id == course_id)
        )
    )
    return [
        PickerProgram(
            key=f"{PATH_PREFIX}{program.id}",
            title=program.title,
            starts_on=program.starts_on,
            steps=tuple(
                PickerStep(
                    key=f"{STEP_PREFIX}{step.public_id}",
                    public_id=step.public_id,
                    title=step.title,
                    kind=step.kind,
                    audience=step.audience,
                    points=step.points,
                    due_on=step.due_on(program.starts_on),
                    in_course=step.id in in_course,
                )
                for step in ordered_steps(path)
            ),
        )
        for program, path in rows
    ]


def chosen_steps(course_id: int, keys: list[str]) -> tuple[bool, list[Step]]:
    """(the home link chosen?, the chosen steps in path order, each once) for the picker's
    ``keys``.

    :raise NotFoundError: a key names a step or path that is not one of this course's.
    """
    catalogue = {p.key: p for p in picker_catalogue(course_id)}
    public_ids: list[str] = []
    for key in keys:
        if key == HOME_KEY:
            continue
        if key in catalogue:
            public_ids.extend(s.public_id for s in catalogue[key].steps)
        elif key.startswith(STEP_PREFIX) and any(
            s.key == key for p in catalogue.values() for s in p.steps
        ):
            public_ids.append(key.removeprefix(STEP_PREFIX))
        else:
            raise NotFoundError(
                _("That step is not part of a learning path of this course."),
                hint=_("Reload the page: the path may have changed meanwhile."),
            )
    query = (
        sa.select(Step)
        .where(Step.public_id.in_(public_ids))
        .options(joinedload(Step.path).joinedload(Path.program))
    )
    steps = {s.public_id: s for s in db.session.scalars(query)}
    ordered = sorted(steps.values(), key=lambda s: (s.path_id, s.position))
    return HOME_KEY in keys, ordered


def _stamp(day: dt.date, end: bool = False) -> str:
    moment = dt.datetime.combine(day, dt.time(23, 59, 59) if end else dt.time(0, 0), dt.UTC)
    return moment.isoformat().replace("+00:00", "Z")


def step_content_item(step: Step, launch_url: str) -> dict:
    """The ``ltiResourceLink`` of one step."""
    program = step.path.program
    due_on = step.due_on(program.starts_on)
    item: dict = {
        "type": "ltiResourceLink",
        "title": step.title,
        "text": step.instructions.split("\n", 1)[0][:500] if step.instructions else "",
        "url": launch_url,
        "custom": {"step_id": step.public_id},
        "available": {
            "startDateTime": _stamp(program.starts_on),
            "endDateTime": _stamp(max(program.ends_on, due_on), end=True),
        },
        "submission": {
            "startDateTime": _stamp(program.starts_on),
            "endDateTime": _stamp(due_on, end=True),
        },
    }
    if step.is_graded:
        item["lineItem"] = {
            "scoreMaximum": step.points,
            "label": step.title,
            "resourceId": step.public_id,
            "tag": LINE_ITEM_TAG,
        }
    return item


def home_content_item(launch_url: str) -> dict:
    return {
        "type": "ltiResourceLink",
        "title": "Reverse mentoring",
        "text": "Your mentoring partner, path and progress.",
        "url": launch_url,
        "custom": {"reciprocal_item": HOME_KEY},
    }


def content_items(
    course_id: int, keys: list[str], launch_url: str, *, single: bool = False
) -> list[dict]:
    """The content items for the picker's ``keys``; records the graded steps' gradebook
    columns (``LineItemLink`` without a URL yet) so edits warn what the LMS will show.

    :raise ValidationError: nothing chosen, or several where the platform takes one.
    :raise NotFoundError: a step or path of another course.
    """
    with_home, steps = chosen_steps(course_id, keys)
    count = len(steps) + with_home
    if count == 0:
        raise ValidationError(
            _(
                "Choose at least one step, the whole path or the program home: an empty answer "
                "would add nothing to the course."
            ),
            hint=_("Tick what to add, then choose “Add to course”."),
        )
    if single and count > 1:
        raise ValidationError(
            _(
                "Your LMS adds one activity at a time here, and %(count)d were chosen: choose one.",
                count=count,
            ),
            hint=_("Add the next step by starting “Add an activity” again from the course."),
        )
    items = [home_content_item(launch_url)] if with_home else []
    for step in steps:
        items.append(step_content_item(step, launch_url))
        if step.is_graded:
            insert_or_get(
                LineItemLink,
                {"course_id": course_id, "step_id": step.id},
                {"label": step.title, "score_maximum": step.points},
            )
    return items
