"""What a step page shows, as plain data: for a partner, their pair's state of the step and
what they can do; for the designer, the step across all pairs.

Private meeting notes reach a page only through ``meetings.meeting_view`` for their author;
reflections only through ``reflections.visible_reflections`` (the viewer's own, the partner's
when shared). The designer's view is built from ``progress`` figures, which never read notes
or reflection texts.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import sqlalchemy as sa
from markupsafe import Markup

from lti_tool.extensions import db
from lti_tool.learning.agreements import AgreementState, agreement_state
from lti_tool.learning.completing import partner_of, role_in
from lti_tool.learning.grades.status import grade_recorded
from lti_tool.learning.markdown import render_markdown
from lti_tool.learning.meetings import MeetingView, meeting_view, pair_meetings
from lti_tool.learning.models import (
    AgreementSignature,
    MeetingStatus,
    Step,
    StepKind,
    SurveyQuestion,
    SurveyResponse,
)
from lti_tool.learning.progress import (
    PairProgress,
    StepProgress,
    StepState,
    pair_progress,
    progress_matrix,
)
from lti_tool.learning.reflections import ReflectionView, visible_reflections
from lti_tool.matching.models import Pair, PairStatus, Program
from lti_tool.roster.models import Person


@dataclass(frozen=True)
class StepInfo:
    public_id: str
    kind: str
    title: str
    instructions: Markup
    content: Markup
    audience: str
    points: int
    due_on: dt.date
    version: int
    starters: tuple[str, ...]
    program_id: int
    program_title: str


@dataclass(frozen=True)
class Signature:
    name: str
    is_me: bool
    version: int
    signed_at: dt.datetime


@dataclass(frozen=True)
class QuestionInfo:
    id: int
    number: int
    kind: str
    prompt: str
    is_required: bool


@dataclass(frozen=True)
class LearnerStepPage:
    step: StepInfo
    pair_id: int
    other_pair_ids: list[int]  # the learner's other pairs in this program (a mentor's mentees)
    role: str
    partner_name: str
    is_for_me: bool
    can_act: bool  # the pair is active and the step is for the learner's role
    cell: StepProgress | None
    agreement: AgreementState | None = None
    signatures: list[Signature] = field(default_factory=list)
    meetings: list[MeetingView] = field(default_factory=list)
    can_log_meeting: bool = False
    reflections: list[ReflectionView] = field(default_factory=list)
    questions: list[QuestionInfo] = field(default_factory=list)
    has_answered: bool = False
    # Filled at merge by the grades helper (``grade_recorded(step_id, person_id)``).
    gradebook_recorded: bool = False

    @property
    def is_done(self) -> bool:
        return self.cell is not None and self.cell.state == StepState.DONE

    @property
    def my_reflection(self) -> ReflectionView | None:
        return next((r for r in self.reflections if r.author_is_me), None)

    @property
    def partner_reflection(self) -> ReflectionView | None:
        return next((r for r in self.reflections if not r.author_is_me), None)


@dataclass(frozen=True)
class DesignerRow:
    pair: PairProgress
    cell: StepProgress


@dataclass(frozen=True)
class DesignerStepPage:
    step: StepInfo
    rows: list[DesignerRow]
    counts: dict[str, int]


def step_info(step: Step, program: Program) -> StepInfo:
    return StepInfo(
        public_id=step.public_id,
        kind=step.kind,
        title=step.title,
        instructions=render_markdown(step.instructions),
        content=render_markdown(step.content),
        audience=step.audience,
        points=step.points,
        due_on=step.due_on(program.starts_on),
        version=step.version,
        starters=tuple(step.starters or ()),
        program_id=program.id,
        program_title=program.title,
    )


def learner_pairs(program_id: int, person_id: int) -> list[Pair]:
    """The person's published pairs (active first, then ended) in the program."""
    pairs = db.session.scalars(
        sa.select(Pair)
        .where(
            Pair.program_id == program_id,
            Pair.status.in_([PairStatus.ACTIVE.value, PairStatus.ENDED.value]),
            sa.or_(Pair.mentor_id == person_id, Pair.mentee_id == person_id),
        )
        .order_by(Pair.id)
    ).all()
    return sorted(pairs, key=lambda p: (p.status != PairStatus.ACTIVE, p.id))


