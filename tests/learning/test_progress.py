"""A pair's progress and the designer's matrix: figures, privacy, bounded queries."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import sqlalchemy as sa

from lti_tool.extensions import db
from lti_tool.learning.agreements import sign_agreement
from lti_tool.learning.completing import complete_module
from lti_tool.learning.meetings import MeetingValues, confirm_meeting, log_meeting
from lti_tool.learning.paths import ordered_steps
from lti_tool.learning.progress import StepState, pair_progress, progress_matrix
from tests.learning.support import START, make_path_setup

pytestmark = pytest.mark.usefixtures("app_ctx")

SECRET = "PRIVATE-NOTE-7f3a"
MET = MeetingValues(
    met_on=dt.date(2026, 2, 10), duration_minutes=45, shared_notes="shared", private_notes=SECRET
)


def _states(progress) -> dict[str, StepState]:
    return {c.step.title: c.state for c in progress.steps}


def test_pair_progress_for_each_partner_and_the_designer() -> None:
    setup = make_path_setup()
    pair = setup.pairs[0]
    complete_module(setup.step("Orientation for mentors"), pair, pair.mentor_id)
    sign_agreement(setup.step("Our mentoring agreement"), pair, pair.mentor_id)
    log_meeting(setup.step("Check-in 1"), pair, pair.mentor_id, MET)
    today = START + dt.timedelta(days=10)  # orientations (day 7) are due

    mentor = pair_progress(setup.path, pair, today, viewer_id=pair.mentor_id)
    states = _states(mentor)
    assert states["Orientation for mentors: your role in reverse mentoring"] == StepState.DONE
    assert states["Our mentoring agreement"] == StepState.WAITING_FOR_PARTNER
    assert states["Check-in 1: digital tools"] == StepState.WAITING_FOR_PARTNER
    assert mentor.total == len(setup.path.steps) - 1  # the mentees' orientation is not theirs
    assert (mentor.done, mentor.waiting, mentor.overdue) == (1, 2, 0)
    assert mentor.next_step.step.title == "Check-in 2: social media"
    assert mentor.next_step.step.due_on == START + dt.timedelta(days=60)

    mentee = pair_progress(setup.path, pair, today, viewer_id=pair.mentee_id)
    states = _states(mentee)
    assert states["Orientation for mentees: learning from a junior colleague"] == StepState.OVERDUE
    cells = {c.step.title: c for c in mentee.steps}
    assert cells["Our mentoring agreement"].needs_me
    assert cells["Check-in 1: digital tools"].needs_me
    assert cells["Check-in 1: digital tools"].pending_meeting_id is not None
    assert mentee.next_step.step.title.startswith("Orientation for mentees")
    assert (mentee.done, mentee.overdue) == (0, 1)

    designer = pair_progress(setup.path, pair, today)
    states = _states(designer)
    assert states["Our mentoring agreement"] == StepState.WAITING_FOR_PARTNER
    assert states["Orientation for mentees: learning from a junior colleague"] == StepState.OVERDUE
    assert designer.total == len(setup.path.steps)
    assert designer.last_confirmed_meeting_on is None


def test_matrix_of_pairs_by_steps() -> None:
    setup = make_path_setup(pairs=3)
    first, second, third = setup.pairs
    agreement = setup.step("Our mentoring agreement")
    checkin = setup.step("Check-in 1")
    for who in (first.mentor_id, first.mentee_id):
        sign_agreement(agreement, first, who)
    confirm_meeting(log_meeting(checkin, first, first.mentee_id, MET), first, first.mentor_id)
    sign_agreement(agreement, second, second.mentee_id)
    third.end("Moved abroad")
    today = START + dt.timedelta(days=40)

    matrix = progress_matrix(setup.path, today)
    assert [s.title for s in matrix.steps] == [s.title for s in ordered_steps(setup.path)]
    rows = {r.pair_id: r for r in matrix.rows}
    assert set(rows) == {first.id, second.id, third.id}
    column = [s.id for s in matrix.steps].index(agreement.id)
    assert rows[first.id].steps[column].state == StepState.DONE
    assert rows[second.id].steps[column].state == StepState.OVERDUE  # due day 14, half signed
    half = rows[second.id].steps[column]
    assert half.mentee_done and not half.mentor_done
    assert rows[first.id].last_confirmed_meeting_on == MET.met_on
    assert rows[third.id].pair_status == "ended"
    assert matrix.count(agreement.id, StepState.DONE) == 1
    assert matrix.count(agreement.id, StepState.OVERDUE) == 2
    assert rows[first.id].done == 2 and rows[first.id].percent == round(200 / len(matrix.steps))
    early = progress_matrix(setup.path, START + dt.timedelta(days=1))
    early_rows = {r.pair_id: r for r in early.rows}
    assert early_rows[second.id].steps[column].state == StepState.WAITING_FOR_PARTNER


def test_private_notes_never_reach_progress_or_matrix() -> None:
    setup = make_path_setup(pairs=2)
    pair = setup.pairs[0]
    log_meeting(setup.step("Check-in 1"), pair, pair.mentee_id, MET)
    today = START + dt.timedelta(days=40)
    for figures in (
        pair_progress(setup.path, pair, today, viewer_id=pair.mentor_id),
        pair_progress(setup.path, pair, today),
        progress_matrix(setup.path, today),
    ):
        assert SECRET not in repr(dataclasses.asdict(figures))


@contextmanager
def counted() -> Iterator[list[str]]:
    statements: list[str] = []

    def count(conn, cursor, statement, *args) -> None:
        statements.append(statement)

    engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)


def test_matrix_takes_the_same_queries_for_two_or_eight_pairs() -> None:
    today = START + dt.timedelta(days=40)
    sizes = []
    for pairs in (2, 8):
        setup = make_path_setup(pairs=pairs)
        for pair in setup.pairs:
            sign_agreement(setup.step("Our mentoring agreement"), pair, pair.mentor_id)
        db.session.expire_all()
        with counted() as statements:
            matrix = progress_matrix(setup.path, today)
        assert len(matrix.rows) == pairs
        sizes.append(len(statements))
    assert sizes[0] == sizes[1] <= 9  # the path loads its steps in one more
