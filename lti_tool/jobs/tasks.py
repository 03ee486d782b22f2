"""The jobs layer's own periodic jobs: send again what the queue lost, and find tracked
jobs that were lost and say so.

The job ledger's sweep sends every durable job whose message never reached a worker (the queue
was down at the commit) or whose worker died. A request that would start a tracked job
replaces a lost one on the spot; the tracked-job sweep catches the rest (a sync nobody asks for
again, a matching run blocking a program's publish). Both run every minute.
"""

from __future__ import annotations

from huey import crontab

from lti_tool.core.time import utcnow
from lti_tool.jobs.queue import periodic_job, requeue_lost_jobs
from lti_tool.jobs.tracked import reap_lost, tracked_models


@periodic_job(lambda config: crontab(minute="*"))
def reap_lost_jobs() -> None:
    """Mark every lost tracked job (roster syncs, matching runs…) failed, saying why."""
    now = utcnow()
    for model in tracked_models():
        reap_lost(model, now)


@periodic_job(lambda config: crontab(minute="*"))
def sweep_job_ledger() -> None:
    """Send again the durable jobs the queue lost (``jobs.ledger``)."""
    requeue_lost_jobs()
