"""A tracked job's pulse: its heartbeat and progress, written from a side thread while it runs
(``keep_alive``), on a connection of its own so the job's open transaction never holds them."""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa

from lti_tool.core.time import utcnow
from lti_tool.extensions import db
from lti_tool.jobs.tracked import JobStatus, Limits, TrackedJob

log = logging.getLogger(__name__)


class Pulse:
    """The side thread behind ``keep_alive``: writes the heartbeat every ``interval`` seconds,
    and progress reported with ``report`` as soon as it can."""

    def __init__(self, job: TrackedJob, interval: float) -> None:
        self.table = type(job).__table__
        self.label = f"{type(job).__name__} {job.id}"
        self.job_id, self.interval, self.engine = job.id, interval, db.engine
        self.version = job.row_version  # taken over by another worker once it changes
        self.progress: dict[str, Any] = {}
        self.lock = threading.Lock()
        self.wake, self.stopped = threading.Event(), threading.Event()
        self.thread = threading.Thread(
            target=self._run, daemon=True, name=f"heartbeat-{self.table.name}-{job.id}"
        )

    def report(
        self,
        *,
        done: int | None = None,
        total: int | None = None,
        phase: str | None = None,
        **columns: Any,
    ) -> None:
        """Progress for the row, written by the thread right away (not in the job's
        transaction, which may hold the job's results until it commits); ``columns`` are
        further progress columns of the job's own table (a sync's ``pages_read``)."""
        values = {
            "progress_done": done,
            "progress_total": total,
            "phase": phase[:200] if phase is not None else None,
            **columns,
        }
        with self.lock:
            self.progress.update({k: v for k, v in values.items() if v is not None})
        self.wake.set()

    def _run(self) -> None:
        while True:
            self.wake.wait(self.interval)
            self.wake.clear()
            if self.stopped.is_set():
                return
            with self.lock:
                values, self.progress = {**self.progress, "heartbeat_at": utcnow()}, {}
            try:
                with self.engine.begin() as connection:
                    touched = connection.execute(
                        sa.update(self.table)
                        .where(
                            self.table.c.id == self.job_id,
                            self.table.c.status == JobStatus.RUNNING.value,
                            self.table.c.row_version == self.version,
                        )
                        .values(**values)
                    ).rowcount
            except Exception:  # the next beat may succeed; the job itself carries on
                log.exception("Heartbeat of %s failed", self.label)
                continue
            if not touched:
                return  # finished, declared lost or taken over: nothing to keep alive


@contextmanager
def keep_alive(job: TrackedJob, *, every: dt.timedelta | None = None) -> Iterator[Pulse]:
    """While the block runs, a side thread refreshes the job's heartbeat every ``every``
    (``JOB_HEARTBEAT_SECONDS``) through its own connection, so a long phase — one page that
    takes its time, a big solve, the final writes — keeps the job alive.

    The thread only touches a row that is still running and leaves ``row_version`` alone:
    it never hides a lost declaration or trips the job's own writes. It is never waited
    for, because on SQLite it may queue behind this very job's open write transaction.
    """
    pulse = Pulse(job, (every or Limits.from_config().beat_every).total_seconds())
    pulse.thread.start()
    try:
        yield pulse
    finally:
        pulse.stopped.set()
        pulse.wake.set()
