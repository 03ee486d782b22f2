"""Scheduled jobs are claimed per minute in the queue's store: two workers on one queue queue
each due job once (the topology test shows it with two real workers on Redis)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from huey import SqliteHuey, crontab

from lti_tool.jobs.periodic import claim, once_per_site


def two_workers_on_one_queue(path: Path) -> list[SqliteHuey]:
    workers = []
    for _ in range(2):
        huey = SqliteHuey("claims", filename=str(path))
        huey.periodic_task(crontab(minute="*/5"), name="every_five")(lambda: None)
        once_per_site(huey)
        workers.append(huey)
    return workers


def test_each_due_job_is_queued_by_one_worker_per_minute(tmp_path: Path) -> None:
    first, second = two_workers_on_one_queue(tmp_path / "queue.sqlite3")
    at = dt.datetime(2026, 3, 2, 10, 5, 17)

    assert [t.name for t in first.read_periodic(at)] == ["every_five"]
    assert second.read_periodic(at.replace(second=48)) == []  # same minute: already claimed
    assert first.read_periodic(at + dt.timedelta(minutes=1)) == []  # not due
    later = at + dt.timedelta(minutes=5)
    assert [t.name for t in second.read_periodic(later)] == ["every_five"]
    assert first.read_periodic(later) == []


def test_a_claim_is_cleared_a_day_later(tmp_path: Path) -> None:
    huey = SqliteHuey("claims", filename=str(tmp_path / "queue.sqlite3"))
    minute = dt.datetime(2026, 3, 2, 10, 5)

    assert claim(huey, "job", minute) and not claim(huey, "job", minute)
    assert claim(huey, "job", minute + dt.timedelta(days=1))
    assert claim(huey, "job", minute)  # the day-old claim was removed
