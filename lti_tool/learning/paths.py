"""The designer's side of a path: create it (empty or from a template), add, edit, reorder and
remove steps. Services take explicit arguments, flush when they need ids, never commit."""

from __future__ import annotations

from dataclasses import dataclass, field, fields

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import ngettext

from lti_tool.errors import DomainError, NotFoundError, ValidationError
from lti_tool.extensions import db
from lti_tool.learning.models import (
    AgreementSignature,
    Audience,
    Completion,
    LineItemLink,
    MeetingLog,
    Path,
    QuestionKind,
    Reflection,
    Step,
    StepKind,
    SurveyAnswer,
    SurveyQuestion,
    SurveyResponse,
)
from lti_tool.learning.notifications.events import agreement_edited
from lti_tool.learning.template_library import DAYS_PER_MONTH, PathTemplate, find_template
from lti_tool.matching.models import Program

MAX_POINTS = 1000
# What a learner reads or signs: changing any of these is a new version of the step.
VERSIONED_FIELDS = ("title", "instructions", "content", "starters", "questions")


@dataclass(frozen=True)
class QuestionValues:
    kind: str
    prompt: str
    measure: str | None = None
    is_required: bool = True


@dataclass(frozen=True)
class StepValues:
    """What a designer sets on a step (the form's values, or a template's)."""

    kind: str
    title: str
    due_offset_days: int
    points: int = 0
    audience: str = Audience.BOTH.value
    instructions: str = ""
    content: str = ""
    starters: tuple[str, ...] = ()
    questions: tuple[QuestionValues, ...] = ()

    @classmethod
    def of(cls, step: Step) -> StepValues:
        """A step's current values, to fill the edit form."""
        return cls(
            kind=step.kind,
            title=step.title,
            due_offset_days=step.due_offset_days,
            points=step.points,
            audience=step.audience,
            instructions=step.instructions,
            content=step.content,
            starters=tuple(step.starters or ()),
            questions=tuple(
                QuestionValues(q.kind, q.prompt, q.measure, q.is_required) for q in step.questions
            ),
        )


@dataclass(frozen=True)
class LmsChange:
    """One thing the LMS's gradebook column will show differently after an edit."""

    field: str  # "label" or "scoreMaximum"
    old: str | int
    new: str | int


@dataclass(frozen=True)
class StepEdit:
    """What an edit changes: the fields, whether it is a new version (agreements are signed
    again), and — when the step is in the course's gradebook — the column's changes."""

    changed: tuple[str, ...]
    new_version: bool
    is_pushed: bool
    lms_changes: tuple[LmsChange, ...] = ()
    becomes_ungraded: bool = False  # points → 0: the column stays unless removed

    @property
    def is_empty(self) -> bool:
        return not self.changed


@dataclass(frozen=True)
class StepRemoval:
    """A removed step's gradebook columns, for the caller to delete or keep in the LMS."""

    title: str
    public_id: str
    line_item_urls: tuple[str, ...] = field(default_factory=tuple)


def ordered_steps(path: Path) -> list[Step]:
    """The path's steps in order (the loaded collection may predate a reorder)."""
    return sorted(path.steps, key=lambda s: (s.position, s.id or 0))


def find_path(program_id: int) -> Path | None:
    return db.session.scalars(sa.select(Path).where(Path.program_id == program_id)).first()


def get_step(path: Path, step_id: int) -> Step:
    """:raise NotFoundError: no such step in ``path``."""
    step = db.session.get(Step, step_id)
    if step is None or step.path_id != path.id:
        raise NotFoundError(_("This step is not part of the program's path."))
    return step


def create_path(program: Program, title: str | None = None) -> Path:
    """An empty path for ``program``.

    :raise DomainError: the program is closed or already has a path.
    """
    program.ensure_editable()
    if find_path(program.id) is not None:
        raise DomainError(
            _("This program already has a learning path."),
            hint=_("Edit its steps, or remove them to start again."),
        )
    path = Path(program=program, title=(title or program.title)[:200])
    db.session.add(path)
    db.session.flush()
    return path


def create_path_from_template(program: Program, template_key: str) -> Path:
    """A path for ``program`` cloned from a template, ready to edit.

    :raise NotFoundError: no template ``template_key``.
    :raise DomainError: the program is shorter than the template, closed, or has a path.
    """
    template = find_template(template_key)
    if template is None:
        raise NotFoundError(_("There is no path template %(key)r.", key=template_key))
    if template.length_months > program.length_months:
        raise DomainError(
            ngettext(
                "“%(title)s” runs %(num)d month; this program %(length)d.",
                "“%(title)s” runs %(num)d months; this program %(length)d.",
                template.length_months,
                title=template.title,
                length=program.length_months,
            ),
            hint=_("Pick a template that fits the program, or lengthen the program first."),
        )
    path = create_path(program, template.title)
    path.template_key = template.key
    for position, values in enumerate(template_steps(template)):
        path.steps.append(_new_step(values, position))
    db.session.flush()
    return path


