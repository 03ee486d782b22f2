"""Matching jobs: a big cohort's matching run goes through the queue, not the request.

The run is a queued ``MatchingRun`` row first, so its page can show it waiting. The job is
one unit of work (the pairs together with "done"); "running" (the page sees it start) and —
after the job's own work is discarded — "failed" with the reason in words are written in
separate units (``core.transaction.separate_unit``). A run is a tracked job
(``lti_tool.jobs.tracked``): its phases and a heartbeat are written by a side thread. If its
worker is killed, the job ledger hands it to another worker, which takes the run over; if it is
declared lost or taken over while its worker still runs, its finish is refused and its pairs
discarded.
"""

from __future__ import annotations

import logging

from flask import Flask

from lti_tool.core.transaction import discard, separate_unit
from lti_tool.errors import ReciprocalError
from lti_tool.extensions import db
from lti_tool.jobs import job
from lti_tool.jobs.pulse import keep_alive
from lti_tool.jobs.queue import jobs_of
from lti_tool.jobs.tracked import REFUSED
from lti_tool.matching.models import MatchingRun
from lti_tool.matching.pairing import execute_run

log = logging.getLogger(__name__)
UNEXPECTED = "The matching run hit an unexpected problem, which has been logged. Try again."


# Durable: recorded in the job ledger with the change that asks for it. Retried (a
# database briefly away, say); a finished one is skipped.
@job(retries=2, retry_delay=30, durable=True)
def run_matching_job(run_id: int) -> None:
    """Run a queued matching run and store its pairs and unmatched people."""
    run = db.session.get(MatchingRun, run_id)
    if run is None or not run.may_start:  # finished, or replaced; else queued or taken over
        log.info(
            "Matching run %s is gone or already %s; skipped",
            run_id,
            run.status if run else "deleted",
        )
        return
    with separate_unit():  # the run's page sees "running" at once
        db.session.get(MatchingRun, run_id).start()
    db.session.refresh(run)
    version = run.row_version  # changes only if another worker takes the run over
    try:
        with keep_alive(run) as pulse:
            execute_run(
                run, lambda done, total, words: pulse.report(done=done, total=total, phase=words)
            )
            db.session.flush()  # a finish refused (declared lost meanwhile) raises here
    except REFUSED:
        discard()  # declared lost meanwhile: its pairs are not kept
        log.warning(
            "Matching run %s was declared lost while its worker still ran; its pairs are discarded",
            run_id,
        )
        return
    except ReciprocalError as error:
        _record_failure(run_id, version, error.message)
    except Exception:
        _record_failure(run_id, version, UNEXPECTED)
        raise
    else:
        log.info(
            "Matching run %s of program %s: %d pairs, %d unmatched",
            run_id,
            run.program_id,
            run.pair_count,
            len(run.unmatched),
        )


def _record_failure(run_id: int, version: int, message: str) -> None:
    discard()  # none of the run's pairs are kept
    try:
        with separate_unit():  # the failure stands even when the job then raises
            run = db.session.get(MatchingRun, run_id)
            if run is not None and run.row_version == version and run.is_pending:
                run.fail(message)  # not when another worker took the run over
    except REFUSED:  # declared lost meanwhile; that verdict stands
        pass
    log.warning("Matching run %s failed: %s", run_id, message)


def can_queue(app: Flask) -> bool:
    """Whether the app's queue runs this module's jobs (``create_app`` imports them)."""
    try:
        return run_matching_job.name in jobs_of(app).tasks
    except RuntimeError:
        return False
