"""The tracked-job mechanism on both of its jobs, roster syncs and matching runs: heartbeats,
lost jobs failed with a reason and replaced, and a lost job's late finish refused.

Time travel is done on the rows (``heartbeat_at``, ``created_at``); a second app context
plays the other process (a web request, the sweep) with its own database session.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm.exc import StaleDataError

from lti_tool.core.time import utcnow
from lti_tool.extensions import db
from lti_tool.jobs.pulse import keep_alive
from lti_tool.jobs.tasks import reap_lost_jobs
from lti_tool.jobs.tracked import (
    JobLost,
    Limits,
    TrackedJob,
    pending_unless_lost,
    tracked_models,
)
from lti_tool.matching.models import MatchingRun, Pair
from lti_tool.matching.pairing import PHASES, request_run
from lti_tool.roster.models import RosterSync
from tests.matching.pairing_support import Learner, make_cohort, new_course

LEARNERS = [
    Learner("ana", 1, "Sales"),
    Learner("ben", 5, "IT"),
    Learner("cai", 2, "HR"),
    Learner("dee", 6, "Sales"),
]


@dataclass
class Made:
    model: type[TrackedJob]
    id: int
    noun: str

    def load(self) -> TrackedJob:
        return db.session.get(self.model, self.id)


def make_job(kind: str) -> Made:
    """A queued job of ``kind``, committed."""
    if kind == "roster":
        job = RosterSync(course=new_course(), trigger="manual")
    else:
        job = MatchingRun(program=make_cohort(LEARNERS).program)
    db.session.add(job)
    db.session.commit()
    return Made(type(job), job.id, job.job_noun)


@pytest.fixture(params=["roster", "matching"])
def made(request: pytest.FixtureRequest, app: Flask) -> Iterator[Made]:
    with app.app_context():
        yield make_job(request.param)
        db.session.rollback()


def elsewhere(app: Flask):
    """Another process's view: a new app context has its own session."""
    return app.app_context()


def test_both_jobs_are_tracked() -> None:
    assert {MatchingRun, RosterSync} <= set(tracked_models())


def test_a_silent_running_job_is_failed_with_the_reason_and_replaced(
    app: Flask, made: Made
) -> None:
    job = made.load()
    job.start() if made.model is MatchingRun else job.start("full")
    db.session.commit()
    now = utcnow()
    assert pending_unless_lost(job) is job  # it just started: alive
    job.heartbeat_at = now - dt.timedelta(seconds=119)
    db.session.commit()
    assert pending_unless_lost(job, now=now) is job  # quiet, not yet lost
    job.heartbeat_at = now - dt.timedelta(seconds=121)
    db.session.commit()
    assert pending_unless_lost(job, now=now) is None
    db.session.commit()
    with elsewhere(app):
        row = made.load()
        assert row.status == "failed" and row.finished_at is not None
        since = (now - dt.timedelta(seconds=121)).strftime("%H:%M")
        assert row.error == (
            f"The worker running this {made.noun} stopped (no sign of life "
            f"since {since} UTC); a new {made.noun} was started."
        )


def test_a_job_queued_too_long_is_lost(app: Flask, made: Made) -> None:
    job = made.load()
    limits = Limits(queued=dt.timedelta(minutes=15))
    job.created_at = utcnow() - dt.timedelta(minutes=14)
    assert pending_unless_lost(job, limits=limits) is job
    job.created_at = utcnow() - dt.timedelta(minutes=16)
    assert pending_unless_lost(job, limits=limits) is None
    assert job.status == "failed"
    assert re.match(
        rf"No worker started this {made.noun} within 15 minutes: check that the "
        r"tool's worker \(flask worker\) is running; a new .+ was started\.$",
        job.error,
    )


def declare_lost_elsewhere(app: Flask, made: Made) -> None:
    with elsewhere(app):  # a request, minutes of silence later
        other = made.load()
        assert pending_unless_lost(other, now=utcnow() + dt.timedelta(minutes=3)) is None
        db.session.commit()