def template_steps(template: PathTemplate) -> list[StepValues]:
    return [
        StepValues(
            kind=s.kind.value,
            title=s.title,
            due_offset_days=s.due_offset_days,
            points=s.points,
            audience=s.audience.value,
            instructions=s.instructions,
            content=s.content,
            starters=s.starters,
            questions=tuple(
                QuestionValues(q.kind.value, q.prompt, q.measure, q.is_required)
                for q in s.questions
            ),
        )
        for s in template.steps
    ]


def _new_step(values: StepValues, position: int) -> Step:
    step = Step(position=position, kind=values.kind, version=1)
    _apply(step, values)
    return step


def validate_step(program: Program, values: StepValues) -> StepValues:
    """``values`` cleaned (text stripped).

    :raise ValidationError: a value a step cannot have, with what to change.
    """
    try:
        kind = StepKind(values.kind)
    except ValueError:
        raise ValidationError(_("Unknown step kind %(kind)r.", kind=values.kind)) from None
    try:
        audience = Audience(values.audience)
    except ValueError:
        raise ValidationError(
            _("Unknown audience %(audience)r.", audience=values.audience)
        ) from None
    title = values.title.strip()
    if not title or len(title) > 200:
        raise ValidationError(_("Give the step a title of at most 200 characters."))
    if kind.is_joint and audience != Audience.BOTH:
        raise ValidationError(
            _("A %(kind)s step is taken by both partners: its audience is both.", kind=kind)
        )
    if not 0 <= values.points <= MAX_POINTS:
        raise ValidationError(_("Points go from 0 (not graded) to %(most)d.", most=MAX_POINTS))
    days = program.length_months * DAYS_PER_MONTH
    if not 0 <= values.due_offset_days <= days:
        raise ValidationError(
            _(
                "The due date is a number of days from the program's start, 0 to %(days)d.",
                days=days,
            )
        )
    starters = tuple(s.strip() for s in values.starters if s.strip())
    if kind == StepKind.MEETING and not starters:
        raise ValidationError(_("Give the meeting at least one discussion starter."))
    questions = tuple(
        QuestionValues(q.kind, q.prompt.strip(), q.measure, q.is_required)
        for q in values.questions
        if q.prompt.strip()
    )
    if kind == StepKind.SURVEY and not questions:
        raise ValidationError(_("Give the survey at least one question."))
    for q in questions:
        if q.kind not in QuestionKind.__members__.values() or len(q.prompt) > 500:
            raise ValidationError(
                _(
                    "Each question is Likert (1–5) or free text, "
                    "with a prompt of at most 500 characters."
                )
            )
    return StepValues(
        kind=kind.value,
        title=title,
        due_offset_days=values.due_offset_days,
        points=values.points,
        audience=audience.value,
        instructions=values.instructions.strip(),
        content=values.content.strip(),
        starters=starters if kind == StepKind.MEETING else (),
        questions=questions if kind == StepKind.SURVEY else (),
    )


def add_step(path: Path, values: StepValues, position: int | None = None) -> Step:
    """A new step at ``position`` (default: last).

    :raise ValidationError: invalid values.
    :raise DomainError: the program is closed.
    """
    path.program.ensure_editable()
    values = validate_step(path.program, values)
    steps = ordered_steps(path)
    at = len(steps) if position is None else max(0, min(position, len(steps)))
    step = _new_step(values, at)
    steps.insert(at, step)
    path.steps.append(step)
    _renumber(steps)
    db.session.flush()
    return step


def _apply(step: Step, values: StepValues) -> None:
    for name in (
        "kind",
        "title",
        "due_offset_days",
        "points",
        "audience",
        "instructions",
        "content",
    ):
        setattr(step, name, getattr(values, name))
    step.starters = list(values.starters)
    step.questions = [
        SurveyQuestion(
            position=i, kind=q.kind, prompt=q.prompt, measure=q.measure, is_required=q.is_required
        )
        for i, q in enumerate(values.questions)
    ]


def _links(step: Step) -> list[LineItemLink]:
    return list(db.session.scalars(sa.select(LineItemLink).where(LineItemLink.step_id == step.id)))


