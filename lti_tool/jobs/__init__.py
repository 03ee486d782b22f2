"""Background jobs on Huey: an embedded SQLite queue by default, Redis when a site grows.

Define a job with ``@job`` (or ``@periodic_job``) in a domain's ``tasks.py``; send it with
``some_job.enqueue(*args)``. A job is sent only when the current database transaction
commits, and dropped if it rolls back, so a worker never sees a row that does not exist yet.
"""

from __future__ import annotations

from lti_tool.jobs.queue import (
    Job,
    get_huey,
    init_jobs,
    job,
    make_huey,
    periodic_job,
    run_pending_jobs,
)

__all__ = [
    "Job",
    "get_huey",
    "init_jobs",
    "job",
    "make_huey",
    "periodic_job",
    "run_pending_jobs",
]
