"""Tracked jobs: a row that follows one background job from queued to done or failed.

A roster sync and a matching run are both a ``TrackedJob``: queued → running → done or
failed, with progress, an error in words, and a heartbeat. The worker running a job writes
``heartbeat_at`` as the job progresses and, from a side thread (``pulse.keep_alive``), at
least every ``JOB_HEARTBEAT_SECONDS`` while it lives. A job is *lost* when it sat queued longer
than ``JOB_QUEUED_LOST_SECONDS`` (its job was never sent, or no worker runs), or when it is
running with no heartbeat for ``JOB_HEARTBEAT_LOST_SECONDS`` (its worker was killed). A lost
job is marked failed with a sentence saying what happened, so a new request replaces it.

A job run through the job ledger (``run_by`` names its durable job) is not lost when its
worker dies: the ledger hands the job to another worker once the lease runs out, and that
worker, holding the ledger's claim, takes the "running" row over (``start``). The sweep leaves
such a row alone while the ledger still means to run it; a designer's new request still
replaces it at once (the handed-on job then finds its row failed and does nothing).

A job declared lost whose worker turns out to be alive after all can never overwrite the
failure or apply its result beside the new job: its next beat or its finish raises one of
``REFUSED`` — ``JobLost`` when the worker sees the row as failed, ``StaleDataError`` when the
row changed under it (every ORM write of the row is checked against ``row_version``,
SQLAlchemy's optimistic concurrency) — and the worker rolls its transaction back.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, ClassVar, TypeVar

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Mapped, declared_attr, mapped_column
from sqlalchemy.orm.exc import StaleDataError

from lti_tool.core.time import UTCDateTime, utcnow
from lti_tool.errors import DomainError
from lti_tool.extensions import db
from lti_tool.jobs.ledger import current_claim, live_args

log = logging.getLogger(__name__)


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


PENDING = (JobStatus.QUEUED.value, JobStatus.RUNNING.value)
FINISHED = (JobStatus.DONE.value, JobStatus.FAILED.value)


class JobLost(DomainError):
    """The job was marked failed elsewhere (declared lost) while this worker ran it."""


# What a worker meets when its job was declared lost: roll back, keep nothing.
REFUSED = (JobLost, StaleDataError)


@dataclass(frozen=True)
class Limits:
    """When a job counts as lost, and how often a live worker beats."""

    queued: dt.timedelta = dt.timedelta(minutes=15)
    silent: dt.timedelta = dt.timedelta(seconds=120)
    beat_every: dt.timedelta = dt.timedelta(seconds=20)

    @classmethod
    def from_config(cls, config: Mapping[str, Any] | None = None) -> Limits:
        config = current_app.config if config is None else config
        return cls(
            queued=dt.timedelta(seconds=float(config["JOB_QUEUED_LOST_SECONDS"])),
            silent=dt.timedelta(seconds=float(config["JOB_HEARTBEAT_LOST_SECONDS"])),
            beat_every=dt.timedelta(seconds=float(config["JOB_HEARTBEAT_SECONDS"])),
        )


class TrackedJob:
    """Columns and state changes shared by every tracked job (a declarative mixin).

    ``job_noun`` names the job in sentences ("sync", "matching run"). ``progress_done`` /
    ``progress_total`` count what the job has worked through (members read, phases) and
    ``phase`` says in words what it is doing now.
    """

    job_noun: ClassVar[str] = "job"
    # The durable job (``@job(durable=True)``) that runs a row, given its id; None if none.
    run_by: ClassVar[str | None] = None

    QUEUED: ClassVar[str] = JobStatus.QUEUED.value
    RUNNING: ClassVar[str] = JobStatus.RUNNING.value
    DONE: ClassVar[str] = JobStatus.DONE.value
    FAILED: ClassVar[str] = JobStatus.FAILED.value

    status: Mapped[str] = mapped_column(sa.String(20), default=JobStatus.QUEUED.value)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    heartbeat_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    progress_done: Mapped[int] = mapped_column(sa.Integer, default=0)
    progress_total: Mapped[int | None] = mapped_column(sa.Integer)
    phase: Mapped[str | None] = mapped_column(sa.String(200))
    error: Mapped[str | None] = mapped_column(sa.Text)
    row_version: Mapped[int] = mapped_column(sa.Integer)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        return {"version_id_col": cls.__table__.c.row_version}

    @property
    def is_pending(self) -> bool:
        return self.status in PENDING

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED

    # -- state changes ---------------------------------------------------------------------

    @property
    def may_start(self) -> bool:
        """Queued; or running while this worker holds the job's ledger claim, so the worker
        that started it lost its claim (killed): this one starts it over."""
        return self.status == JobStatus.QUEUED or (
            self.status == JobStatus.RUNNING and current_claim() is not None
        )

    def start(self, now: dt.datetime | None = None) -> None:
        """queued → running (or running again, taken over: see ``may_start``); the first
        heartbeat.

        :raise DomainError: the job may not start.
        """
        if not self.may_start:
            raise DomainError(f"This {self.job_noun} is {self.status}, not waiting to start.")
        now = now or utcnow()
        if self.status == JobStatus.RUNNING:
            log.warning("%s %s: its worker stopped; taken over", type(self).__name__, self.id)
            self.progress_done, self.progress_total, self.phase = 0, None, None
        self.status = JobStatus.RUNNING.value
        self.started_at = self.heartbeat_at = now
        self.error = None

    def beat(
        self,
        now: dt.datetime | None = None,
        *,
        done: int | None = None,
        total: int | None = None,
        phase: str | None = None,
    ) -> None:
        """A sign of life from the running job, with its progress so far.

        :raise JobLost: the job is no longer running (declared lost meanwhile).
        """
        self._ensure_running()
        self.heartbeat_at = now or utcnow()
        if done is not None:
            self.progress_done = done
        if total is not None:
            self.progress_total = total
        if phase is not None:
            self.phase = phase[:200]

    def complete(self, now: dt.datetime | None = None) -> None:
        """running → done (the caller records the outcome).

        :raise JobLost: the job was declared lost meanwhile.
        :raise DomainError: the job is not running.
        """
        self._ensure_running()
        self.status = JobStatus.DONE.value
        self.finished_at = now or utcnow()
        self.phase = None

    def _ensure_running(self) -> None:
        if self.status == JobStatus.FAILED:
            raise JobLost(f"This {self.job_noun} was stopped meanwhile: {self.error}")
        if self.status != JobStatus.RUNNING:
            raise DomainError(f"This {self.job_noun} is {self.status}, not running.")

    def fail(self, message: str, now: dt.datetime | None = None) -> None:
        """queued or running → failed; ``message`` says why, for the designer.

        :raise DomainError: the job already finished.
        """
        if not self.is_pending:
            raise DomainError(f"This {self.job_noun} is already {self.status}.")
        self.status = JobStatus.FAILED.value
        self.finished_at = now or utcnow()
        self.phase = None
        self.error = message[:2000]

    # -- lost jobs -------------------------------------------------------------------------

    @property
    def last_sign_of_life(self) -> dt.datetime:
        return self.heartbeat_at or self.started_at or self.created_at

    def silent_since(self, now: dt.datetime, limits: Limits) -> dt.datetime | None:
        """When a running job last showed life, if that is longer ago than allowed."""
        if self.status == JobStatus.RUNNING and self.last_sign_of_life < now - limits.silent:
            return self.last_sign_of_life
        return None

    def lost_reason(self, now: dt.datetime, limits: Limits) -> str | None:
        """Why the job counts as lost, in a sentence; None while it is not."""
        noun = self.job_noun
        if self.status == JobStatus.QUEUED and self.created_at < now - limits.queued:
            minutes = max(round(limits.queued.total_seconds() / 60), 1)
            return (
                f"No worker started this {noun} within {minutes} minute"
                f"{'s' if minutes != 1 else ''}: check that the tool's worker "
                "(flask worker) is running"
            )
        silent = self.silent_since(now, limits)
        if silent is not None:
            return (
                f"The worker running this {noun} stopped (no sign of life since "
                f"{clock(silent, now)})"
            )
        return None


Job = TypeVar("Job", bound=TrackedJob)


def clock(moment: dt.datetime, now: dt.datetime) -> str:
    """``10:42 UTC`` today, ``2026-11-22 10:42 UTC`` before."""
    if moment.date() == now.date():
        return moment.strftime("%H:%M UTC")
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def declare_lost(job: TrackedJob, reason: str, now: dt.datetime | None = None) -> bool:
    """Mark a pending ``job`` failed with ``reason`` — unless it changed meanwhile (a beat,
    its finish) in another transaction: one conditional UPDATE, so it never races its worker.
    Afterwards ``job`` holds the row as it is now. Returns whether it was marked."""
    model = type(job)
    if sa.inspect(job).modified:
        db.session.flush()  # its own changes first, so row_version below is current
    result = db.session.execute(
        sa.update(model)
        .where(model.id == job.id, model.row_version == job.row_version, model.status.in_(PENDING))
        .values(
            status=JobStatus.FAILED.value,
            error=reason[:2000],
            phase=None,
            finished_at=now or utcnow(),
            row_version=model.row_version + 1,
        )
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(job)
    return result.rowcount == 1


def pending_unless_lost(
    job: Job | None, *, now: dt.datetime | None = None, limits: Limits | None = None
) -> Job | None:
    """``job`` while it is queued or running and not lost; otherwise None.

    A lost job is marked failed, its reason ending "a new <job> was started": the caller
    starts one. A job that turns out to have changed meanwhile is judged as it is now.
    """
    if job is None or not job.is_pending:
        return None
    now = now or utcnow()
    limits = limits or Limits.from_config()
    reason = job.lost_reason(now, limits)
    if reason is None:
        return job
    if declare_lost(job, f"{reason}; a new {job.job_noun} was started.", now):
        log.warning("%s %s was lost: %s", type(job).__name__, job.id, reason)
        return None
    return job if job.is_pending else None


def reap_lost(
    model: type[Job], now: dt.datetime | None = None, *, limits: Limits | None = None
) -> list[Job]:
    """Mark every lost job of ``model`` failed, saying why; the jobs marked. A running job
    the job ledger will hand to another worker is not lost."""
    now = now or utcnow()
    limits = limits or Limits.from_config()
    candidates = db.session.scalars(
        sa.select(model).where(
            sa.or_(
                sa.and_(model.status == JobStatus.QUEUED, model.created_at < now - limits.queued),
                sa.and_(
                    model.status == JobStatus.RUNNING,
                    sa.func.coalesce(model.heartbeat_at, model.started_at, model.created_at)
                    < now - limits.silent,
                ),
            )
        )
    ).all()
    handed_on = live_args(model.run_by) if model.run_by else set()
    reaped = []
    for job in candidates:
        if job.status == JobStatus.RUNNING and (job.id,) in handed_on:
            continue  # its worker died, and the job ledger hands it to another
        reason = job.lost_reason(now, limits)
        if reason and declare_lost(job, f"{reason}.", now):
            log.warning("%s %s was lost: %s", model.__name__, job.id, reason)
            reaped.append(job)
    return reaped


def tracked_models() -> list[type[TrackedJob]]:
    """Every mapped TrackedJob class (the app imports all models)."""
    found, todo = [], list(TrackedJob.__subclasses__())
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if hasattr(cls, "__table__"):
            found.append(cls)
    return sorted(found, key=lambda cls: cls.__name__)
