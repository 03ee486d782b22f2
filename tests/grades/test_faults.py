"""Each fault class against the demo LMS: retried, throttled, refused for good (with the
LMS's words, then sent again), a worker killed mid-send, a 401 — and never a duplicate."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from lti_tool.core.time import utcnow
from lti_tool.core.transaction import unit_of_work
from lti_tool.demo_lms.models import DemoAccessToken
from lti_tool.extensions import db
from lti_tool.learning.ags import post_score
from lti_tool.learning.grades.claims import claim_due
from lti_tool.learning.grades.line_items import ensure_line_item
from lti_tool.learning.grades.models import GradeSend
from lti_tool.learning.grades.outbox import send_again
from lti_tool.learning.grades.sending import score_for
from lti_tool.platforms.models import Platform as PlatformRow
from lti_tool.roster.models import Person
from tests.grades.support import clear_faults, make_graded, set_faults


@pytest.fixture
def quick_retries(app):
    saved = {k: app.config.get(k) for k in ("GRADE_RETRY_BASE_SECONDS", "HTTP_TIMEOUT_SECONDS")}
    app.config.update(GRADE_RETRY_BASE_SECONDS=0.05, HTTP_TIMEOUT_SECONDS=1.5)
    yield
    app.config.update(saved)


def _drain_until_settled(graded, rounds: int = 30) -> None:
    for _ in range(rounds):
        graded.drain()
        with graded.app.app_context():
            waiting = db.session.scalar(
                sa.select(sa.func.count())
                .select_from(GradeSend)
                .where(
                    GradeSend.path_id == graded.path_id,
                    GradeSend.state.in_(("pending", "sending")),
                )
            )
        if not waiting:
            return
    raise AssertionError("the outbox did not settle")


def _states(graded) -> dict:
    with graded.app.app_context():
        return {
            (r.step_id, r.person_id): (r.state, r.last_error)
            for r in db.session.scalars(sa.select(GradeSend).filter_by(path_id=graded.path_id))
        }


@pytest.mark.parametrize("faults", ["500:0.5", "429:0.5", "403:0.5", "drop:0.4", "slow:0.4"])
def test_fault_class_is_retried_and_lands_once(platform, faults, quick_retries) -> None:
    graded = make_graded(platform)
    for step_id in graded.graded_step_ids[:3]:
        graded.complete(step_id)
    with graded.app.app_context():  # the columns first: the faults are for the scores
        for step_id in graded.graded_step_ids[:3]:
            ensure_line_item(graded.course_id, step_id)
    set_faults(platform, {"faults": faults, "seed": 3, "slow_seconds": 2})
    try:
        _drain_until_settled(graded)
    finally:
        clear_faults(platform)
    assert {s for s, _ in _states(graded).values()} == {"sent"}
    for step_id in graded.graded_step_ids[:3]:
        totals = graded.counts(resource_id=graded.public_id(step_id))["totals"]
        assert totals["applied"] == 1 and totals["duplicates"] == 0, (faults, totals)


def test_moodle_refusal_is_kept_with_its_words_and_sent_again(platforms) -> None:
    moodle = platforms["moodle"]
    graded = make_graded(moodle)
    with moodle.app.app_context(), unit_of_work():
        db.session.get(Person, graded.mentor_id).sub = "987654321"  # not in the course
    graded.complete(graded.graded_step_ids[0])
    graded.drain()
    state, error = _states(graded)[(graded.graded_step_ids[0], graded.mentor_id)]
    assert state == "failed" and error == "400: Incorrect score received"
    from lti_tool.demo_lms.directory import get_user

    with moodle.app.app_context(), unit_of_work():
        db.session.get(Person, graded.mentor_id).sub = str(get_user("liam.nguyen").id)
        failed = db.session.scalars(
            sa.select(GradeSend.id).filter_by(path_id=graded.path_id, state="failed")
        ).all()
        assert send_again(failed, graded.course_id) == len(failed) >= 1
    graded.drain()
    assert {s for s, _ in _states(graded).values()} == {"sent"}


def test_a_worker_killed_after_posting_loses_nothing_and_repeats_nothing(spec, app) -> None:
    graded = make_graded(spec)
    step_id = graded.graded_step_ids[0]
    graded.complete(step_id)
    with app.app_context():
        url = ensure_line_item(graded.course_id, step_id)
        claimed = [c for c in claim_due(100, lease=0.5) if c.step_id == step_id]
        assert claimed, "the row was claimed"
        row = claimed[0]
        platform = db.session.get(PlatformRow, graded.platform_id)
        post_score(platform, url, score_for(platform, row))  # reached the LMS; then killed
    graded.drain()  # the lease has ended: checked first, found there, not posted again
    totals = graded.counts(resource_id=graded.public_id(step_id))["totals"]
    assert totals == {"received": 1, "applied": 1, "duplicates": 0, "stale": 0}
    assert _states(graded)[(step_id, graded.mentor_id)][0] == "sent"


def test_a_revoked_token_is_renewed_once(spec, app) -> None:
    graded = make_graded(spec)
    graded.complete(graded.graded_step_ids[0])
    with app.app_context():
        ensure_line_item(graded.course_id, graded.graded_step_ids[0])
        db.session.execute(sa.delete(DemoAccessToken))  # the platform revokes every token
        db.session.commit()
    graded.drain()
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(DemoAccessToken)) == 1
    assert _states(graded)[(graded.graded_step_ids[0], graded.mentor_id)][0] == "sent"


def test_backoff_grows_with_jitter(app) -> None:
    from lti_tool.learning.grades.sending import Settings, _backoff

    settings = Settings(40, 8, 60, retry_base=2, retry_cap=900, idle_wait=5, max_seconds=60)
    waits = [_backoff(n, settings) for n in range(1, 8)]
    assert all(1 <= waits[0] <= 2 for _ in [0]) and 32 <= waits[5] <= 64
    assert len({round(_backoff(3, settings), 6) for _ in range(10)}) > 1, "jittered"
    assert utcnow() - dt.timedelta(seconds=1) < utcnow()


def test_throttle_replies_cut_the_pace_once_per_window() -> None:
    """Throttle replies to sends that were in flight together halve the pace once; a reply
    to a send started after that cut (and past the spacing) halves it again; successes grow
    it back."""
    from lti_tool.learning.grades.sending import _PlatformPace

    pace = _PlatformPace(spacing=0.0)
    together = [pace.acquire(1, 8) for _ in range(4)]
    for started in together:
        pace.release(1, 8, started, throttled=True)
    assert pace.limit[1] == 4.0
    later = pace.acquire(1, 8)
    pace.release(1, 8, later, throttled=True)
    assert pace.limit[1] == 2.0
    for _ in range(4):
        pace.release(1, 8, pace.acquire(1, 8), throttled=False)
    assert 2.0 < pace.limit[1] < 8.0 and pace.active[1] == 0
    spaced = _PlatformPace(spacing=60.0)
    for _ in range(3):
        spaced.release(1, 8, spaced.acquire(1, 8), throttled=True)
    assert spaced.limit[1] == 4.0, "refusals within the spacing are one signal"
