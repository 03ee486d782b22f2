"""A real ``flask worker`` killed mid-sync: after the heartbeat limit, "Sync now" over HTTP
starts a new sync and the old one is failed, saying what happened (security finding 6)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from flask import Flask

from lti_tool import create_app
from lti_tool.extensions import db
from lti_tool.jobs import get_huey
from lti_tool.roster.models import Course, RosterSync
from lti_tool.roster.tasks import queue_roster_sync
from tests.roster.test_sync import make_course, run_sync
from tests.support.launching import Platform
from tests.support.live_server import LiveServer

FLASK = Path(sys.executable).with_name("flask")
LEARNERS = 300  # one member a page: a few seconds of reading, time enough to kill it


@pytest.fixture
def queue_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'queue.sqlite3'}"


@pytest.fixture
def queued_app(app: Flask, queue_url: str) -> Iterator[Flask]:
    """The suite's database with a queue file a worker process can share."""
    queued = create_app(
        {
            "ENV_NAME": "testing",
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "QUEUE_URL": queue_url,
            "HUEY_NAME": f"reciprocal-lost-{uuid.uuid4().hex[:10]}",
            "DEMO_LMS_ENABLED": False,
        }
    )
    yield queued
    with queued.app_context():
        db.engine.dispose()


@pytest.fixture
def worker(queued_app: Flask, tmp_path: Path) -> Iterator[subprocess.Popen]:
    """``flask worker`` in its own process, on the same database and queue file."""
    config = queued_app.config
    env = {
        **os.environ,
        "RECIPROCAL_ENV": "development",
        "DATABASE_URL": config["SQLALCHEMY_DATABASE_URI"],
        "QUEUE_URL": config["QUEUE_URL"],
        "HUEY_NAME": config["HUEY_NAME"],
        "SECRET_KEY": "test-secret-key",
        "DEMO_LMS_ENABLED": "0",
        "ROSTER_SYNC_PAGE_SIZE": "1",
        "JOB_HEARTBEAT_SECONDS": "0.2",
        # Other tests' job ledger entries share this database: this worker leaves them alone.
        "JOB_LEDGER_GRACE_SECONDS": "10000000",
        "JOB_LEDGER_LEASE_SECONDS": "10000000",
        "LOG_LEVEL": "WARNING",
    }
    log = (tmp_path / "worker.log").open("w")
    process = subprocess.Popen(
        [str(FLASK), "--app", "lti_tool", "worker", "--workers", "1"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    yield process
    if process.poll() is None:
        process.kill()
    process.wait(timeout=10)
    log.close()


def sync_row(app: Flask, sync_id: int) -> RosterSync:
    with app.app_context():
        row = db.session.get(RosterSync, sync_id)
        db.session.expunge(row)
        return row


def test_sync_now_replaces_a_sync_whose_worker_was_killed(
    spec: Platform,
    app: Flask,
    live_server: LiveServer,
    queued_app: Flask,
    worker,
    monkeypatch,
    tmp_path: Path,
) -> None:
    course = make_course(spec, LEARNERS)
    run_sync(app, course.course_id)  # the designer launch's sync: the course is known
    with queued_app.app_context():
        killed_id = queue_roster_sync(
            db.session.get(Course, course.course_id), trigger="manual", full=True
        ).id
        db.session.commit()  # sends the job to the worker

    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        row = sync_row(app, killed_id)
        if row.status == "running" and row.pages_read >= 2:
            break
        assert row.status in ("queued", "running"), row.error
        assert worker.poll() is None, (tmp_path / "worker.log").read_text()
        time.sleep(0.05)
    else:
        pytest.fail(f"the worker did not start the sync: {(tmp_path / 'worker.log').read_text()}")
    os.kill(worker.pid, signal.SIGKILL)  # mid-sync, no chance to clean up
    worker.wait(timeout=10)
    killed = sync_row(app, killed_id)
    assert killed.status == "running" and killed.members_seen < LEARNERS + 1

    # Long enough that the first "Sync now" below falls inside it even on a loaded machine.
    limit = 6
    monkeypatch.setitem(app.config, "JOB_HEARTBEAT_LOST_SECONDS", limit)
    http = requests.Session()
    roster_url = f"{live_server.tool_url}/s/{course.launch_id}/roster"

    def sync_now() -> int:
        page = http.get(roster_url, timeout=10)
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        answer = http.post(
            f"{roster_url}/sync",
            data={"csrf_token": csrf, "full": "1"},
            allow_redirects=False,
            timeout=10,
        )
        assert answer.status_code == 303
        return int(re.search(r"/syncs/(\d+)/progress$", answer.headers["Location"]).group(1))

    assert time.time() - killed.heartbeat_at.timestamp() < limit - 1, "the machine is too slow"
    assert sync_now() == killed_id  # within the limit it may still be alive: no double sync
    time.sleep(max(0.0, (killed.heartbeat_at.timestamp() + limit + 0.2) - time.time()))

    fresh_id = sync_now()
    assert fresh_id != killed_id
    status = http.get(f"{roster_url}/syncs/{killed_id}", timeout=10).json()
    assert status["status"] == "failed"
    assert re.fullmatch(
        r"The worker running this sync stopped \(no sign of life since "
        r"\d\d:\d\d UTC\); a new sync was started\.",
        status["error"],
    )
    assert "The sync failed and changed nothing." in status["message"]
    fresh = http.get(f"{roster_url}/syncs/{fresh_id}", timeout=10).json()
    assert fresh["status"] == "queued"
    get_huey(app).flush()  # the fresh sync's job waits in the suite's memory queue
