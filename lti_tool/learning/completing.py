"""Completions: who may take a step, recording that a person completed it, modules
acknowledged, milestones completing themselves.

``record_completion`` is the one place a Completion is made: the grade outbox hooks in there
(a graded step's completion writes its outbox row in the same transaction).
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask_babel import gettext as _

from lti_tool.core.time import utcnow
from lti_tool.errors import DomainError, NotFoundError
from lti_tool.extensions import db
from lti_tool.learning.grades.outbox import queue_completion_grades
from lti_tool.learning.models import Completion, Path, Step, StepKind
from lti_tool.matching.models import Pair, PairStatus

MENTOR, MENTEE = "mentor", "mentee"


def role_in(pair: Pair, person_id: int) -> str:
    """ "mentor" or "mentee".

    :raise NotFoundError: the person is not a partner of ``pair`` (same answer as a missing
        pair, so nobody learns which pairs exist).
    """
    if person_id == pair.mentor_id:
        return MENTOR
    if person_id == pair.mentee_id:
        return MENTEE
    raise NotFoundError(_("This step belongs to another pair."))


def partner_of(pair: Pair, person_id: int) -> int:
    return pair.mentee_id if person_id == pair.mentor_id else pair.mentor_id


def check_taking(step: Step, pair: Pair, person_id: int, kind: StepKind | None = None) -> str:
    """The person's role, once it is certain they may take ``step`` in ``pair`` now.

    :raise NotFoundError: the step is not on the pair's program's path, or the person is not
        in the pair.
    :raise DomainError: the pair is not active, the step is another kind, or not for the
        person's role.
    """
    if step.path.program_id != pair.program_id:
        raise NotFoundError(_("This step is not part of your program's path."))
    role = role_in(pair, person_id)
    if pair.status != PairStatus.ACTIVE:
        raise DomainError(_("This pair is not active: its steps can no longer be completed."))
    if kind is not None and step.kind != kind:
        raise DomainError(f"“{step.title}” is a {step.kind}, not a {kind}.")
    if not step.is_for(role):
        raise DomainError(f"“{step.title}” is for {step.audience} only.")
    return role


def is_completed(step_id: int, person_id: int) -> bool:
    return (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Completion)
            .where(Completion.step_id == step_id, Completion.person_id == person_id)
        )
        > 0
    )


def record_completion(
    step: Step, pair: Pair, person_id: int, at: dt.datetime | None = None
) -> Completion | None:
    """``person_id`` completed ``step`` (in ``pair``); then any milestone that this
    completes. ``None`` when they had completed it already (a completion is never repeated:
    the gradebook hears once)."""
    if is_completed(step.id, person_id):
        return None
    completion = Completion(
        step=step, person_id=person_id, pair_id=pair.id, completed_at=at or utcnow()
    )
    db.session.add(completion)
    db.session.flush()
    queue_completion_grades(pair, person_id, role_in(pair, person_id), [completion])
    if step.kind != StepKind.MILESTONE:
        complete_milestones(step.path, pair, person_id)
    return completion


def complete_module(step: Step, pair: Pair, person_id: int) -> Completion | None:
    """The learner acknowledges a module (read and understood).

    :raise NotFoundError, DomainError: see ``check_taking``.
    """
    check_taking(step, pair, person_id, StepKind.MODULE)
    return record_completion(step, pair, person_id)


def complete_milestones(path: Path, pair: Pair, person_id: int) -> list[Completion]:
    """Complete each milestone of ``path`` whose earlier steps (those for the person's role)
    the person has all completed. Safe to call any time, e.g. after a step was removed."""
    role = role_in(pair, person_id)
    done = set(
        db.session.scalars(
            sa.select(Completion.step_id)
            .join(Step, Step.id == Completion.step_id)
            .where(Step.path_id == path.id, Completion.person_id == person_id)
        )
    )
    made: list[Completion] = []
    earlier_done = True
    for step in sorted(path.steps, key=lambda s: (s.position, s.id)):
        if step.kind == StepKind.MILESTONE and earlier_done and step.id not in done:
            completion = Completion(
                step=step, person_id=person_id, pair_id=pair.id, completed_at=utcnow()
            )
            db.session.add(completion)
            made.append(completion)
            done.add(step.id)
        if step.is_for(role) and step.id not in done:
            earlier_done = False
    if made:
        db.session.flush()
        queue_completion_grades(pair, person_id, role, made)
    return made