def test_a_lost_jobs_late_writes_are_refused(app: Flask, made: Made) -> None:
    job = made.load()  # the worker's session
    job.start() if made.model is MatchingRun else job.start("full")
    db.session.commit()
    assert job.status == "running"  # loaded in the worker's transaction
    declare_lost_elsewhere(app, made)
    job.beat(done=5)  # the worker was alive after all: its row changed under it
    with pytest.raises(StaleDataError):
        db.session.commit()
    db.session.rollback()
    with pytest.raises(JobLost, match="stopped meanwhile: The worker running"):
        job.complete()  # seen afresh, the job is failed: its finish is refused
    with pytest.raises(JobLost):
        job.beat(done=6)
    db.session.rollback()
    assert made.load().status == "failed"


def test_the_sweep_fails_lost_jobs_of_every_kind(app: Flask) -> None:
    with app.app_context():
        quiet = make_job("roster"), make_job("matching")
        alive = make_job("roster"), make_job("matching")
        for made in (*quiet, *alive):
            job = made.load()
            job.start() if made.model is MatchingRun else job.start("full")
        for made in quiet:
            made.load().heartbeat_at = utcnow() - dt.timedelta(minutes=5)
        db.session.commit()
        reap_lost_jobs()
        db.session.expire_all()
        assert [m.load().status for m in quiet] == ["failed", "failed"]
        assert all("stopped (no sign of life since" in m.load().error for m in quiet)
        assert not any(m.load().error.endswith("was started.") for m in quiet)
        assert [m.load().status for m in alive] == ["running", "running"]


def test_keep_alive_beats_from_a_side_thread_until_the_job_ends(app: Flask, made: Made) -> None:
    job = made.load()
    job.start() if made.model is MatchingRun else job.start("full")
    job.heartbeat_at = utcnow() - dt.timedelta(minutes=1)
    db.session.commit()
    before = job.heartbeat_at

    def seen() -> TrackedJob:
        with elsewhere(app):
            row = made.load()
            db.session.expunge(row)
            return row

    with keep_alive(job, every=dt.timedelta(seconds=0.05)) as pulse:
        pulse.report(done=1, total=3, phase="Halfway there")
        deadline = time.monotonic() + 5
        while seen().phase != "Halfway there" and time.monotonic() < deadline:
            time.sleep(0.02)
        row = seen()
        assert (row.progress_done, row.progress_total, row.phase) == (1, 3, "Halfway there")
        assert row.heartbeat_at > before and row.row_version == job.row_version
        job.complete()
        db.session.commit()  # the thread's writes never tripped the job's own
    beat = seen().heartbeat_at
    time.sleep(0.2)
    assert seen().heartbeat_at == beat and seen().status == "done"


def test_a_designer_run_replaces_a_lost_matching_run(app: Flask) -> None:
    with app.app_context():
        cohort = make_cohort(LEARNERS)
        lost = request_run(cohort.program)
        lost.start()
        lost.heartbeat_at = utcnow() - dt.timedelta(minutes=10)
        db.session.flush()
        fresh = request_run(cohort.program)
        assert fresh is not lost and fresh.status == "queued"
        assert lost.status == "failed" and "a new matching run was started" in lost.error
        db.session.rollback()


def test_a_lost_matching_job_keeps_none_of_its_pairs(app: Flask, monkeypatch) -> None:
    """The worker finishes after a request declared its run lost: nothing of it is kept."""
    from lti_tool.matching import tasks

    with app.app_context():
        cohort = make_cohort(LEARNERS)
        run = request_run(cohort.program)
        db.session.commit()
        run_id, program_id = run.id, cohort.program.id
    real = tasks.execute_run

    def declared_lost_while_solving(run: MatchingRun, on_phase) -> None:
        def phase(done: int, total: int, words: str) -> None:
            on_phase(done, total, words)
            if words == PHASES[2]:  # the pairs are found; now they would be saved
                declare_lost_elsewhere(app, Made(MatchingRun, run.id, "matching run"))

        real(run, phase)

    monkeypatch.setattr(tasks, "execute_run", declared_lost_while_solving)
    with app.app_context():
        tasks.run_matching_job(run_id)
    with app.app_context():
        run = db.session.get(MatchingRun, run_id)
        assert run.status == "failed" and "stopped (no sign of life" in run.error
        assert run.pair_count == 0
        assert (
            db.session.scalar(
                sa.select(sa.func.count()).select_from(Pair).where(Pair.program_id == program_id)
            )
            == 0
        )
