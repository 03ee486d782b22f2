"""The app's Huey instance, and the jobs it runs.

``QUEUE_URL`` picks the storage: ``sqlite:///var/queue.sqlite3`` (embedded, the default: the
web processes and ``flask worker`` share one file), ``redis://host:6379/0`` (production,
several machines), or ``memory://`` (tests: jobs wait in this process until they are run).
``HUEY_IMMEDIATE`` runs each job in the sending process right after the commit.

Jobs are plain functions registered with ``@job`` / ``@periodic_job`` in a domain's
``tasks.py``, which ``create_app`` imports (the queue imports no domain). Each run gets its
own app context, hence its own database session, and is one unit of work
(``core.transaction``): a job loads rows by id and calls a service; the run commits when the
job returns and rolls back when it raises.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, overload

import redis
from flask import Flask, current_app
from huey import Huey, MemoryHuey, RedisHuey, SqliteHuey
from huey.api import Task, TaskWrapper

from lti_tool.core.sqlite import secure_file
from lti_tool.core.transaction import unit_of_work
from lti_tool.jobs import after_commit, ledger
from lti_tool.jobs.periodic import once_per_site, worker_name

log = logging.getLogger(__name__)

EXTENSION = "reciprocal.jobs"

# A periodic job's schedule: the app's config → huey's "is it due at this minute?" test.
Schedule = Callable[[Mapping[str, Any]], Callable[[dt.datetime], bool]]


@dataclass
class Job:
    """A function the worker runs inside an app context."""

    func: Callable[..., Any]
    retries: int = 0
    retry_delay: int = 0
    schedule: Schedule | None = None
    # Must happen: recorded in the job ledger with the change that asks for it (ledger.py).
    durable: bool = False

    @property
    def name(self) -> str:
        return f"{self.func.__module__}.{self.func.__name__}"

    def enqueue(self, *args: Any) -> None:
        """Send the job once the current transaction commits; never if it rolls back.

        Arguments must be JSON-like values (ids, not rows): the row is loaded by the job.
        A durable job is also recorded in the job ledger, in this transaction: if the queue
        cannot take it after the commit, the sweeper sends it later.
        """
        task = jobs_of(current_app).tasks[self.name]
        if not self.durable:
            after_commit.hold(lambda: task(*args), f"{self.name}{args!r}")
            return
        entry_id = ledger.record(self.name, args)
        after_commit.hold(
            lambda: task(*args, ledger_id=entry_id), f"{self.name}{args!r} (ledger {entry_id})"
        )

    def __call__(self, *args: Any) -> Any:
        """Run the job here and now, as a worker would: in an app context and unit of work
        of its own, committed before this returns (CLI, tests)."""
        return run_in_unit(current_app._get_current_object(), self.func, args)


_REGISTRY: dict[str, Job] = {}


@overload
def job(func: Callable[..., Any], /) -> Job: ...
@overload
def job(
    *, retries: int = 0, retry_delay: int = 0, durable: bool = False
) -> Callable[[Callable[..., Any]], Job]: ...
def job(
    func: Callable[..., Any] | None = None,
    /,
    *,
    retries: int = 0,
    retry_delay: int = 0,
    durable: bool = False,
) -> Job | Callable[[Callable[..., Any]], Job]:
    """Register ``func`` as a background job: ``@job``, ``@job(retries=2)``, or
    ``@job(durable=True)`` for a job that must happen (recorded in the job ledger)."""

    def register(f: Callable[..., Any]) -> Job:
        registered = Job(f, retries=retries, retry_delay=retry_delay, durable=durable)
        _REGISTRY[registered.name] = registered
        return registered

    return register(func) if func is not None else register


def periodic_job(schedule: Schedule) -> Callable[[Callable[[], Any]], Job]:
    """Register a job the worker runs on a schedule read from the config, e.g.
    ``@periodic_job(lambda config: crontab(minute="*/5"))``."""

    def register(f: Callable[[], Any]) -> Job:
        registered = Job(f, schedule=schedule)
        _REGISTRY[registered.name] = registered
        return registered

    return register


class TimedTask(Task):
    """A job whose id tells when it was sent: a version-1 UUID (with a random node, not the
    machine's address), so the metrics can read the age of the oldest waiting job."""

    def create_id(self) -> str:
        return str(uuid.uuid1(node=secrets.randbits(48) | 1 << 40))


_UUID_EPOCH = 0x01B21DD213814000  # 1582-10-15 to 1970-01-01 in 100 ns steps


def oldest_pending_age(huey: Huey, *, look_at: int = 20) -> float:
    """Seconds since the oldest of the next ``look_at`` waiting jobs was first sent; 0 when
    none is waiting (periodic jobs, sent by the worker itself, carry no time)."""
    sent = []
    for task in huey.pending(limit=look_at):
        try:
            task_id = uuid.UUID(str(task.id))
        except ValueError:
            continue
        if task_id.version == 1:
            sent.append((task_id.time - _UUID_EPOCH) / 1e7)
    return max(0.0, time.time() - min(sent)) if sent else 0.0


@dataclass
class Jobs:
    """What ``init_jobs`` leaves in ``app.extensions``."""

    huey: Huey
    tasks: dict[str, TaskWrapper] = field(default_factory=dict)


def make_huey(url: str, *, name: str = "reciprocal", immediate: bool = False) -> Huey:
    """A Huey instance for a ``QUEUE_URL``.

    :raise RuntimeError: a URL scheme the queue does not support.
    """
    scheme = url.split(":", 1)[0].lower()
    options: dict[str, Any] = {"results": False, "immediate": immediate}
    if scheme == "sqlite":
        path = Path(url.removeprefix("sqlite:///"))
        secure_file(path)  # 0600 in a 0700 directory, like the database
        return SqliteHuey(name, filename=str(path), **options)
    if scheme in {"redis", "rediss", "unix"}:
        # A Redis that hangs must not hang a request's after-commit send (it is logged, and
        # the ledger's sweeper sends durable jobs later); 10 s > the consumer's 1 s BRPOP.
        pool = redis.ConnectionPool.from_url(url, socket_connect_timeout=3, socket_timeout=10)
        return RedisHuey(name, connection_pool=pool, **options)
    if scheme == "memory":
        return MemoryHuey(name, **options)
    raise RuntimeError(
        f"QUEUE_URL {url!r} is not supported: use sqlite:///<file>, redis://<host>/<db> "
        "or memory://"
    )


def init_jobs(app: Flask) -> Jobs:
    """Create the app's queue and bind every registered job to it (the domains' tasks
    modules are imported first, by ``create_app``)."""
    config = app.config
    huey = make_huey(
        config["QUEUE_URL"], name=config["HUEY_NAME"], immediate=config["HUEY_IMMEDIATE"]
    )
    once_per_site(huey)  # several workers: each scheduled job runs once, not once per worker
    jobs = Jobs(huey)
    for registered in _REGISTRY.values():
        jobs.tasks[registered.name] = _bind(app, huey, registered)
    app.extensions[EXTENSION] = jobs
    return jobs


def run_in_unit(app: Flask, func: Callable[..., Any], args: tuple[Any, ...]) -> Any:
    """``func(*args)`` in a fresh app context (a fresh database session) as one unit of work."""
    with app.app_context(), unit_of_work():
        return func(*args)


def _bind(app: Flask, huey: Huey, registered: Job) -> TaskWrapper:
    def run(*args: Any, ledger_id: int | None = None) -> Any:
        # Which process ran which job (arguments are ids): several workers share a queue.
        log.info("Running job %s%r in %s", registered.name, args, worker_name())
        if ledger_id is not None:
            return ledger.run_recorded(app, registered.func, args, ledger_id)
        return run_in_unit(app, registered.func, args)

    run.__module__ = registered.func.__module__
    run.__doc__ = registered.func.__doc__
    name = registered.func.__name__
    if registered.schedule is not None:
        return huey.periodic_task(registered.schedule(app.config), name=name)(run)
    return huey.task(
        name=name,
        retries=registered.retries,
        retry_delay=registered.retry_delay,
        task_base=TimedTask,
    )(run)


def jobs_of(app: Flask) -> Jobs:
    """The app's queue and bound jobs.

    :raise RuntimeError: ``init_jobs`` was not called for this app.
    """
    try:
        return app.extensions[EXTENSION]
    except KeyError:
        raise RuntimeError("The job queue is not set up: create_app() calls init_jobs().") from None


def send_entry(entry: ledger.LedgerEntry) -> None:
    """Send a ledger entry's message once the current transaction commits (the sweeper)."""
    task = jobs_of(current_app).tasks.get(entry.job_name)
    if task is None:
        entry.status = ledger.EntryStatus.FAILED.value
        entry.error = f"No job named {entry.job_name} is registered in this version."
        return
    entry_id, args = entry.id, tuple(entry.args)
    after_commit.hold(
        lambda: task(*args, ledger_id=entry_id), f"{entry.job_name} (ledger {entry_id})"
    )


def requeue_lost_jobs() -> int:
    """Send again every durable job the queue lost (``ledger.requeue_lost``), in the
    current unit of work; how many were sent."""
    return len(ledger.requeue_lost(send_entry))


def get_huey(app: Flask | None = None) -> Huey:
    return jobs_of(app or current_app).huey


def run_pending_jobs(huey: Huey | None = None, *, limit: int | None = None) -> int:
    """Run the jobs waiting in the queue, in this process, until it is empty (or ``limit``
    jobs ran); jobs they send are run too. Returns how many ran."""
    huey = huey or get_huey()
    ran = 0
    while limit is None or ran < limit:
        task = huey.dequeue()
        if task is None:
            break
        huey.execute(task)
        ran += 1
    return ran
