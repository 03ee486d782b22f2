"""Where pairs stand on their path, as plain data for pages: a pair's progress (for one of
its partners, or for the designer) and the designer's matrix of pairs × steps.

Computed in a fixed number of queries whatever the number of pairs (steps, pairs and
people, completions, signatures, meetings), reading only the columns it needs — meeting notes
are never loaded here, so no progress figure can carry a private note.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from lti_tool.extensions import db
from lti_tool.learning.completing import MENTEE, MENTOR
from lti_tool.learning.models import (
    AgreementSignature,
    Completion,
    MeetingLog,
    MeetingStatus,
    Path,
    Step,
    StepKind,
)
from lti_tool.matching.models import Pair, PairStatus, Program
from lti_tool.roster.models import Person


class StepState(StrEnum):
    DONE = "done"
    WAITING_FOR_PARTNER = "waiting_for_partner"  # one part is done, the other's is not
    OVERDUE = "overdue"  # past its due date and not done
    OPEN = "open"  # to do, not yet due


@dataclass(frozen=True)
class StepSummary:
    id: int
    public_id: str
    position: int
    kind: str
    title: str
    audience: str
    points: int
    due_on: dt.date


@dataclass(frozen=True)
class StepProgress:
    step: StepSummary
    state: StepState  # for the pair, or for the viewer when there is one
    mentor_done: bool | None  # None: the step is not for mentors
    mentee_done: bool | None
    for_viewer: bool = True  # the viewer's role takes this step
    needs_me: bool = False  # the viewer must act (sign again, confirm a meeting, …)
    pending_meeting_id: int | None = None
    completed_at: dt.datetime | None = None


@dataclass(frozen=True)
class PairProgress:
    pair_id: int
    pair_status: str
    mentor_name: str
    mentee_name: str
    steps: list[StepProgress]
    done: int
    total: int
    waiting: int
    overdue: int
    next_step: StepProgress | None
    last_confirmed_meeting_on: dt.date | None

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 100


@dataclass(frozen=True)
class ProgressMatrix:
    steps: list[StepSummary]
    rows: list[PairProgress] = field(default_factory=list)

    def count(self, step_id: int, state: StepState) -> int:
        """How many pairs are in ``state`` on one step (a column's footer)."""
        return sum(
            1
            for row in self.rows
            for cell in row.steps
            if cell.step.id == step_id and cell.state == state
        )


@dataclass
class _Facts:
    """What the queries found, keyed for the per-pair computation."""

    completed: dict[tuple[int, int], dt.datetime]  # (step, person) → completed_at
    signed: dict[tuple[int, int, int], set[int]]  # (pair, step, person) → versions
    meetings: dict[tuple[int, int], list[tuple]]  # (pair, step) → (id, status, by, met_on)


def _summaries(path: Path, starts_on: dt.date) -> list[StepSummary]:
    steps = db.session.execute(
        sa.select(
            Step.id,
            Step.public_id,
            Step.position,
            Step.kind,
            Step.title,
            Step.audience,
            Step.points,
            Step.due_offset_days,
        )
        .where(Step.path_id == path.id)
        .order_by(Step.position, Step.id)
    ).all()
    return [
        StepSummary(
            s.id,
            s.public_id,
            s.position,
            s.kind,
            s.title,
            s.audience,
            s.points,
            starts_on + dt.timedelta(days=s.due_offset_days),
        )
        for s in steps
    ]


def _facts(step_ids: list[int], pair_ids: list[int], person_ids: set[int]) -> _Facts:
    completed = (
        {
            (step_id, person_id): at
            for step_id, person_id, at in db.session.execute(
                sa.select(Completion.step_id, Completion.person_id, Completion.completed_at).where(
                    Completion.step_id.in_(step_ids), Completion.person_id.in_(person_ids)
                )
            )
        }
        if step_ids and person_ids
        else {}
    )
    signed: dict[tuple[int, int, int], set[int]] = defaultdict(set)
    meetings: dict[tuple[int, int], list[tuple]] = defaultdict(list)
    if pair_ids:
        for pair_id, step_id, person_id, version in db.session.execute(
            sa.select(
                AgreementSignature.pair_id,
                AgreementSignature.step_id,
                AgreementSignature.person_id,
                AgreementSignature.version,
            ).where(AgreementSignature.pair_id.in_(pair_ids))
        ):
            signed[pair_id, step_id, person_id].add(version)
        for row in db.session.execute(
            sa.select(
                MeetingLog.pair_id,
                MeetingLog.step_id,
                MeetingLog.id,
                MeetingLog.status,
                MeetingLog.logged_by_id,
                MeetingLog.met_on,
            )
            .where(MeetingLog.pair_id.in_(pair_ids))
            .order_by(MeetingLog.id)
        ):
            meetings[row.pair_id, row.step_id].append(
                (row.id, row.status, row.logged_by_id, row.met_on)
            )
    return _Facts(completed, signed, meetings)


def _step_progress(
    step: StepSummary,
    version: int,
    pair: _PairRow,
    facts: _Facts,
    today: dt.date,
    viewer_id: int | None,
) -> StepProgress:
    people = {MENTOR: pair.mentor_id, MENTEE: pair.mentee_id}
    roles = [r for r in (MENTOR, MENTEE) if step.audience in ("both", f"{r}s")]
    parts: dict[str, bool] = {}
    completed_at: dt.datetime | None = None
    pending: int | None = None
    needs: dict[str, bool] = {r: False for r in roles}
    if step.kind == StepKind.AGREEMENT:
        versions = {r: facts.signed.get((pair.id, step.id, people[r]), set()) for r in roles}
        together = set.intersection(*versions.values()) if versions else set()
        for r in roles:
            parts[r] = bool(together) or version in versions[r]
            needs[r] = not parts[r]
    elif step.kind == StepKind.MEETING:
        logs = facts.meetings.get((pair.id, step.id), [])
        confirmed = [m for m in logs if m[1] == MeetingStatus.CONFIRMED]
        waiting = [m for m in logs if m[1] == MeetingStatus.LOGGED]
        for r in roles:
            parts[r] = bool(confirmed) or any(m[2] == people[r] for m in waiting)
            needs[r] = not confirmed and any(m[2] != people[r] for m in waiting)
        pending = waiting[0][0] if waiting else None
    else:
        for r in roles:
            parts[r] = (step.id, people[r]) in facts.completed
            needs[r] = not parts[r]
    if all(parts.values()):
        times = [facts.completed.get((step.id, people[r])) for r in roles]
        completed_at = max((t for t in times if t), default=None)
    viewer_role = next((r for r in roles if people[r] == viewer_id), None)
    for_viewer = viewer_id is None or viewer_role is not None
    done_parts = [parts[r] for r in roles]
    mine_done = parts[viewer_role] if viewer_role else any(done_parts)
    if all(done_parts):
        state = StepState.DONE
    elif viewer_id is not None and viewer_role and mine_done:
        state = StepState.WAITING_FOR_PARTNER
    elif step.due_on < today:
        state = StepState.OVERDUE
    elif viewer_id is None and any(done_parts):
        state = StepState.WAITING_FOR_PARTNER
    else:
        state = StepState.OPEN
    return StepProgress(
        step=step,
        state=state,
        mentor_done=parts.get(MENTOR),
        mentee_done=parts.get(MENTEE),
        for_viewer=for_viewer,
        needs_me=bool(viewer_role and needs[viewer_role] and state != StepState.DONE),
        pending_meeting_id=pending,
        completed_at=completed_at,
    )


@dataclass(frozen=True)
class _PairRow:
    id: int
    status: str
    mentor_id: int
    mentee_id: int
    mentor_name: str
    mentee_name: str


def _progress(
    pair: _PairRow,
    steps: list[StepSummary],
    versions: dict[int, int],
    facts: _Facts,
    today: dt.date,
    viewer_id: int | None,
) -> PairProgress:
    cells = [_step_progress(s, versions[s.id], pair, facts, today, viewer_id) for s in steps]
    mine = [c for c in cells if c.for_viewer]
    # A partner's next step is the first whose part is theirs to do; the designer's, the
    # pair's first step not done.
    finished = {StepState.DONE} | ({StepState.WAITING_FOR_PARTNER} if viewer_id else set())
    confirmed = [
        log[3]
        for (pair_id, _), logs in facts.meetings.items()
        if pair_id == pair.id
        for log in logs
        if log[1] == MeetingStatus.CONFIRMED
    ]
    return PairProgress(
        pair_id=pair.id,
        pair_status=pair.status,
        mentor_name=pair.mentor_name,
        mentee_name=pair.mentee_name,
        steps=cells,
        done=sum(c.state == StepState.DONE for c in mine),
        total=len(mine),
        waiting=sum(c.state == StepState.WAITING_FOR_PARTNER for c in mine),
        overdue=sum(c.state == StepState.OVERDUE for c in mine),
        next_step=next((c for c in mine if c.state not in finished), None),
        last_confirmed_meeting_on=max(confirmed, default=None),
    )


def _pair_rows(where: sa.ColumnElement[bool]) -> list[_PairRow]:
    mentor, mentee = aliased(Person), aliased(Person)
    rows = db.session.execute(
        sa.select(
            Pair.id,
            Pair.status,
            Pair.mentor_id,
            Pair.mentee_id,
            mentor.name,
            mentor.given_name,
            mentor.family_name,
            mentor.email,
            mentee.name,
            mentee.given_name,
            mentee.family_name,
            mentee.email,
        )
        .join(mentor, mentor.id == Pair.mentor_id)
        .join(mentee, mentee.id == Pair.mentee_id)
        .where(where)
        .order_by(Pair.id)
    ).all()

    def name(parts: tuple) -> str:
        full = " ".join(p for p in parts[1:3] if p)
        return parts[0] or full or parts[3] or "(no name)"

    return [_PairRow(r[0], r[1], r[2], r[3], name(r[4:8]), name(r[8:12])) for r in rows]


def _versions(path: Path) -> dict[int, int]:
    rows = db.session.execute(sa.select(Step.id, Step.version).where(Step.path_id == path.id))
    return {step_id: version for step_id, version in rows}


def pair_progress(
    path: Path, pair: Pair, today: dt.date, viewer_id: int | None = None
) -> PairProgress:
    """Where ``pair`` stands on ``path``: each step's state, the counts, the next step and
    the last confirmed meeting. With ``viewer_id`` (one of the partners) states are theirs —
    "waiting for partner" once their part is done — and only their steps count; without it
    (the designer) states are the pair's."""
    program = db.session.get(Program, path.program_id)
    steps = _summaries(path, program.starts_on)
    row = _pair_rows(Pair.id == pair.id)[0]
    facts = _facts([s.id for s in steps], [pair.id], {pair.mentor_id, pair.mentee_id})
    return _progress(row, steps, _versions(path), facts, today, viewer_id)


def progress_matrix(
    path: Path,
    today: dt.date,
    statuses: tuple[str, ...] = (PairStatus.ACTIVE, PairStatus.ENDED),
) -> ProgressMatrix:
    """The designer's pairs × steps, for the program's published pairs (active and ended)."""
    program = db.session.get(Program, path.program_id)
    steps = _summaries(path, program.starts_on)
    rows = _pair_rows(sa.and_(Pair.program_id == path.program_id, Pair.status.in_(statuses)))
    people = {r.mentor_id for r in rows} | {r.mentee_id for r in rows}
    facts = _facts([s.id for s in steps], [r.id for r in rows], people)
    versions = _versions(path)
    return ProgressMatrix(
        steps=steps,
        rows=[_progress(r, steps, versions, facts, today, None) for r in rows],
    )
