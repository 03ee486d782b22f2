"""The jobs layer's own periodic job: find tracked jobs that were lost and say so.

A request that would start a job replaces a lost one on the spot; this sweep catches the rest
(a sync nobody asks for again, a matching run blocking a program's publish), every minute.
"""

from __future__ import annotations

from huey import crontab

from lti_tool.core.time import utcnow
from lti_tool.jobs.queue import periodic_job
from lti_tool.jobs.tracked import reap_lost, tracked_models


@periodic_job(lambda config: crontab(minute="*"))
def reap_lost_jobs() -> None:
    """Mark every lost tracked job (roster syncs, matching runs…) failed, saying why."""
    now = utcnow()
    for model in tracked_models():
        reap_lost(model, now)
