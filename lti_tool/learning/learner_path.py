"""What a learner's home shows of their path, per pair: the progress bar, the next step and
its due date, overdue steps, the starters for the next meeting, the milestones reached and a
link to every step of theirs.

A fixed number of queries per pair (the learner's pairs with their path and program in one,
then ``progress.pair_progress`` and one for the next meeting's starters); meeting notes and
reflections are never read here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

import sqlalchemy as sa
from sqlalchemy.orm import aliased, lazyload

from lti_tool.extensions import db
from lti_tool.learning.models import Path, Step, StepKind
from lti_tool.learning.progress import PairProgress, StepProgress, StepState, pair_progress
from lti_tool.matching.models import Pair, PairStatus, Program
from lti_tool.roster.models import Person


@dataclass(frozen=True)
class LearnerPath:
    program_id: int
    pair_id: int
    role: str  # "mentor" or "mentee"
    partner_name: str
    progress: PairProgress
    steps: list[StepProgress]  # the learner's own steps, in path order
    overdue: list[StepProgress]
    milestones: list[StepProgress]  # reached: celebrated on the home page
    next_meeting: StepProgress | None
    starters: tuple[str, ...]  # the next meeting's discussion starters

    @property
    def next_step(self) -> StepProgress | None:
        return self.progress.next_step


def learner_paths(course_id: int, person_id: int, today: dt.date) -> list[LearnerPath]:
    """The learner's active pairs in the course's programs that have a path, oldest first."""
    partner = aliased(Person)
    # The program comes along so that pair_progress finds it in the identity map.
    rows = db.session.execute(
        sa.select(Pair, Path, partner, Program)
        .join(Program, Program.id == Pair.program_id)
        .join(Path, Path.program_id == Pair.program_id)
        .join(
            partner,
            partner.id
            == sa.case((Pair.mentor_id == person_id, Pair.mentee_id), else_=Pair.mentor_id),
        )
        .where(
            Program.course_id == course_id,
            Pair.status == PairStatus.ACTIVE.value,
            sa.or_(Pair.mentor_id == person_id, Pair.mentee_id == person_id),
        )
        .options(lazyload(Path.steps))
        .order_by(Pair.id)
    ).all()
    paths = []
    for pair, path, partner_person, _program in rows:
        progress = pair_progress(path, pair, today, viewer_id=person_id)
        paths.append(_summary(pair, progress, person_id, partner_person.display_name))
    _add_starters(paths)
    return paths


def _summary(pair: Pair, progress: PairProgress, person_id: int, partner: str) -> LearnerPath:
    mine = [c for c in progress.steps if c.for_viewer]
    finished = (StepState.DONE, StepState.WAITING_FOR_PARTNER)
    return LearnerPath(
        program_id=pair.program_id,
        pair_id=pair.id,
        role="mentor" if pair.mentor_id == person_id else "mentee",
        partner_name=partner,
        progress=progress,
        steps=mine,
        overdue=[c for c in mine if c.state == StepState.OVERDUE],
        milestones=[
            c for c in mine if c.step.kind == StepKind.MILESTONE and c.state == StepState.DONE
        ],
        next_meeting=next(
            (c for c in mine if c.step.kind == StepKind.MEETING and c.state not in finished),
            None,
        ),
        starters=(),
    )


def _add_starters(paths: list[LearnerPath]) -> None:
    ids = [p.next_meeting.step.id for p in paths if p.next_meeting is not None]
    if not ids:
        return
    rows = db.session.execute(sa.select(Step.id, Step.starters).where(Step.id.in_(ids)))
    starters = {step_id: found for step_id, found in rows}
    for index, path in enumerate(paths):
        if path.next_meeting is not None:
            found = tuple(starters.get(path.next_meeting.step.id) or ())
            paths[index] = replace(path, starters=found)
