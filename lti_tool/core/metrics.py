"""The tool's Prometheus metrics, and the hooks that feed them.

Every label has a bounded set of values: an outcome, a fixed reason word, a service name,
and a platform as its row id (``unknown`` before the platform is known, ``none`` for a
registration that has none yet) — never anything a request or a person typed.

- Launches: ``launch_view`` wraps the id_token post; the view notes its stage and the
  platform as it goes (``note_launch``), so a refusal is counted by the step that refused it.
- Outbound calls: ``http_session()`` (core/http.py) is a ``MeteredSession``; a domain names
  the service and platform of its calls with ``outbound_call("token", platform.id)``.

Under gunicorn with ``PROMETHEUS_MULTIPROC_DIR`` set, prometheus-client keeps the values in
files there and /metrics sums them over the workers (lti_tool/ops/metrics.py).
"""

from __future__ import annotations

import contextvars
import functools
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import requests
from flask import g
from prometheus_client import Counter, Histogram

from lti_tool.errors import PlatformErrorReport, PlatformServiceError, ReciprocalError

UNKNOWN = "unknown"
_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

LAUNCHES = Counter(
    "reciprocal_launches",
    "Launches (id_token posts) by outcome (accepted, refused, error), the step that refused "
    "them, and platform id.",
    ["outcome", "reason", "platform"],
)
LAUNCH_SECONDS = Histogram(
    "reciprocal_launch_duration_seconds",
    "Time the tool took to answer an id_token post, by outcome and platform id.",
    ["outcome", "platform"],
    buckets=_LATENCY_BUCKETS,
)
OUTBOUND_SECONDS = Histogram(
    "reciprocal_outbound_request_duration_seconds",
    "Calls to platforms (token, nrps, ags, jwks, registration), redirects and body included.",
    ["service", "platform"],
    buckets=_LATENCY_BUCKETS,
)
OUTBOUND_ERRORS = Counter(
    "reciprocal_outbound_errors",
    "Failed calls to platforms by service, platform id and kind of error (timeout, "
    "connection, refused by the outbound rules, http_4xx, http_5xx, other).",
    ["service", "platform", "error"],
)


# -- launches ----------------------------------------------------------------------------


@dataclass
class LaunchObservation:
    stage: str = "request"
    platform: str = UNKNOWN
    counted: bool = True


_LAUNCH = "reciprocal_launch_observation"


def note_launch(
    *, stage: str | None = None, platform: object = None, counted: bool | None = None
) -> None:
    """Record how far the current launch got (a fixed word), its platform id, and whether
    this request is a launch to count (not a platform-storage interstitial)."""
    observation: LaunchObservation | None = g.get(_LAUNCH)
    if observation is None:
        return
    if stage is not None:
        observation.stage = stage
    if platform is not None:
        observation.platform = str(platform)
    if counted is not None:
        observation.counted = counted


def launch_view(view: Callable[..., Any]) -> Callable[..., Any]:
    """Count and time every call of the launch view by outcome, reason and platform."""

    @functools.wraps(view)
    def observed(*args: Any, **kwargs: Any) -> Any:
        observation = g.setdefault(_LAUNCH, LaunchObservation())
        start = time.perf_counter()
        try:
            response = view(*args, **kwargs)
        except PlatformErrorReport:
            _count_launch(observation, "refused", "platform_error", start)
            raise
        except ReciprocalError as exc:
            reason = getattr(exc, "reason", None) or observation.stage
            _count_launch(observation, "refused", reason, start)
            raise
        except Exception:
            _count_launch(observation, "error", observation.stage, start)
            raise
        if observation.counted:
            _count_launch(observation, "accepted", "", start)
        return response

    return observed


def _count_launch(observation: LaunchObservation, outcome: str, reason: str, start: float) -> None:
    LAUNCHES.labels(outcome, reason, observation.platform).inc()
    LAUNCH_SECONDS.labels(outcome, observation.platform).observe(time.perf_counter() - start)


# -- outbound calls ------------------------------------------------------------------------

_outbound: contextvars.ContextVar[tuple[str, str]] = contextvars.ContextVar(
    "outbound_labels", default=("other", UNKNOWN)
)


@contextmanager
def outbound_call(service: str, platform: object = None) -> Iterator[None]:
    """Label the outbound calls made inside: ``service`` is token, nrps, ags, jwks or
    registration; ``platform`` the platform's id (None: not known yet)."""
    token = _outbound.set((service, "none" if platform is None else str(platform)))
    try:
        yield
    finally:
        _outbound.reset(token)


def _error_kind(exc: BaseException) -> str:
    if isinstance(exc, requests.Timeout):
        return "timeout"
    if isinstance(exc, requests.ConnectionError):
        return "connection"
    if isinstance(exc, PlatformServiceError):  # the outbound rules: address, size
        return "refused"
    return "other"


class MeteredSession(requests.Session):
    """A requests session that times each call and counts its failures."""

    def request(
        self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any
    ) -> requests.Response:
        service, platform = _outbound.get()
        start = time.perf_counter()
        try:
            response = super().request(method, url, *args, **kwargs)
        except Exception as exc:
            OUTBOUND_ERRORS.labels(service, platform, _error_kind(exc)).inc()
            raise
        finally:
            OUTBOUND_SECONDS.labels(service, platform).observe(time.perf_counter() - start)
        if response.status_code >= 400:
            kind = "http_5xx" if response.status_code >= 500 else "http_4xx"
            OUTBOUND_ERRORS.labels(service, platform, kind).inc()
        return response
