"""The drain loop: claim due rows, keep the senders busy, record outcomes in bulk.

Sends are pipelined: new rows are claimed whenever the senders have room, and outcomes are
recorded as they come back (a few at a time), so one slow reply — a timeout — holds up
only its own sender, never a whole batch. Each column's URL and each course's platform
are looked up once per drain (again after ``TARGET_RECHECK_SECONDS``, and at once after a
send that did not go through, e.g. a 404 for a deleted column).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app

from lti_tool.core.time import utcnow
from lti_tool.core.transaction import discard
from lti_tool.extensions import db
from lti_tool.learning.grades.claims import (
    Claimed,
    Outcome,
    claim_due,
    record_outcomes,
    release_expired_leases,
)
from lti_tool.learning.grades.models import GradeSend, SendState
from lti_tool.learning.grades.sending import (
    DrainReport,
    Settings,
    column_url,
    send_one,
)
from lti_tool.platforms.models import Platform
from lti_tool.roster.models import Course

TARGET_RECHECK_SECONDS = 5.0
LEASE_SWEEP_SECONDS = 1.0
POLL_SECONDS = 0.25  # how often an idle or half-empty drain looks for newly due rows
_table = GradeSend.__table__


class _Targets:
    """Per drain, in the drain's own thread: column URLs and platforms, looked up once."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.urls: dict[tuple[int, str], tuple[str, float]] = {}
        self.platforms: dict[int, tuple[Platform, float]] = {}

    def url(self, row: Claimed) -> str | Outcome:
        key = (row.course_id, row.resource_id)
        known = self.urls.get(key)
        if known and known[1] > time.monotonic():
            return known[0]
        target = column_url(row, self.settings)
        if isinstance(target, str):
            self.urls[key] = (target, time.monotonic() + TARGET_RECHECK_SECONDS)
        return target

    def forget(self, row: Claimed) -> None:
        self.urls.pop((row.course_id, row.resource_id), None)

    def platform(self, course_id: int) -> Platform:
        known = self.platforms.get(course_id)
        if known and known[1] > time.monotonic():
            return known[0]
        course = db.session.get(Course, course_id)
        platform = db.session.get(Platform, course.platform_id)
        db.session.expunge(platform)  # read by the senders' threads; not expired by discard()
        self.platforms[course_id] = (platform, time.monotonic() + TARGET_RECHECK_SECONDS)
        return platform


def drain(*, until_idle: bool = True) -> DrainReport:
    """Send due rows until none is left; with ``until_idle``, wait (up to ``idle_wait``) for
    rows about to become due, within ``max_seconds``."""
    settings = Settings.from_config()
    report = DrainReport()
    app = current_app._get_current_object()
    stop_at = time.monotonic() + settings.max_seconds
    targets = _Targets(settings)
    capacity = max(settings.batch, 2 * settings.concurrency)
    refill = max(1, capacity // 4)
    in_flight: dict[Future, Claimed] = {}
    results: list[tuple[Claimed, Outcome]] = []
    next_sweep = next_claim = 0.0
    with _thread_pool(app, settings.concurrency) as pool:
        while True:
            now = time.monotonic()
            claiming = now < stop_at
            room = capacity - len(in_flight)
            if claiming and now >= next_claim and (room >= refill or not in_flight):
                if now >= next_sweep:
                    release_expired_leases()
                    next_sweep = now + LEASE_SWEEP_SECONDS
                wanted = min(settings.batch, room)
                claimed = claim_due(wanted, settings.lease)
                # Fewer than asked: nothing more is due now; look again after a while.
                next_claim = now + (POLL_SECONDS if len(claimed) < wanted else 0.0)
                for row in claimed:
                    target = targets.url(row)
                    if isinstance(target, Outcome):
                        results.append((row, target))
                        continue
                    platform = targets.platform(row.course_id)
                    in_flight[pool.submit(send_one, platform, target, row, settings)] = row
                discard()  # no snapshot kept between claims
            if in_flight:
                timeout = None
                if claiming and capacity - len(in_flight) >= refill:
                    timeout = max(0.0, next_claim - time.monotonic())
                finished, _ = wait(list(in_flight), timeout=timeout, return_when=FIRST_COMPLETED)
                for future in finished:
                    results.append((in_flight.pop(future), future.result()))
            if results and (len(results) >= refill or not in_flight):
                _record(results, targets, report)
                results = []
            if in_flight:
                continue
            if time.monotonic() >= stop_at:
                break
            if next_claim <= time.monotonic():
                continue  # the last claim was full: claim again
            # Nothing in flight, and nothing was due at the last claim.
            wait_for = _seconds_to_next_due() if until_idle else None
            discard()
            if wait_for is None or wait_for > settings.idle_wait:
                break
            time.sleep(min(max(wait_for, 0.02), POLL_SECONDS))
            next_claim = 0.0
    return report


def _record(results: list[tuple[Claimed, Outcome]], targets: _Targets, report: DrainReport) -> None:
    record_outcomes(results)
    discard()
    for row, outcome in results:
        report.add(outcome)
        if row.needs_check:
            report.checked += 1
        if outcome.state != SendState.SENT:
            targets.forget(row)  # a deleted column (404) is looked up again


def _seconds_to_next_due() -> float | None:
    soonest = db.session.execute(
        sa.select(
            sa.func.min(
                sa.case(
                    (_table.c.state == SendState.SENDING.value, _table.c.lease_until),
                    else_=_table.c.next_attempt_at,
                )
            )
        ).where(_table.c.state.in_((SendState.PENDING.value, SendState.SENDING.value)))
    ).scalar()
    if soonest is None:
        return None
    if isinstance(soonest, str):  # SQLite hands back text through a bare min()
        soonest = dt.datetime.fromisoformat(soonest)
    if soonest.tzinfo is None:
        soonest = soonest.replace(tzinfo=dt.UTC)
    return (soonest - utcnow()).total_seconds()


@contextmanager
def _thread_pool(app: Flask, size: int) -> Iterator[ThreadPoolExecutor]:
    """Senders, each send in an app context of its own: its session (and connection) is
    given back when the send ends, never left open in an idle thread."""

    class AppPool(ThreadPoolExecutor):
        def submit(self, fn, /, *args, **kwargs):  # type: ignore[no-untyped-def]
            return super().submit(_in_app_context, app, fn, *args, **kwargs)

    pool = AppPool(max_workers=size, thread_name_prefix="grades")
    try:
        yield pool
    finally:
        pool.shutdown(wait=True)


def _in_app_context(app: Flask, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    with app.app_context():
        return fn(*args, **kwargs)
