"""Matching jobs: a big cohort's matching run goes through the queue, not the request.

The run is a queued ``MatchingRun`` row first, so its page can show it waiting; the job
commits "running" (the page sees it start), then the pairs together with "done" — or, on any
error, rolls back and records "failed" with the reason in words.
"""

from __future__ import annotations

import logging

from flask import Flask

from lti_tool.errors import ReciprocalError
from lti_tool.extensions import db
from lti_tool.jobs import job
from lti_tool.jobs.queue import jobs_of
from lti_tool.matching.models import MatchingRun, RunStatus
from lti_tool.matching.pairing import execute_run

log = logging.getLogger(__name__)
UNEXPECTED = "The matching run hit an unexpected problem, which has been logged. Try again."


@job(retries=2, retry_delay=30)  # e.g. a database briefly away; a finished one is skipped
def run_matching_job(run_id: int) -> None:
    """Run a queued matching run and store its pairs and unmatched people."""
    run = db.session.get(MatchingRun, run_id)
    if run is None or run.status != RunStatus.QUEUED:
        log.info("Matching run %s is gone or already %s; skipped", run_id,
                 run.status if run else "deleted")
        return
    run.start()
    db.session.commit()
    try:
        execute_run(run)
        db.session.commit()
    except ReciprocalError as error:
        _record_failure(run_id, error.message)
    except Exception:
        _record_failure(run_id, UNEXPECTED)
        raise
    else:
        log.info("Matching run %s of program %s: %d pairs, %d unmatched", run_id,
                 run.program_id, run.pair_count, len(run.unmatched))


def _record_failure(run_id: int, message: str) -> None:
    db.session.rollback()  # none of the run's pairs are kept
    run = db.session.get(MatchingRun, run_id)
    if run is not None and run.is_pending:
        run.fail(message)
        db.session.commit()
    log.warning("Matching run %s failed: %s", run_id, message)


def can_queue(app: Flask) -> bool:
    """Whether the app's queue runs this module's jobs (``create_app`` imports them)."""
    try:
        return run_matching_job.name in jobs_of(app).tasks
    except RuntimeError:
        return False
