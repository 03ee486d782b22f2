"""Readiness: can this process serve launches? Each check runs in a daemon thread and gets
``READY_CHECK_TIMEOUT_SECONDS``; a hung database or queue makes the check fail on time
rather than hang the probe. At most two threads per check are ever stuck on a hung part;
while they are, the check fails at once.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import Flask

from lti_tool.extensions import db
from lti_tool.jobs.queue import get_huey
from lti_tool.platforms.keys import ensure_signing_key, load_private_key

log = logging.getLogger(__name__)

MAX_STUCK_PER_CHECK = 2


@dataclass(frozen=True)
class CheckResult:
    ok: bool
    seconds: float
    error: str | None = None
    value: Any = None

    def as_json(self) -> dict[str, Any]:
        answer: dict[str, Any] = {"ok": self.ok, "ms": round(self.seconds * 1000, 1)}
        if self.error:
            answer["error"] = self.error
        return answer


_slots: dict[str, threading.BoundedSemaphore] = {}
_slots_lock = threading.Lock()


def _slot(name: str) -> threading.BoundedSemaphore:
    with _slots_lock:
        return _slots.setdefault(name, threading.BoundedSemaphore(MAX_STUCK_PER_CHECK))


class _Probe:
    """One check running in its own daemon thread."""

    def __init__(self, name: str, probe: Callable[[], Any], slot: threading.Semaphore) -> None:
        self.name = name
        self.started = time.monotonic()
        self.outcome: dict[str, Any] = {}
        self.done = threading.Event()

        def run() -> None:
            try:
                self.outcome["value"] = probe()
            except Exception as exc:
                self.outcome["error"] = exc
            finally:
                slot.release()
                self.done.set()

        threading.Thread(target=run, name=f"check-{name}", daemon=True).start()

    def result(self, deadline: float, timeout: float) -> CheckResult:
        finished = self.done.wait(max(0.0, deadline - time.monotonic()))
        elapsed = time.monotonic() - self.started
        if not finished:
            log.warning("Readiness: %s gave no answer within %.1f s", self.name, timeout)
            return CheckResult(False, elapsed, f"no answer within {timeout:g} s")
        error = self.outcome.get("error")
        if error is not None:
            log.warning("Readiness: %s failed: %s: %s", self.name, type(error).__name__, error)
            return CheckResult(False, elapsed, f"unreachable ({type(error).__name__})")
        return CheckResult(True, elapsed, value=self.outcome.get("value"))


def _start(name: str, probe: Callable[[], Any], timeout: float) -> _Probe | CheckResult:
    slot = _slot(name)
    if not slot.acquire(blocking=False):
        return CheckResult(False, 0.0, f"earlier checks still hang (over {timeout:g} s)")
    return _Probe(name, probe, slot)


def run_bounded(probes: dict[str, Callable[[], Any]], timeout: float) -> dict[str, CheckResult]:
    """Run ``probes`` side by side, each within ``timeout`` seconds; an exception or
    lateness makes a failed result (the detail goes to the log, the result names only the
    kind of failure: a public probe shows no addresses)."""
    deadline = time.monotonic() + timeout
    started = {name: _start(name, probe, timeout) for name, probe in probes.items()}
    return {
        name: probe if isinstance(probe, CheckResult) else probe.result(deadline, timeout)
        for name, probe in started.items()
    }


def _database(app: Flask) -> None:
    with app.app_context():
        db.session.execute(sa.text("SELECT 1"))


def _queue(app: Flask) -> int:
    return int(get_huey(app).pending_count())


def _signing_key(app: Flask) -> None:
    """The key that signs the tool's messages loads (it is made here on a first start)."""
    with app.app_context():
        load_private_key(ensure_signing_key().private_key_pem)


CHECKS: dict[str, Callable[[Flask], Any]] = {
    "database": _database,
    "queue": _queue,
    "signing_key": _signing_key,
}


def readiness(app: Flask) -> dict[str, CheckResult]:
    """Every check, side by side, each within ``READY_CHECK_TIMEOUT_SECONDS``."""
    timeout = float(app.config["READY_CHECK_TIMEOUT_SECONDS"])
    return run_bounded(
        {name: functools.partial(check, app) for name, check in CHECKS.items()}, timeout
    )
