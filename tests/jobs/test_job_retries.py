"""Jobs that fail before they record an outcome are sent again by the queue."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from flask import Flask

from lti_tool import create_app
from lti_tool.jobs import get_huey, job, run_pending_jobs
from lti_tool.jobs.queue import jobs_of
from lti_tool.matching.tasks import run_matching_job
from lti_tool.roster.tasks import run_roster_sync

attempts: list[int] = []


@job(retries=1)
def fails_once(value: int) -> None:
    attempts.append(value)
    if len(attempts) == 1:
        raise ConnectionError("the database went away for a moment")


@pytest.fixture
def memory_app(app: Flask) -> Iterator[Flask]:
    queued = create_app(
        {
            "ENV_NAME": "testing",
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "QUEUE_URL": "memory://",
            "HUEY_NAME": f"reciprocal-test-{uuid.uuid4().hex[:10]}",
        }
    )
    yield queued
    with queued.app_context():
        from lti_tool.extensions import db

        db.engine.dispose()


def test_a_failed_job_is_run_again(memory_app: Flask) -> None:
    attempts.clear()
    with memory_app.app_context():
        jobs_of(memory_app).tasks[fails_once.name](7)
        assert run_pending_jobs(get_huey()) == 2
    assert attempts == [7, 7]


@pytest.mark.parametrize("domain_job", [run_roster_sync, run_matching_job])
def test_domain_jobs_are_retried_later(memory_app: Flask, domain_job: object) -> None:
    task = jobs_of(memory_app).tasks[domain_job.name]  # type: ignore[attr-defined]
    assert (task.retries, task.retry_delay) == (2, 30)