def learner_page(
    step: Step, program: Program, pair: Pair, others: list[Pair], person_id: int, today: dt.date
) -> LearnerStepPage:
    role = role_in(pair, person_id)
    partner = db.session.get(Person, partner_of(pair, person_id))
    is_for_me = step.is_for(role)
    progress = pair_progress(step.path, pair, today, viewer_id=person_id)
    cell = next((c for c in progress.steps if c.step.id == step.id), None)
    page = dict(
        step=step_info(step, program),
        pair_id=pair.id,
        other_pair_ids=[p.id for p in others if p.id != pair.id],
        role=role,
        partner_name=partner.display_name if partner else "",
        is_for_me=is_for_me,
        can_act=is_for_me and pair.status == PairStatus.ACTIVE,
        cell=cell,
        # Said only once the LMS accepted the score, never when it is merely queued.
        gradebook_recorded=step.points > 0 and grade_recorded(step.id, person_id),
    )
    if not is_for_me:
        return LearnerStepPage(**page)
    kind = step.step_kind
    if kind == StepKind.AGREEMENT:
        page["agreement"] = agreement_state(step, pair, person_id)
        page["signatures"] = _signatures(step, pair, person_id)
    elif kind == StepKind.MEETING:
        logs = pair_meetings(pair.id, step.id)
        page["meetings"] = [meeting_view(m, person_id) for m in logs]
        page["can_log_meeting"] = page["can_act"] and not any(
            m.status in (MeetingStatus.LOGGED, MeetingStatus.CONFIRMED) for m in logs
        )
    elif kind == StepKind.REFLECTION:
        page["reflections"] = visible_reflections(step, pair, person_id)
    elif kind == StepKind.SURVEY:
        page["questions"] = questions_of(step)
        page["has_answered"] = bool(
            db.session.scalar(
                sa.select(sa.func.count())
                .select_from(SurveyResponse)
                .where(SurveyResponse.step_id == step.id, SurveyResponse.person_id == person_id)
            )
        )
    return LearnerStepPage(**page)


def questions_of(step: Step) -> list[QuestionInfo]:
    ordered: list[SurveyQuestion] = list(step.questions)
    return [
        QuestionInfo(q.id, number, q.kind, q.prompt, q.is_required)
        for number, q in enumerate(ordered, start=1)
    ]


def _signatures(step: Step, pair: Pair, person_id: int) -> list[Signature]:
    rows = db.session.execute(
        sa.select(
            AgreementSignature.person_id, AgreementSignature.version, AgreementSignature.signed_at
        )
        .where(AgreementSignature.pair_id == pair.id, AgreementSignature.step_id == step.id)
        .order_by(AgreementSignature.signed_at, AgreementSignature.id)
    ).all()
    names = {
        person.id: person.display_name
        for person in db.session.scalars(
            sa.select(Person).where(Person.id.in_([pair.mentor_id, pair.mentee_id]))
        )
    }
    return [
        Signature(names.get(who, ""), who == person_id, version, at) for who, version, at in rows
    ]


def designer_page(step: Step, program: Program, today: dt.date) -> DesignerStepPage:
    """The step across the program's published pairs: state and who has done their part,
    never a note or a reflection's text."""
    matrix = progress_matrix(step.path, today)
    column = next(i for i, s in enumerate(matrix.steps) if s.id == step.id)
    rows = [DesignerRow(row, row.steps[column]) for row in matrix.rows]
    return DesignerStepPage(
        step=step_info(step, program),
        rows=rows,
        counts={state.value: matrix.count(step.id, state) for state in StepState},
    )
