"""Sending one claimed row of the grade outbox to the LMS, and what its answer means (the
loop that claims and records: ``draining``).

- **Claims** are atomic (``UPDATE … WHERE state = 'pending'``, the due rows picked with
  ``FOR UPDATE SKIP LOCKED`` on PostgreSQL; SQLite's writers take turns) and committed at
  once, so two workers never send the same row; a claim carries a lease. A row whose
  worker died keeps ``sending`` until its lease ends, then is pending again with
  ``needs_check``.
- **Exactly once.** A try that may have reached the LMS without an answer (timeout, dropped
  connection, 502/504, a worker killed mid-send) sets ``needs_check``: the next try reads
  the person's result first and posts only when this value is not there. A worker never
  posts with less than one timeout left on its lease. A new value arriving meanwhile raises
  the row's ``version``, so a send of the old version never marks it sent.
- **Faults.** 5xx, timeouts, connection errors and 401s (after the service client's one
  fresh token) are retried with exponential backoff and jitter; after a 429 or Canvas's 403
  "Rate Limit Exceeded" the send waits ``Retry-After`` (not counted as an attempt) and the
  platform's sends in flight are halved, growing back with successes;
  a 404 means the column was deleted: it is found or made again; other refusals (Moodle's
  400 "Incorrect score received", 403 scope not granted …) fail for good, with the LMS's
  words, until a designer sends them again.
"""

from __future__ import annotations

import datetime as dt
import random
import threading
import time
from dataclasses import dataclass

from flask import current_app

from lti_tool.core.http import http_timeout
from lti_tool.core.lti_spec import AGS_SCORE, SCORE_MEDIA
from lti_tool.core.time import utcnow
from lti_tool.errors import ReciprocalError
from lti_tool.extensions import db
from lti_tool.learning.ags import Score, read_results
from lti_tool.learning.grades.claims import Claimed, Outcome
from lti_tool.learning.grades.line_items import (
    Column,
    ensure_column,
    mark_column_missing,
    path_column,
    step_column,
)
from lti_tool.learning.grades.models import GradeSend, SendState
from lti_tool.learning.models import Path, Step
from lti_tool.platforms.models import Platform
from lti_tool.platforms.service_client import ServiceCallFailed, service_request

CANVAS_SUBMISSION = "https://canvas.instructure.com/lti/submission"
MAX_ATTEMPTS = 10
MAX_COLUMN_MISSES = 3
THROTTLED = "Throttled:"
_table = GradeSend.__table__


@dataclass(frozen=True)
class Settings:
    batch: int
    concurrency: int
    lease: float
    retry_base: float
    retry_cap: float
    idle_wait: float
    max_seconds: float

    @classmethod
    def from_config(cls) -> Settings:
        config = current_app.config
        timeout = http_timeout()
        return cls(
            batch=int(config.get("GRADE_SEND_BATCH", 40)),
            concurrency=int(config.get("GRADE_SEND_CONCURRENCY", 8)),
            lease=float(config.get("GRADE_SEND_LEASE_SECONDS") or 12 * timeout + 30),
            retry_base=float(config.get("GRADE_RETRY_BASE_SECONDS", 2)),
            retry_cap=float(config.get("GRADE_RETRY_CAP_SECONDS", 900)),
            idle_wait=float(config.get("GRADE_DRAIN_IDLE_SECONDS", 5)),
            max_seconds=float(config.get("GRADE_DRAIN_MAX_SECONDS", 240)),
        )


@dataclass
class DrainReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    checked: int = 0
    deferred: int = 0

    def add(self, outcome: Outcome, deferred: bool = False) -> None:
        if deferred:
            self.deferred += 1
        elif outcome.state == SendState.SENT:
            self.sent += 1
        elif outcome.state == SendState.FAILED:
            self.failed += 1
        else:
            self.retrying += 1


class _PlatformPace:
    """Per platform, in this process: how many sends may be in flight. Halved by a throttle
    reply (429, Canvas's 403), grown back by one per window of successes (AIMD), so a
    throttling LMS gets fewer requests while the refused ones wait its Retry-After. As in
    TCP, one cut per window: throttle replies to sends that started before the last cut
    answer the old pace and do not cut it again, nor does any within ``spacing`` seconds of
    it (the LMS's usual Retry-After: a burst of refusals is one signal, not many)."""

    def __init__(self, spacing: float = 1.0) -> None:
        self.spacing = spacing
        self.changed = threading.Condition()
        self.limit: dict[int, float] = {}
        self.active: dict[int, int] = {}
        self.cut_at: dict[int, float] = {}

    def acquire(self, platform_id: int, ceiling: int) -> float:
        """Wait for room; the send's start (to hand back to ``release``)."""
        with self.changed:
            while self.active.get(platform_id, 0) >= max(
                1, int(self.limit.setdefault(platform_id, float(ceiling)))
            ):
                self.changed.wait(0.5)
            self.active[platform_id] = self.active.get(platform_id, 0) + 1
            return time.monotonic()

    def release(self, platform_id: int, ceiling: int, started: float, *, throttled: bool) -> None:
        with self.changed:
            self.active[platform_id] -= 1
            limit = self.limit.get(platform_id, float(ceiling))
            if not throttled:
                limit = min(float(ceiling), limit + 1 / limit)
            else:
                last_cut, now = self.cut_at.get(platform_id), time.monotonic()
                if last_cut is None or (started > last_cut and now - last_cut >= self.spacing):
                    limit = max(1.0, limit / 2)
                    self.cut_at[platform_id] = now
            self.limit[platform_id] = limit
            self.changed.notify_all()


_pace = _PlatformPace()


# -- sending ----------------------------------------------------------------------------


