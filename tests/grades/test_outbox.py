"""The grade outbox: written in the completion's transaction, newest value wins, and each
score reaches every demo LMS flavour's gradebook exactly once."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from lti_tool.core.transaction import unit_of_work
from lti_tool.extensions import db
from lti_tool.learning.completing import record_completion
from lti_tool.learning.grades.models import GradeSend
from lti_tool.learning.grades.outbox import path_resource_id, upsert_send
from lti_tool.learning.grades.status import grade_recorded
from lti_tool.learning.models import Path
from lti_tool.matching.models import Pair
from tests.grades.support import load_step, make_graded


def _sends(app, person_id: int) -> list[GradeSend]:
    with app.app_context():
        return list(db.session.scalars(sa.select(GradeSend).filter_by(person_id=person_id)))


def test_rolled_back_completion_leaves_no_outbox_row(spec) -> None:
    graded = make_graded(spec)
    with spec.app.app_context(), pytest.raises(RuntimeError), unit_of_work():
        step = load_step(graded.graded_step_ids[0])
        record_completion(step, db.session.get(Pair, graded.pair_id), graded.mentor_id)
        assert db.session.scalar(sa.select(sa.func.count()).select_from(GradeSend)) > 0
        raise RuntimeError("the request failed after the completion")
    assert _sends(spec.app, graded.mentor_id) == []
    graded.complete(graded.graded_step_ids[0])
    rows = _sends(spec.app, graded.mentor_id)
    assert {r.step_id for r in rows} == {graded.graded_step_ids[0], None}  # + path completion


def test_newest_value_wins_in_one_row(spec) -> None:
    graded = make_graded(spec)
    graded.complete(graded.graded_step_ids[0])
    graded.complete(graded.graded_step_ids[1])
    rows = {r.step_id: r for r in _sends(spec.app, graded.mentor_id)}
    assert len(rows) == 3
    path_row = rows[None]
    assert path_row.version == 2 and path_row.state == "pending"
    share = round(2 / len(graded.graded_step_ids) * 100, 2)
    assert path_row.score_given == share
    with spec.app.app_context(), unit_of_work():
        send_id, version = upsert_send(
            graded.course_id,
            graded.path_id,
            graded.mentor_id,
            resource_id=path_row.resource_id,
            step_id=None,
            score_given=99.0,
            score_maximum=100.0,
            submitted_at=path_row.submitted_at,
        )
        assert (send_id, version) == (path_row.id, 3)
        assert db.session.get(GradeSend, send_id).score_given == 99.0


def test_score_reaches_the_gradebook_exactly_once(platform) -> None:
    graded = make_graded(platform)
    first, second = graded.graded_step_ids[:2]
    graded.complete(first)
    graded.complete(second)
    report = graded.drain()
    assert report.sent >= 3 and report.failed == 0, report  # other tests' rows too
    for step_id in (first, second):
        counts = graded.counts(resource_id=graded.public_id(step_id))
        assert counts["totals"]["applied"] == 1, counts
        assert counts["totals"]["duplicates"] == 0
    with platform.app.app_context():
        path_id = path_resource_id(db.session.get(Path, graded.path_id))
    path_counts = graded.counts(resource_id=path_id)
    assert path_counts["totals"] == {"received": 1, "applied": 1, "duplicates": 0, "stale": 0}
    with platform.app.app_context():
        assert grade_recorded(first, graded.mentor_id)
        assert not grade_recorded(graded.graded_step_ids[2], graded.mentor_id)
    assert graded.drain().sent == 0, "a sent score is never sent again"
    assert graded.counts(resource_id=graded.public_id(first))["totals"]["received"] == 1
