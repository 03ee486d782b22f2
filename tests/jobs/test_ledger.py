"""The job ledger: a durable job is a row with the change that asks for it, runs once, and is
sent again when the queue lost it (a send that failed, a worker that died)."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_migrate import upgrade

from lti_tool import create_app
from lti_tool.core.time import utcnow
from lti_tool.core.transaction import unit_of_work
from lti_tool.extensions import db
from lti_tool.jobs import get_huey, run_pending_jobs
from lti_tool.jobs.ledger import ClaimLost, LedgerEntry, claim, finish
from lti_tool.jobs.queue import jobs_of, requeue_lost_jobs
from tests.support.databases import throwaway_database
from tests.support.fault_jobs import count_once, count_then_fail, times_counted


@pytest.fixture(scope="module")
def ledger_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """An app of its own (database and in-memory queue): no other test's jobs in its ledger."""
    with throwaway_database(tmp_path_factory.mktemp("ledger")) as url:
        app = create_app(
            {"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": url, "DEMO_LMS_ENABLED": False}
        )
        with app.app_context():
            upgrade()
        yield app
        with app.app_context():
            db.engine.dispose()


@pytest.fixture
def app(ledger_app: Flask) -> Iterator[Flask]:
    get_huey(ledger_app).flush()
    with ledger_app.app_context():
        db.session.execute(sa.update(LedgerEntry).values(status="done"))  # earlier tests' rows
        db.session.commit()
    yield ledger_app
    get_huey(ledger_app).flush()


def entries(app: Flask) -> list[LedgerEntry]:
    with app.app_context():
        rows = db.session.scalars(
            sa.select(LedgerEntry).where(LedgerEntry.status != "done").order_by(LedgerEntry.id)
        ).all()
        db.session.expunge_all()
        return list(rows)


def entry(app: Flask, entry_id: int) -> LedgerEntry:
    with app.app_context():
        row = db.session.get(LedgerEntry, entry_id)
        db.session.expunge(row)
        return row


def counted(app: Flask, key: str) -> int:
    with app.app_context():
        return times_counted(key)


def ask(app: Flask, key: str, job=count_once) -> int:
    """Enqueue ``job(key)`` in a unit of work, as a request would; its ledger entry id."""
    with app.app_context(), unit_of_work():
        job.enqueue(key)
    with app.app_context():
        return db.session.scalars(sa.select(sa.func.max(LedgerEntry.id))).one()


def sweep(app: Flask) -> int:
    with app.app_context(), unit_of_work():
        return requeue_lost_jobs()


def key() -> str:
    return uuid.uuid4().hex


def test_a_durable_job_is_recorded_with_its_change_and_dropped_with_it(app: Flask) -> None:
    mine = key()
    with pytest.raises(RuntimeError), app.app_context(), unit_of_work():
        count_once.enqueue(mine)
        raise RuntimeError("the request failed")
    assert entries(app) == [] and get_huey(app).pending_count() == 0

    entry_id = ask(app, mine)
    [row] = entries(app)
    assert (row.id, row.job_name, row.args, row.status) == (
        entry_id,
        count_once.name,
        [mine],
        "pending",
    )
    assert get_huey(app).pending_count() == 1
    with app.app_context():
        assert run_pending_jobs() == 1
    done = entry(app, entry_id)
    assert (done.status, done.attempts) == ("done", 1) and done.finished_at is not None
    assert counted(app, mine) == 1