def column_of(row: Claimed | GradeSend) -> Column:
    if row.step_id is not None:
        return step_column(row.course_id, db.session.get(Step, row.step_id))
    return path_column(row.course_id, db.session.get(Path, row.path_id))


def column_url(row: Claimed, settings: Settings) -> str | Outcome:
    try:
        return ensure_column(row.course_id, column_of(row))
    except ServiceCallFailed as exc:
        return classify(exc, row, settings)
    except ReciprocalError as exc:
        return _failed(row, str(exc))


def score_for(platform: Platform, row: Claimed) -> Score:
    extensions = None
    if (platform.product_family or "").lower() == "canvas":
        extensions = {
            CANVAS_SUBMISSION: {
                "new_submission": True,
                "submission_type": "none",
                "submitted_at": row.submitted_at.isoformat(timespec="milliseconds"),
            }
        }
    return Score(
        user_id=row.user_id,
        score_given=row.score_given,
        score_maximum=row.score_maximum,
        timestamp=row.timestamp,
        submitted_at=row.submitted_at,
        extensions=extensions,
    )


def send_one(platform: Platform, url: str, row: Claimed, settings: Settings) -> Outcome:
    """Check (when a try may have landed) and post one score; never raises."""
    started = _pace.acquire(platform.id, settings.concurrency)
    throttled = False
    try:
        outcome = _check_and_post(platform, url, row, settings)
        throttled = (outcome.last_error or "").startswith(THROTTLED)
    except Exception as exc:  # e.g. the database briefly away: this row waits, not the batch
        outcome = _retry(row, settings, f"{type(exc).__name__}", needs_check=True)
    finally:
        _pace.release(platform.id, settings.concurrency, started, throttled=throttled)
    return outcome


def _check_and_post(platform: Platform, url: str, row: Claimed, settings: Settings) -> Outcome:
    try:
        if row.needs_check and has_landed(platform, url, row):
            return Outcome(SendState.SENT, row.attempts, sent_at=utcnow())
        if (row.lease_until - utcnow()).total_seconds() < http_timeout() + 1:
            return _deferred(row, 0)  # no time left to be sure of the answer: next claim
        score = score_for(platform, row)
        service_request(
            platform,
            "POST",
            _scores_url(url),
            (AGS_SCORE,),
            accept="application/json",
            content_type=SCORE_MEDIA,
            body=score.as_json(),
        )
    except ServiceCallFailed as exc:
        return classify(exc, row, settings)
    except ReciprocalError as exc:
        return _retry(row, settings, str(exc), needs_check=row.needs_check)
    return Outcome(SendState.SENT, row.attempts, sent_at=utcnow())


def _scores_url(lineitem_url: str) -> str:
    base, _, query = lineitem_url.partition("?")
    return f"{base.rstrip('/')}/scores" + (f"?{query}" if query else "")


def has_landed(platform: Platform, url: str, row: Claimed) -> bool:
    """The LMS holds this value (or a newer one) for the person already."""
    for result in read_results(platform, url, user_id=row.user_id):
        if str(result.get("userId")) != row.user_id:
            continue
        stamp = _parse_time(result.get("timestamp"))
        if stamp is not None and stamp > row.timestamp:
            return True
        if stamp is not None and stamp < row.timestamp:
            return False
        return same_score(result, row.score_given, row.score_maximum)
    return False


def same_score(result: dict, given: float, maximum: float) -> bool:
    score, out_of = result.get("resultScore"), result.get("resultMaximum") or maximum
    if not isinstance(score, int | float) or not out_of:
        return False
    return abs(score / out_of - given / maximum) < 1e-4


def _parse_time(value: object) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


# -- what a failure means ---------------------------------------------------------------


def classify(exc: ServiceCallFailed, row: Claimed, settings: Settings) -> Outcome:
    status, words = exc.status, exc.lms_words or str(exc)
    throttled = status == 429 or (status == 403 and "rate limit" in words.lower())
    if throttled:
        wait = min(exc.retry_after or _backoff(1, settings), 120.0) + random.uniform(0, 0.5)
        return _deferred(row, wait, error=f"{THROTTLED} {status}: {words}")
    if status == 404:
        mark_column_missing(column_of(row))
        if row.attempts >= MAX_COLUMN_MISSES:
            return _failed(row, f"404: {words}")
        return Outcome(SendState.PENDING, row.attempts, next_attempt_at=utcnow())
    if status is None or status >= 500 or status == 401:
        return _retry(row, settings, words, needs_check=row.needs_check or exc.ambiguous)
    return _failed(row, f"{status}: {words}")


def _backoff(attempts: int, settings: Settings) -> float:
    ceiling = min(settings.retry_cap, settings.retry_base * 2 ** max(attempts - 1, 0))
    return random.uniform(ceiling / 2, ceiling)  # jitter: workers do not retry in step


def _retry(row: Claimed, settings: Settings, error: str, *, needs_check: bool) -> Outcome:
    if row.attempts >= MAX_ATTEMPTS:
        return _failed(row, error, needs_check=needs_check)
    return Outcome(
        SendState.PENDING,
        row.attempts,
        next_attempt_at=utcnow() + dt.timedelta(seconds=_backoff(row.attempts, settings)),
        needs_check=needs_check,
        last_error=error,
    )


def _deferred(row: Claimed, seconds: float, error: str | None = None) -> Outcome:
    """Back to pending without counting an attempt (the LMS asked to wait, or no time)."""
    return Outcome(
        SendState.PENDING,
        row.attempts - 1,
        next_attempt_at=utcnow() + dt.timedelta(seconds=seconds),
        needs_check=row.needs_check,
        last_error=error,
    )


def _failed(row: Claimed, error: str, *, needs_check: bool = False) -> Outcome:
    return Outcome(SendState.FAILED, row.attempts, last_error=error, needs_check=needs_check)
