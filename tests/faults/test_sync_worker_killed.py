"""Fault: a real ``flask worker`` is SIGKILLed in the middle of a real roster sync.

The sync is not lost: the job ledger hands it to the next worker, which takes the "running"
sync over and finishes it; the tracked-job sweep does not fail it meanwhile. It is not done
twice: the killed run committed nothing, the roster's newcomers are added once, and the
roster page's status shows the sync done.

The ledger lease is played by time travel on this sync's ledger row only (the workers' lease
is twelve hours), so the workers leave the suite's other ledger entries alone.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa
from flask import Flask

from lti_tool import create_app
from lti_tool.core.time import utcnow
from lti_tool.extensions import db
from lti_tool.jobs.ledger import LedgerEntry
from lti_tool.jobs.tasks import reap_lost_jobs
from lti_tool.roster.models import Course, RosterSync
from lti_tool.roster.tasks import queue_roster_sync, run_roster_sync
from tests.faults.test_token_endpoint import add_learner, members
from tests.roster.test_sync import make_course, run_sync
from tests.support.launching import Platform
from tests.support.live_server import LiveServer

FLASK = Path(sys.executable).with_name("flask")
LEARNERS = 300  # one member a page for the first worker: seconds of reading, time to kill it
NEWCOMERS = 3
LEASE = "43200"  # twelve hours: only the row this test ages is handed on


@pytest.fixture
def queued_app(app: Flask, tmp_path: Path) -> Iterator[Flask]:
    """The suite's database with a queue file worker processes can share."""
    queued = create_app(
        {
            "ENV_NAME": "testing",
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "QUEUE_URL": f"sqlite:///{tmp_path / 'queue.sqlite3'}",
            "HUEY_NAME": f"reciprocal-handed-on-{uuid.uuid4().hex[:10]}",
            "DEMO_LMS_ENABLED": False,
        }
    )
    yield queued
    with queued.app_context():
        db.engine.dispose()


def start_worker(app: Flask, log: Path, page_size: int, *options: str) -> subprocess.Popen:
    config = app.config
    env = {
        **os.environ,
        "RECIPROCAL_ENV": "development",
        "DATABASE_URL": config["SQLALCHEMY_DATABASE_URI"],
        "QUEUE_URL": config["QUEUE_URL"],
        "HUEY_NAME": config["HUEY_NAME"],
        "SECRET_KEY": "test-secret-key",
        "DEMO_LMS_ENABLED": "0",
        "ROSTER_SYNC_PAGE_SIZE": str(page_size),
        "JOB_HEARTBEAT_SECONDS": "0.2",
        "JOB_LEDGER_GRACE_SECONDS": "10000000",
        "JOB_LEDGER_LEASE_SECONDS": LEASE,
        "LOG_LEVEL": "INFO",
    }
    with log.open("a") as output:
        return subprocess.Popen(
            [str(FLASK), "--app", "lti_tool", "worker", *options],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def row(app: Flask, model: type, row_id: int):
    with app.app_context():
        found = db.session.get(model, row_id)
        db.session.expunge(found)
        return found


def test_a_sync_whose_worker_is_killed_is_finished_once_by_the_next_worker(
    spec: Platform,
    app: Flask,
    live_server: LiveServer,
    queued_app: Flask,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    course = make_course(spec, LEARNERS)
    run_sync(app, course.course_id)  # the designer launch's sync: the course is known
    newcomers = [add_learner(app, course.demo_course_id) for _ in range(NEWCOMERS)]
    course.usernames += [f"late.{tag}" for tag in newcomers]
    before = members(app, course)
    with queued_app.app_context():
        sync_id = queue_roster_sync(
            db.session.get(Course, course.course_id), trigger="manual", full=True
        ).id
        db.session.commit()  # records the ledger entry and sends the job
        entry_id = db.session.scalar(sa.select(sa.func.max(LedgerEntry.id)))
    entry = row(app, LedgerEntry, entry_id)
    assert (entry.job_name, entry.args) == (run_roster_sync.name, [sync_id])

    log = tmp_path / "worker.log"
    first = start_worker(queued_app, log, 1, "--workers", "1")
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            sync = row(app, RosterSync, sync_id)
            if sync.status == "running" and sync.pages_read >= 2:
                break
            assert sync.status in ("queued", "running"), sync.error
            assert first.poll() is None, log.read_text()[-3000:]
            time.sleep(0.05)
        else:
            pytest.fail(f"the first worker did not start the sync: {log.read_text()[-3000:]}")
    finally:
        os.killpg(first.pid, signal.SIGKILL)  # mid-sync, no chance to clean up
        first.wait(timeout=10)
    killed = row(app, RosterSync, sync_id)
    assert killed.status == "running" and killed.members_seen < LEARNERS
    assert row(app, LedgerEntry, entry_id).status == "running"
    assert members(app, course) == before  # nothing of the killed run was committed

    # Both heartbeats stop. The tracked-job sweep leaves the sync to the ledger…
    monkeypatch.setitem(app.config, "JOB_HEARTBEAT_LOST_SECONDS", 1)
    time.sleep(1.5)
    with app.app_context():
        reap_lost_jobs()
        db.session.commit()
        # …whose lease runs out (played on this row only: see the module's docstring).
        db.session.execute(
            sa.update(LedgerEntry)
            .where(LedgerEntry.id == entry_id)
            .values(heartbeat_at=utcnow() - dt.timedelta(days=1))
        )
        db.session.commit()
    assert row(app, RosterSync, sync_id).status == "running"

    second = start_worker(queued_app, log, 100, "--burst")  # sweeps at start, runs the queue
    assert second.wait(timeout=120) == 0, log.read_text()[-3000:]
    output = log.read_text()
    assert "Sent 1 lost job(s) to the queue again." in output, output[-3000:]
    assert "its worker stopped; taken over" in output

    entry = row(app, LedgerEntry, entry_id)
    assert (entry.status, entry.attempts) == ("done", 2), entry.error
    done = row(app, RosterSync, sync_id)
    assert done.status == "done", done.error
    assert (done.members_added, done.members_left) == (NEWCOMERS, 0)  # applied once
    after = members(app, course)
    assert len(after) == len(before) + NEWCOMERS
    assert all(any(tag in name for name in after) for tag in newcomers)

    http = requests.Session()
    status = http.get(
        f"{live_server.tool_url}/s/{course.launch_id}/roster/syncs/{sync_id}", timeout=10
    ).json()
    assert (status["status"], status["members_added"], status["error"]) == ("done", NEWCOMERS, None)