def test_a_job_the_queue_refused_waits_in_the_ledger_and_is_sent_again(
    app: Flask, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    huey = get_huey(app)

    def queue_down(task):
        raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(huey, "enqueue", queue_down)
    mine = key()
    with caplog.at_level(logging.ERROR, "lti_tool.jobs.after_commit"):
        entry_id = ask(app, mine)  # the commit stands; nothing is raised to the request
    assert "Could not send job" in caplog.text
    monkeypatch.undo()
    assert huey.pending_count() == 0 and entry(app, entry_id).status == "pending"

    assert sweep(app) == 0  # within the grace period: its message may still be on its way
    app.config["JOB_LEDGER_GRACE_SECONDS"] = 0
    try:
        assert sweep(app) == 1
    finally:
        app.config["JOB_LEDGER_GRACE_SECONDS"] = 120
    assert entry(app, entry_id).sends == 1
    with app.app_context():
        assert run_pending_jobs() == 1
    assert entry(app, entry_id).status == "done" and counted(app, mine) == 1


def test_duplicate_messages_run_the_job_once(app: Flask) -> None:
    mine = key()
    entry_id = ask(app, mine)
    task = jobs_of(app).tasks[count_once.name]
    task(mine, ledger_id=entry_id)  # e.g. the sweeper sent it while the first was waiting
    task(mine, ledger_id=entry_id)
    with app.app_context():
        assert run_pending_jobs() == 3
    assert counted(app, mine) == 1 and entry(app, entry_id).attempts == 1


def test_a_job_whose_worker_died_is_handed_to_another_and_the_first_keeps_nothing(
    app: Flask,
) -> None:
    mine = key()
    entry_id = ask(app, mine)
    get_huey(app).flush()  # worker A took the message…
    with app.app_context():
        claim_a = claim(entry_id)  # …claimed the entry, and went silent
        assert claim_a and claim_a.attempt == 1
        assert claim(entry_id) is None  # nobody else can claim it now
        db.session.execute(
            sa.update(LedgerEntry)
            .where(LedgerEntry.id == entry_id)
            .values(heartbeat_at=utcnow() - dt.timedelta(seconds=121))
        )
        db.session.commit()
    assert sweep(app) == 1  # lease (120 s) over: handed back and sent again
    with app.app_context():
        assert run_pending_jobs() == 1  # worker B
    assert counted(app, mine) == 1 and entry(app, entry_id).status == "done"

    # Worker A was alive after all: its finish is refused, and its unit rolls back.
    with pytest.raises(ClaimLost), app.app_context(), unit_of_work():
        count_once.func(mine)
        finish(entry_id, claim_a.token)
    assert counted(app, mine) == 1


def test_a_running_job_with_a_fresh_heartbeat_is_left_alone(app: Flask) -> None:
    entry_id = ask(app, key())
    get_huey(app).flush()
    with app.app_context():
        assert claim(entry_id)
    assert sweep(app) == 0 and entry(app, entry_id).status == "running"


def test_a_failing_job_is_retried_then_failed_and_keeps_nothing(app: Flask) -> None:
    mine = key()
    app.config["JOB_LEDGER_MAX_ATTEMPTS"] = 2
    app.config["JOB_LEDGER_GRACE_SECONDS"] = 0
    try:
        entry_id = ask(app, mine, count_then_fail)
        with app.app_context():
            run_pending_jobs()
        first = entry(app, entry_id)
        assert (first.status, first.attempts) == ("pending", 1)
        assert "this job always fails" in first.error
        assert sweep(app) == 1
        with app.app_context():
            run_pending_jobs()
        last = entry(app, entry_id)
        assert (last.status, last.attempts) == ("failed", 2) and last.finished_at
        assert sweep(app) == 0  # failed for good: not sent again
    finally:
        app.config["JOB_LEDGER_MAX_ATTEMPTS"] = 5
        app.config["JOB_LEDGER_GRACE_SECONDS"] = 120
    assert counted(app, mine) == 0


def test_the_worker_sends_lost_jobs_when_it_starts(app: Flask, tmp_path: Path) -> None:
    mine = key()
    entry_id = ask(app, mine)
    get_huey(app).flush()  # the queue lost it (Redis restarted empty, say)
    with app.app_context():
        db.session.execute(
            sa.update(LedgerEntry)
            .where(LedgerEntry.id == entry_id)
            .values(created_at=utcnow() - dt.timedelta(minutes=5))
        )
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["worker", "--burst"])
    assert result.exit_code == 0, result.output
    assert "Sent 1 lost job(s) to the queue again." in result.output
    assert counted(app, mine) == 1 and entry(app, entry_id).status == "done"


def test_done_entries_are_deleted_after_the_keep_days(app: Flask) -> None:
    entry_id = ask(app, key())
    with app.app_context():
        run_pending_jobs()
        db.session.execute(
            sa.update(LedgerEntry)
            .where(LedgerEntry.id == entry_id)
            .values(finished_at=utcnow() - dt.timedelta(days=8))
        )
        db.session.commit()
    sweep(app)
    with app.app_context():
        assert db.session.get(LedgerEntry, entry_id) is None
