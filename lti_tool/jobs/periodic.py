"""Scheduled jobs run once per schedule for the whole site, however many workers run.

Every ``flask worker`` (Huey consumer) checks once a minute which periodic jobs are due and
would queue each of them: with two workers on one queue, every scheduled job would run twice.
Before queueing, a worker claims the job's minute in the queue's own key-value store
(``put_if_empty``: atomic on Redis and in the SQLite queue file); only the worker that
claims it queues the job. A claim is removed a day later by the claim of the same job and
minute (schedules repeat daily), so the store holds at most a day of them.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
from collections.abc import Callable

from huey import Huey
from huey.api import PeriodicTask

log = logging.getLogger(__name__)

CLAIM_PREFIX = "periodic-claim"


def worker_name() -> str:
    """This process, as logs and claims name it: ``host:pid``."""
    return f"{socket.gethostname()}:{os.getpid()}"


def claim_key(job_name: str, minute: dt.datetime) -> str:
    return f"{CLAIM_PREFIX}:{job_name}:{minute:%Y-%m-%dT%H:%M}"


def claim(huey: Huey, job_name: str, minute: dt.datetime) -> bool:
    """Whether this worker is the one to queue ``job_name`` for ``minute`` (the first to ask)."""
    minute = minute.replace(second=0, microsecond=0)
    claimed = huey.put_if_empty(claim_key(job_name, minute), worker_name())
    if claimed:
        huey.storage.pop_data(claim_key(job_name, minute - dt.timedelta(days=1)))
    log.info(
        "Scheduled job %s for %s: %s",
        job_name,
        f"{minute:%Y-%m-%d %H:%M}",
        "queued by this worker" if claimed else "already queued by another worker",
    )
    return claimed


def once_per_site(huey: Huey) -> None:
    """Make ``huey``'s scheduler queue each due periodic job only when it claims its minute."""
    read_periodic: Callable[[dt.datetime | None], list[PeriodicTask]] = huey.read_periodic

    def claimed_due(timestamp: dt.datetime | None = None) -> list[PeriodicTask]:
        timestamp = timestamp or huey._get_timestamp()
        return [task for task in read_periodic(timestamp) if claim(huey, task.name, timestamp)]

    huey.read_periodic = claimed_due  # type: ignore[method-assign]
