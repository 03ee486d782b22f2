"""The background queue on real storage: the embedded SQLite file and Redis.

Jobs are sent only after the transaction commits and never after a rollback; a real Huey
consumer picks them up and runs them in their own app context.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis
import sqlalchemy as sa
from flask import Flask

from lti_tool import create_app
from lti_tool.extensions import db
from lti_tool.jobs import get_huey, job, run_pending_jobs
from lti_tool.jobs.after_commit import pending
from lti_tool.platforms.models import Platform
from lti_tool.roster.models import Course

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@job
def retitle_course(course_id: int, title: str) -> None:
    """A job as STYLE.md wants them: load by id, change, commit once."""
    course = db.session.get(Course, course_id)
    course.title = title
    db.session.commit()


def redis_available() -> None:
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError as exc:
        message = f"Redis is not reachable at {REDIS_URL}: {exc}"
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(params=["sqlite", "redis"])
def queue_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "redis":
        redis_available()
        return REDIS_URL
    return f"sqlite:///{tmp_path / 'queue.sqlite3'}"


def queue_app(app: Flask, queue_url: str, **config: object) -> Flask:
    """An app on the suite's database with its own queue (a unique name: no crosstalk).

    The suite's job ledger holds other tests' entries, whose messages wait in the suite app's
    queue: this app's worker never sweeps them (tests/jobs/test_ledger.py tests the sweep)."""
    return create_app(
        {
            "ENV_NAME": "testing",
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "QUEUE_URL": queue_url,
            "HUEY_NAME": f"reciprocal-test-{uuid.uuid4().hex[:10]}",
            "JOB_LEDGER_GRACE_SECONDS": 10**7,
            "JOB_LEDGER_LEASE_SECONDS": 10**7,
            **config,
        }
    )


@pytest.fixture
def make_queue_app(app: Flask) -> Iterator[Callable[..., Flask]]:
    made: list[Flask] = []

    def make(queue_url: str, **config: object) -> Flask:
        made.append(queue_app(app, queue_url, **config))
        return made[-1]

    yield make
    for queued in made:
        with queued.app_context():
            with contextlib.suppress(redis.ConnectionError):  # the deliberately dead queue
                get_huey().storage.flush_all()
            db.engine.dispose()


def new_course(title: str = "Before") -> int:
    tag = uuid.uuid4().hex[:10]
    platform = Platform(
        name=f"Queue test {tag}",
        issuer=f"https://lms-{tag}.example",
        client_id=tag,
        auth_login_url="https://x.example/auth",
        auth_token_url="https://x.example/token",
        key_set_url="https://x.example/jwks",
    )
    course = Course(platform=platform, context_id=tag, title=title)
    db.session.add(course)
    db.session.commit()
    return course.id


def title_of(course_id: int) -> str | None:
    return db.session.scalar(sa.select(Course.title).where(Course.id == course_id))


def test_a_job_is_sent_only_when_the_transaction_commits(make_queue_app, queue_url) -> None:
    queued = make_queue_app(queue_url)
    with queued.app_context():
        huey = get_huey()
        course_id = new_course()
        db.session.get(Course, course_id).title = "Renamed in the same transaction"
        retitle_course.enqueue(course_id, "After")
        assert pending() and huey.pending_count() == 0  # held on the session, not sent
        db.session.commit()
        assert pending() == [] and huey.pending_count() == 1


def test_a_rolled_back_job_is_never_sent(make_queue_app, queue_url) -> None:
    queued = make_queue_app(queue_url)
    with queued.app_context():
        huey = get_huey()
        course_id = new_course()
        retitle_course.enqueue(course_id, "Never")
        db.session.rollback()
        assert pending() == []
        db.session.commit()  # a later commit does not resurrect it
        assert huey.pending_count() == 0
        assert title_of(course_id) == "Before"


def test_a_consumer_runs_the_job_for_real(make_queue_app, queue_url) -> None:
    queued = make_queue_app(queue_url)
    with queued.app_context():
        course_id = new_course()
        retitle_course.enqueue(course_id, "Done by the worker")
        db.session.commit()
        huey = get_huey()
    handlers = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    consumer = huey.create_consumer(
        workers=1, worker_type="thread", periodic=False, initial_delay=0.05, max_delay=0.2
    )
    consumer.start()
    try:
        deadline = time.monotonic() + 10
        with queued.app_context():
            while title_of(course_id) != "Done by the worker" and time.monotonic() < deadline:
                time.sleep(0.05)
                db.session.rollback()  # a fresh snapshot for the next look
            assert title_of(course_id) == "Done by the worker"
            assert huey.pending_count() == 0
    finally:
        consumer.stop(graceful=True)
        for signum, handler in handlers.items():
            signal.signal(signum, handler)


def test_immediate_mode_runs_the_job_after_the_commit(make_queue_app, tmp_path) -> None:
    queued = make_queue_app(f"sqlite:///{tmp_path / 'queue.sqlite3'}", HUEY_IMMEDIATE=True)
    with queued.app_context():
        course_id = new_course()
        retitle_course.enqueue(course_id, "Right away")
        assert title_of(course_id) == "Before"
        db.session.commit()
        db.session.rollback()
        assert title_of(course_id) == "Right away"  # in its own session, after ours


def test_a_queue_that_is_down_does_not_undo_the_commit(make_queue_app, caplog, monkeypatch) -> None:
    # Alembic's fileConfig (the suite ran the migrations) disables existing loggers.
    monkeypatch.setattr(logging.getLogger("lti_tool.jobs.after_commit"), "disabled", False)
    queued = make_queue_app("redis://127.0.0.1:1/0")
    with queued.app_context():
        course_id = new_course()
        db.session.get(Course, course_id).title = "Committed"
        retitle_course.enqueue(course_id, "Lost")
        with caplog.at_level(logging.ERROR, logger="lti_tool.jobs.after_commit"):
            db.session.commit()
        assert title_of(course_id) == "Committed"
    assert "Could not send job" in caplog.text


def test_run_pending_jobs_and_worker_burst(make_queue_app, tmp_path) -> None:
    queued = make_queue_app(f"sqlite:///{tmp_path / 'queue.sqlite3'}")
    with queued.app_context():
        first, second = new_course(), new_course()
        retitle_course.enqueue(first, "One")
        retitle_course.enqueue(second, "Two")
        db.session.commit()
        assert run_pending_jobs(limit=1) == 1
        db.session.rollback()
        assert (title_of(first), title_of(second)) == ("One", "Before")
    result = queued.test_cli_runner().invoke(args=["worker", "--burst"])
    assert result.exit_code == 0, result.output
    assert "Ran 1 job(s)" in result.output
    with queued.app_context():
        assert title_of(second) == "Two"


def test_the_scheduled_roster_sync_is_periodic(app: Flask) -> None:
    periodic = {t.__name__ for t in get_huey(app)._registry._periodic_tasks}
    assert "schedule_roster_syncs" in periodic


def test_an_unknown_queue_url_is_refused(app: Flask) -> None:
    with pytest.raises(RuntimeError, match="QUEUE_URL"):
        queue_app(app, "amqp://localhost/")
