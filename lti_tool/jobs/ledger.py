"""The job ledger: jobs that must happen are rows first, messages in the queue second.

A durable job (``@job(durable=True)``: roster syncs, matching runs, any job that opts in) is
recorded as a ``LedgerEntry`` in the same transaction as the change that asks for it, and sent
to the queue after the commit with the entry's id. If the queue was down at that moment (Redis
stopped, a network cut), the message is lost but the row is not: the sweeper
(``requeue_lost``, every minute and when a worker starts) sends it again.

Each entry runs at most once to completion:

- the worker **claims** the entry with one conditional UPDATE (pending → running, a fresh
  claim token) on its own connection before the job starts; a duplicate message that finds the
  entry claimed, done or failed exits without running the job;
- the job's own unit of work marks the entry **done** (conditional on its claim token) just
  before it commits, so done-ness commits with the job's effects or not at all;
- a running job's worker refreshes ``heartbeat_at`` from a side thread; a worker killed
  mid-job leaves a running entry whose heartbeat stops. After ``JOB_LEDGER_LEASE_SECONDS`` the
  sweeper hands it back (pending, no claim) and sends it again. Should the first worker turn
  out to be alive, its finish finds another claim and its unit rolls back: nothing twice.
- a job that raises gives its claim back (pending) for the queue's retry or the sweeper, until
  ``JOB_LEDGER_MAX_ATTEMPTS`` runs have failed: then the entry is failed, with the error. A job
  whose workers keep dying is failed the same way, after as many claims.

While it runs, a job can ask for its claim (``current_claim``): a tracked job (``tracked.py``)
that finds its row still "running" under a claim of its own knows the worker that started it
lost its lease, and takes the row over (``TrackedJob.start``).
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import threading
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app
from sqlalchemy.orm import Mapped, mapped_column

from lti_tool.core.time import UTCDateTime, utcnow
from lti_tool.core.transaction import unit_of_work
from lti_tool.extensions import db

log = logging.getLogger(__name__)


class EntryStatus(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class LedgerEntry(db.Model):
    """One durable job asked for: its name, its arguments and how far it got."""

    __tablename__ = "job_ledger"

    id: Mapped[int] = mapped_column(primary_key=True)
    job_name: Mapped[str] = mapped_column(sa.String(200))
    args: Mapped[list] = mapped_column(sa.JSON, default=list)
    status: Mapped[str] = mapped_column(sa.String(20), default=EntryStatus.PENDING.value)
    attempts: Mapped[int] = mapped_column(sa.Integer, default=0)
    sends: Mapped[int] = mapped_column(sa.Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    claimed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    heartbeat_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    claim_token: Mapped[str | None] = mapped_column(sa.String(64))
    error: Mapped[str | None] = mapped_column(sa.Text)

    __table_args__ = (sa.Index("ix_job_ledger_status_created_at", "status", "created_at"),)

    def __repr__(self) -> str:
        return f"<LedgerEntry {self.id} {self.job_name} {self.status}>"


TABLE = LedgerEntry.__table__


@dataclass(frozen=True)
class Claim:
    """The ledger entry a running job holds: ``attempt`` 1 is its first claim."""

    entry_id: int
    token: str
    attempt: int


_current_claim: ContextVar[Claim | None] = ContextVar("ledger_claim", default=None)


def current_claim() -> Claim | None:
    """The claim of the durable job running here; None outside one (a direct call)."""
    return _current_claim.get()


LIVE = (EntryStatus.PENDING.value, EntryStatus.RUNNING.value)


def live_args(job_name: str) -> set[tuple[Any, ...]]:
    """The arguments of every entry of ``job_name`` the ledger will still run (pending or
    running): it sends them, or hands them on when their worker dies."""
    rows = db.session.scalars(
        sa.select(LedgerEntry.args).where(
            LedgerEntry.job_name == job_name, LedgerEntry.status.in_(LIVE)
        )
    )
    return {tuple(args) for args in rows}


class ClaimLost(Exception):
    """The entry was handed to another worker while this one ran it (its lease ran out)."""


def record(job_name: str, args: tuple[Any, ...]) -> int:
    """Add a pending entry to the current transaction; its id (for the queue's message)."""
    entry = LedgerEntry(
        job_name=job_name, args=list(args), status=EntryStatus.PENDING.value, created_at=utcnow()
    )
    db.session.add(entry)
    db.session.flush()
    return entry.id


def claim(entry_id: int) -> Claim | None:
    """Claim a pending entry for this worker on a connection of its own, committed at once;
    None when the entry is not pending (done, failed, claimed)."""
    token = secrets.token_hex(16)
    now = utcnow()
    with db.engine.begin() as connection:
        attempts = connection.execute(
            sa.update(TABLE)
            .where(TABLE.c.id == entry_id, TABLE.c.status == EntryStatus.PENDING.value)
            .values(
                status=EntryStatus.RUNNING.value,
                claim_token=token,
                claimed_at=now,
                heartbeat_at=now,
                attempts=TABLE.c.attempts + 1,
            )
            .returning(TABLE.c.attempts)
        ).scalar_one_or_none()
    return Claim(entry_id, token, attempts) if attempts is not None else None


def finish(entry_id: int, token: str) -> None:
    """Mark the entry done in the job's own unit of work (it commits with the job's effects).

    :raise ClaimLost: another worker holds the entry now; the unit must roll back.
    """
    done = db.session.execute(
        sa.update(TABLE)
        .where(
            TABLE.c.id == entry_id,
            TABLE.c.claim_token == token,
            TABLE.c.status == EntryStatus.RUNNING.value,
        )
        .values(status=EntryStatus.DONE.value, finished_at=utcnow(), error=None)
    ).rowcount
    if done != 1:
        raise ClaimLost(f"job ledger entry {entry_id} was handed to another worker")


def give_back(entry_id: int, token: str, error: str) -> None:
    """After a failed run: the entry is pending again (for a retry), or failed once it has
    used up ``JOB_LEDGER_MAX_ATTEMPTS``. Its own connection, committed at once."""
    max_attempts = current_app.config["JOB_LEDGER_MAX_ATTEMPTS"]
    now = utcnow()
    with db.engine.begin() as connection:
        connection.execute(
            sa.update(TABLE)
            .where(TABLE.c.id == entry_id, TABLE.c.claim_token == token)
            .values(
                status=sa.case(
                    (TABLE.c.attempts >= max_attempts, EntryStatus.FAILED.value),
                    else_=EntryStatus.PENDING.value,
                ),
                finished_at=sa.case((TABLE.c.attempts >= max_attempts, now), else_=None),
                claim_token=None,
                last_sent_at=now,  # the queue's own retry comes first; the sweeper waits
                error=error[:2000],
            )
        )


class Heartbeat:
    """A side thread that refreshes a claimed entry's ``heartbeat_at`` on its own
    connection, so the sweeper can tell a running job from one whose worker died. Never
    waited for: on SQLite it may queue behind the job's own write transaction."""

    def __init__(self, entry_id: int, token: str, interval: float) -> None:
        self.entry_id, self.token, self.interval = entry_id, token, interval
        self.engine = db.engine
        self.stopped = threading.Event()
        self.thread = threading.Thread(
            target=self._run, daemon=True, name=f"ledger-heartbeat-{entry_id}"
        )

    def start(self) -> Heartbeat:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.stopped.set()

    def _run(self) -> None:
        while not self.stopped.wait(self.interval):
            try:
                with self.engine.begin() as connection:
                    touched = connection.execute(
                        sa.update(TABLE)
                        .where(
                            TABLE.c.id == self.entry_id,
                            TABLE.c.claim_token == self.token,
                            TABLE.c.status == EntryStatus.RUNNING.value,
                        )
                        .values(heartbeat_at=utcnow())
                    ).rowcount
            except Exception:  # the next beat may succeed; the job itself carries on
                log.exception("Heartbeat of job ledger entry %s failed", self.entry_id)
                continue
            if not touched:
                return


Send = Callable[[LedgerEntry], None]


def requeue_lost(send: Send, now: dt.datetime | None = None) -> list[LedgerEntry]:
    """Send again what the queue lost, in the current unit of work (``send`` should park
    the message until the commit):

    - running entries whose heartbeat is older than ``JOB_LEDGER_LEASE_SECONDS`` (the worker
      died): handed back, pending with no claim, and sent at once — or failed, when they
      have used up ``JOB_LEDGER_MAX_ATTEMPTS`` claims (a job that kills its worker);
    - pending entries not sent for ``JOB_LEDGER_GRACE_SECONDS`` (the send failed, or its
      message went missing).

    Done entries older than ``JOB_LEDGER_KEEP_DAYS`` are deleted. Returns the entries sent.
    """
    config = current_app.config
    now = now or utcnow()
    lease = dt.timedelta(seconds=config["JOB_LEDGER_LEASE_SECONDS"])
    grace = dt.timedelta(seconds=config["JOB_LEDGER_GRACE_SECONDS"])
    max_attempts = config["JOB_LEDGER_MAX_ATTEMPTS"]
    abandoned = db.session.execute(
        sa.update(LedgerEntry)
        .where(
            LedgerEntry.status == EntryStatus.RUNNING.value,
            sa.func.coalesce(LedgerEntry.heartbeat_at, LedgerEntry.claimed_at) < now - lease,
        )
        .values(
            status=sa.case(
                (LedgerEntry.attempts >= max_attempts, EntryStatus.FAILED.value),
                else_=EntryStatus.PENDING.value,
            ),
            finished_at=sa.case((LedgerEntry.attempts >= max_attempts, now), else_=None),
            claim_token=None,
            last_sent_at=None,
            error=sa.case(
                (
                    LedgerEntry.attempts >= max_attempts,
                    f"Its worker stopped while running it, {max_attempts} times; given up.",
                ),
                else_="Its worker stopped while running it (no heartbeat); sent again.",
            ),
        )
        .returning(LedgerEntry.id)
        .execution_options(synchronize_session=False)
    ).scalars()
    abandoned_ids = set(abandoned)
    due = db.session.scalars(
        sa.select(LedgerEntry)
        .where(
            LedgerEntry.status == EntryStatus.PENDING.value,
            sa.or_(
                LedgerEntry.id.in_(abandoned_ids),
                sa.func.coalesce(LedgerEntry.last_sent_at, LedgerEntry.created_at) <= now - grace,
            ),
        )
        .order_by(LedgerEntry.id)
        .execution_options(populate_existing=True)
    ).all()
    for entry in due:
        entry.last_sent_at = now
        entry.sends += 1
        send(entry)
        log.warning(
            "Job %s (ledger entry %s) %s; sent to the queue again",
            entry.job_name,
            entry.id,
            "lost its worker" if entry.id in abandoned_ids else "never reached a worker",
        )
    keep = dt.timedelta(days=config["JOB_LEDGER_KEEP_DAYS"])
    db.session.execute(
        sa.delete(LedgerEntry)
        .where(LedgerEntry.status == EntryStatus.DONE.value, LedgerEntry.finished_at < now - keep)
        .execution_options(synchronize_session=False)
    )
    return due


def counts() -> dict[str, int]:
    """Entries by status (for metrics and the CLI)."""
    rows = db.session.execute(
        sa.select(LedgerEntry.status, sa.func.count()).group_by(LedgerEntry.status)
    )
    return {status: count for status, count in rows}


def run_recorded(app: Flask, func: Callable[..., Any], args: tuple[Any, ...], entry_id: int) -> Any:
    """Run a durable job's message: claim its entry, run the job as one unit of work that
    also marks the entry done, give the claim back if it raises. A message whose entry is
    not pending (a duplicate, or one already run) runs nothing."""
    with app.app_context():
        held = claim(entry_id)
        if held is None:
            log.info("Job ledger entry %s is not pending (run already); skipped", entry_id)
            return None
        token = held.token
        beat_every = max(app.config["JOB_LEDGER_LEASE_SECONDS"] / 4, 0.2)
        heartbeat = Heartbeat(entry_id, token, beat_every).start()
        claim_set = _current_claim.set(held)
        try:
            with app.app_context(), unit_of_work():
                result = func(*args)
                finish(entry_id, token)
            return result
        except ClaimLost:
            log.warning(
                "Job ledger entry %s was handed to another worker while this one ran it; "
                "its work is discarded",
                entry_id,
            )
            return None
        except BaseException as exc:
            try:
                give_back(entry_id, token, f"{type(exc).__name__}: {exc}")
            except Exception:  # the database itself is away: the lease hands it on later
                log.exception("Could not give back job ledger entry %s", entry_id)
            raise
        finally:
            _current_claim.reset(claim_set)
            heartbeat.stop()
