"""A tracked job whose worker died is handed on by the job ledger and run again, once.

The killed worker is played in this process: it claims the ledger entry and starts the tracked
row, then goes silent (time travel on the heartbeats). The ledger's sweep hands the entry back,
and the next worker takes the "running" row over and finishes it. The tracked-job sweep leaves
the row alone meanwhile, and fails it only once the ledger has given up.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import Flask

from lti_tool.core.time import utcnow
from lti_tool.core.transaction import unit_of_work
from lti_tool.extensions import db
from lti_tool.jobs import get_huey, run_pending_jobs
from lti_tool.jobs.ledger import LedgerEntry, claim
from lti_tool.jobs.tasks import reap_lost_jobs
from lti_tool.matching.models import MatchingRun, Pair
from lti_tool.matching.pairing import request_run
from lti_tool.matching.tasks import run_matching_job
from lti_tool.roster.models import RosterSync
from lti_tool.roster.tasks import run_roster_sync
from tests.jobs.test_ledger import app, ledger_app, sweep  # noqa: F401 (fixtures)
from tests.jobs.test_tracked import LEARNERS
from tests.matching.pairing_support import make_cohort, new_course

LONG_AGO = dt.timedelta(minutes=10)


def test_the_tracked_jobs_name_the_durable_jobs_that_run_them() -> None:
    assert RosterSync.run_by == run_roster_sync.name
    assert MatchingRun.run_by == run_matching_job.name


def queued_run(app: Flask) -> tuple[int, int, int]:
    """A matching run asked for as the designer's page does: (run id, program id, entry id)."""
    with app.app_context(), unit_of_work():
        program = make_cohort(LEARNERS).program
        run = request_run(program)
        run_matching_job.enqueue(run.id)
        db.session.flush()
        ids = run.id, program.id
    with app.app_context():
        return (*ids, db.session.scalar(sa.select(sa.func.max(LedgerEntry.id))))


def killed_mid_run(app: Flask, entry_id: int, model: type, job_id: int, *kind: str) -> None:
    """Worker A took the message, claimed the entry, started the job, and was killed."""
    with app.app_context():
        assert claim(entry_id) is not None
        job = db.session.get(model, job_id)
        job.start(*kind)
        db.session.commit()
        long_ago = utcnow() - LONG_AGO
        job.heartbeat_at = long_ago
        db.session.execute(
            sa.update(LedgerEntry).where(LedgerEntry.id == entry_id).values(heartbeat_at=long_ago)
        )
        db.session.commit()


def test_a_matching_run_whose_worker_died_is_taken_over_and_run_once(app: Flask) -> None:
    run_id, program_id, entry_id = queued_run(app)
    get_huey(app).flush()  # worker A took the message…
    killed_mid_run(app, entry_id, MatchingRun, run_id)

    with app.app_context():
        reap_lost_jobs()  # silent, but the ledger will hand it on: not failed
        db.session.commit()
        assert db.session.get(MatchingRun, run_id).status == "running"

    assert sweep(app) == 1  # the lease ran out: handed back and sent again
    with app.app_context():
        assert run_pending_jobs() == 1  # worker B
    with app.app_context():
        run = db.session.get(MatchingRun, run_id)
        assert run.status == "done", run.error
        assert run.pair_count == 2 and run.heartbeat_at > utcnow() - LONG_AGO
        pairs = db.session.scalar(
            sa.select(sa.func.count()).select_from(Pair).where(Pair.program_id == program_id)
        )
        assert pairs == 2  # once, not twice
        entry = db.session.get(LedgerEntry, entry_id)
        assert (entry.status, entry.attempts) == ("done", 2)
    assert sweep(app) == 0  # nothing left to run


def test_a_job_the_ledger_gave_up_on_is_failed_by_the_tracked_sweep(app: Flask) -> None:
    with app.app_context(), unit_of_work():
        sync = RosterSync(course=new_course(), trigger="manual")
        db.session.add(sync)
        db.session.flush()
        run_roster_sync.enqueue(sync.id)
        sync_id = sync.id
    with app.app_context():
        entry_id = db.session.scalar(sa.select(sa.func.max(LedgerEntry.id)))
        max_attempts = app.config["JOB_LEDGER_MAX_ATTEMPTS"]
        db.session.execute(  # its workers were killed every time but this last one
            sa.update(LedgerEntry)
            .where(LedgerEntry.id == entry_id)
            .values(attempts=max_attempts - 1)
        )
        db.session.commit()
    killed_mid_run(app, entry_id, RosterSync, sync_id, "full")

    with app.app_context():
        reap_lost_jobs()
        db.session.commit()
        assert db.session.get(RosterSync, sync_id).status == "running"  # the ledger's turn
    assert sweep(app) == 0  # attempts used up: failed, not sent again
    with app.app_context():
        entry = db.session.get(LedgerEntry, entry_id)
        assert entry.status == "failed" and "given up" in entry.error
        reap_lost_jobs()
        db.session.commit()
        sync = db.session.get(RosterSync, sync_id)
        assert sync.status == "failed" and "The worker running this sync stopped" in sync.error


def test_a_job_started_outside_the_ledger_is_not_taken_over(app: Flask) -> None:
    """A direct call (the CLI, a test) holds no claim: a running row is left to its worker."""
    with app.app_context():
        sync = RosterSync(course=new_course(), trigger="manual")
        db.session.add(sync)
        db.session.flush()
        sync.start("full")
        db.session.commit()
        assert not sync.may_start
        run_roster_sync(sync.id)
        db.session.expire_all()
        assert db.session.get(RosterSync, sync.id).status == "running"
