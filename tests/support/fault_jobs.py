"""Durable jobs for the job ledger's tests, with a side effect that can be counted.

Importing this module registers the jobs (before an app is created: ``create_app`` binds every
registered job). ``make_app`` is the app a ``flask --app tests.support.fault_jobs:make_app
worker`` process runs, so a real worker knows these jobs too.

Each run of ``count_once`` adds one audit event ``test.counted`` for its key, in the job's own
unit of work: "done twice" shows as two events, "lost" as none.
"""

from __future__ import annotations

import os
import time

import sqlalchemy as sa
from flask import Flask

from lti_tool.core.audit import AuditEvent, record_event
from lti_tool.extensions import db
from lti_tool.jobs import job

COUNTED = "test.counted"
HOLD_LIMIT_SECONDS = 30


@job(durable=True)
def count_once(key: str, hold_file: str = "") -> None:
    """Wait while ``hold_file`` exists (a test holds the job mid-run), then count."""
    deadline = time.monotonic() + HOLD_LIMIT_SECONDS
    while hold_file and os.path.exists(hold_file) and time.monotonic() < deadline:
        time.sleep(0.05)
    record_event("fault test", COUNTED, key)


@job(durable=True)
def count_then_fail(key: str) -> None:
    """Count, then fail: the count must roll back with the failure."""
    record_event("fault test", COUNTED, key)
    raise RuntimeError("this job always fails")


def times_counted(key: str) -> int:
    """How many runs of ``key`` committed (inside an app context)."""
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.action == COUNTED, AuditEvent.subject == key)
    )


def make_app() -> Flask:
    from lti_tool import create_app

    return create_app()
