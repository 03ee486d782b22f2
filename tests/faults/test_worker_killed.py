"""Fault: a ``flask worker`` is killed (SIGKILL) while it runs a durable job.

No job is lost: the killed worker's message is gone from Redis, but the job's ledger entry
stops beating, and the next worker hands it on and runs it. None is done twice: the killed
run's work was never committed, and a duplicate message finds the entry done and runs nothing
(the job counts its runs in audit rows).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask_migrate import upgrade

from lti_tool import create_app
from lti_tool.core.transaction import unit_of_work
from lti_tool.extensions import db
from lti_tool.jobs.ledger import LedgerEntry
from lti_tool.jobs.queue import jobs_of
from tests.support.databases import throwaway_database
from tests.support.fault_jobs import count_once, times_counted
from tests.support.private_services import PrivateRedis, private_redis

ROOT = Path(__file__).resolve().parents[2]
FLASK = Path(sys.executable).with_name("flask")
LEASE_SECONDS = 2


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[PrivateRedis]:
    with private_redis(tmp_path) as server:
        yield server


@pytest.fixture
def queued_app(tmp_path: Path, redis_server: PrivateRedis) -> Iterator[Flask]:
    with throwaway_database(tmp_path) as url:
        app = create_app(
            {
                "ENV_NAME": "testing",
                "SQLALCHEMY_DATABASE_URI": url,
                "QUEUE_URL": redis_server.url,
                "HUEY_NAME": f"reciprocal-killed-{uuid.uuid4().hex[:8]}",
                "DEMO_LMS_ENABLED": False,
            }
        )
        with app.app_context():
            upgrade()
        yield app
        with app.app_context():
            db.engine.dispose()


def start_worker(app: Flask, log: Path, *extra: str) -> subprocess.Popen:
    config = app.config
    env = {
        **os.environ,
        "RECIPROCAL_ENV": "development",
        "DATABASE_URL": config["SQLALCHEMY_DATABASE_URI"],
        "QUEUE_URL": config["QUEUE_URL"],
        "HUEY_NAME": config["HUEY_NAME"],
        "SECRET_KEY": "test-secret-key",
        "DEMO_LMS_ENABLED": "0",
        "JOB_LEDGER_LEASE_SECONDS": str(LEASE_SECONDS),
        "LOG_LEVEL": "INFO",
    }
    with log.open("a") as output:
        return subprocess.Popen(
            [str(FLASK), "--app", "tests.support.fault_jobs:make_app", "worker", *extra],
            env=env,
            cwd=ROOT,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def ledger_entry(app: Flask, entry_id: int) -> LedgerEntry:
    with app.app_context():
        row = db.session.get(LedgerEntry, entry_id)
        db.session.expunge(row)
        return row


def wait_for(predicate, what: str, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def test_a_job_whose_worker_is_killed_runs_once_on_the_next_worker(
    queued_app: Flask, tmp_path: Path
) -> None:
    app, log = queued_app, tmp_path / "worker.log"
    key, hold = uuid.uuid4().hex, tmp_path / "hold"
    hold.touch()  # the job waits mid-run while this file exists
    with app.app_context(), unit_of_work():
        count_once.enqueue(key, str(hold))
    with app.app_context():
        entry_id = db.session.scalar(db.select(db.func.max(LedgerEntry.id)))

    first = start_worker(app, log, "--workers", "1")
    try:
        wait_for(lambda: ledger_entry(app, entry_id).status == "running", "the first run")
        claimed = ledger_entry(app, entry_id)
        wait_for(  # alive: it beats, so nobody hands its job on
            lambda: ledger_entry(app, entry_id).heartbeat_at > claimed.heartbeat_at,
            "a heartbeat",
            timeout=LEASE_SECONDS * 3,
        )
    finally:
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
    hold.unlink()
    killed = ledger_entry(app, entry_id)
    assert (killed.status, killed.attempts) == ("running", 1)
    with app.app_context():
        assert times_counted(key) == 0  # its work was never committed

    # A duplicate message waits in the queue too (a retry, a sweep of another process).
    jobs_of(app).tasks[count_once.name](key, str(hold), ledger_id=entry_id)
    time.sleep(LEASE_SECONDS + 0.5)  # the killed worker's lease runs out

    second = start_worker(app, log, "--burst")  # sweeps at start, runs what is queued
    assert second.wait(timeout=40) == 0, log.read_text()[-3000:]
    output = log.read_text()
    assert "Sent 1 lost job(s) to the queue again." in output
    done = ledger_entry(app, entry_id)
    assert (done.status, done.attempts) == ("done", 2), done.error
    with app.app_context():
        assert times_counted(key) == 1  # once: not lost, not twice
    assert "is not pending (run already); skipped" in output