def describe_step_edit(step: Step, values: StepValues) -> StepEdit:
    """What saving ``values`` would change, including in the LMS — for the page to warn
    before the designer saves.

    :raise ValidationError: invalid values.
    """
    values = validate_step(step.path.program, values)
    before = StepValues.of(step)
    changed = tuple(
        f.name for f in fields(StepValues) if getattr(before, f.name) != getattr(values, f.name)
    )
    links = _links(step)
    lms: list[LmsChange] = []
    for link in links:
        if link.label != values.title and not any(c.field == "label" for c in lms):
            lms.append(LmsChange("label", link.label, values.title))
        if (
            values.points
            and link.score_maximum != values.points
            and not any(c.field == "scoreMaximum" for c in lms)
        ):
            lms.append(LmsChange("scoreMaximum", link.score_maximum, values.points))
    return StepEdit(
        changed=changed,
        new_version=any(name in VERSIONED_FIELDS for name in changed),
        is_pushed=bool(links),
        lms_changes=tuple(lms),
        becomes_ungraded=bool(links) and step.points > 0 and values.points == 0,
    )


def edit_step(step: Step, values: StepValues) -> StepEdit:
    """Save ``values`` on ``step``; a change of what learners read or sign is a new version
    (an agreement signed on the old version must be signed again by both). Returns what
    changed, including what the LMS's gradebook column will show differently once the
    caller updates the line item.

    :raise ValidationError: invalid values.
    :raise DomainError: the program is closed, the kind would change, or the survey's
        questions would change after someone answered.
    """
    step.path.program.ensure_editable()
    edit = describe_step_edit(step, values)
    if edit.is_empty:
        return edit
    values = validate_step(step.path.program, values)
    if values.kind != step.kind:
        raise DomainError(
            _("A step's kind cannot change."),
            hint=_("Add a new step of the other kind and remove this one."),
        )
    if "questions" in edit.changed and _has_responses(step):
        raise DomainError(
            _("People have answered this survey: its questions are fixed."),
            hint=_("Add a new survey step for other questions."),
        )
    if "questions" in edit.changed:
        _apply(step, values)
    else:
        for name in edit.changed:
            value = getattr(values, name)
            setattr(step, name, list(value) if name == "starters" else value)
    if edit.new_version:
        step.version += 1
    db.session.flush()
    if edit.new_version and step.step_kind == StepKind.AGREEMENT:
        agreement_edited(step)  # partners who signed the old version are asked again
    return edit


def _has_responses(step: Step) -> bool:
    return (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(SurveyResponse)
            .where(SurveyResponse.step_id == step.id)
        )
        > 0
    )


def reorder_steps(path: Path, step_ids: list[int]) -> None:
    """Put the path's steps in the order of ``step_ids``.

    :raise ValidationError: ``step_ids`` is not exactly the path's steps.
    :raise DomainError: the program is closed.
    """
    path.program.ensure_editable()
    by_id = {s.id: s for s in path.steps}
    if sorted(step_ids) != sorted(by_id) or len(set(step_ids)) != len(step_ids):
        raise ValidationError(
            _("The new order must list each of the path's steps once."),
            hint=_("Reload the page: someone may have changed the path."),
        )
    _renumber([by_id[i] for i in step_ids])
    db.session.flush()


def move_step(step: Step, offset: int) -> None:
    """Move ``step`` up (negative) or down (positive), as a keyboard's arrow keys would."""
    steps = ordered_steps(step.path)
    at = steps.index(step)
    target = max(0, min(at + offset, len(steps) - 1))
    steps.insert(target, steps.pop(at))
    reorder_steps(step.path, [s.id for s in steps])


def remove_step(step: Step) -> StepRemoval:
    """Delete ``step`` with everything learners did on it. Returns its gradebook columns,
    which the caller deletes or keeps in the LMS as the designer chose.

    :raise DomainError: the program is closed.
    """
    path = step.path
    path.program.ensure_editable()
    removal = StepRemoval(
        title=step.title,
        public_id=step.public_id,
        line_item_urls=tuple(link.line_item_url for link in _links(step) if link.line_item_url),
    )
    _delete_taken(step)
    path.steps.remove(step)
    db.session.delete(step)
    _renumber(ordered_steps(path))
    db.session.flush()
    return removal


def _delete_taken(step: Step) -> None:
    """What learners did on ``step`` and its gradebook links (the foreign keys cascade on
    PostgreSQL; SQLite does not enforce them, so say it explicitly)."""
    responses = sa.select(SurveyResponse.id).where(SurveyResponse.step_id == step.id)
    db.session.execute(sa.delete(SurveyAnswer).where(SurveyAnswer.response_id.in_(responses)))
    for model in (
        SurveyResponse,
        Completion,
        AgreementSignature,
        MeetingLog,
        Reflection,
        LineItemLink,
    ):
        db.session.execute(sa.delete(model).where(model.step_id == step.id))


def _renumber(steps: list[Step]) -> None:
    for position, step in enumerate(steps):
        if step.position != position:
            step.position = position
