"""Fault injection and throttling on the demo LMS's AGS endpoints (tests and the benchmark).

A fault spec such as ``500:0.1,429:0.1,slow:0.05,drop:0.05`` answers that share of AGS
requests with:

- ``500`` — an Internal Server Error, nothing applied;
- ``429`` — Too Many Requests with ``Retry-After``, nothing applied;
- ``403`` — Canvas's older throttle reply, 403 "Rate Limit Exceeded", nothing applied;
- ``slow`` — the request is applied, then the reply waits past the tool's timeout;
- ``drop`` — the request is applied, then the connection is closed with no reply.

``slow`` and ``drop`` apply the request first: the tool cannot know whether it landed, which
is what makes "exactly once" hard. The settings start from the app config
(``DEMO_LMS_AGS_FAULTS``, ``DEMO_LMS_FAULT_SEED``, ``DEMO_LMS_AGS_SLOW_SECONDS``,
``DEMO_LMS_AGS_RATE_LIMIT``) and can be replaced at run time (admin API, ``flask demo
ags-faults``): they are stored in ``demo_settings`` so every server process sees them. A seed
makes each process's sequence of draws repeatable.
"""

from __future__ import annotations

import contextlib
import json
import random
import socket
import threading
import time
from dataclasses import asdict, dataclass, field
from typing import Any

from flask import Response, current_app, jsonify

from lti_tool.demo_lms.directory import get_setting, set_setting
from lti_tool.demo_lms.models import DemoSetting
from lti_tool.extensions import db

SETTING_KEY = "ags_faults"
KINDS = ("500", "429", "403", "slow", "drop")
RETRY_AFTER_SECONDS = 1
RATE_LIMIT_EXCEEDED = "403 Forbidden (Rate Limit Exceeded)"


class BadFaultSettings(ValueError):
    """A fault spec or setting that cannot be read; the message says which part."""


@dataclass(frozen=True)
class FaultSettings:
    faults: dict[str, float] = field(default_factory=dict)
    seed: int | None = None
    slow_seconds: float = 12.0
    # Canvas flavour: bucket size in requests and how many leak out per second; 0: off.
    rate_limit_size: float = 0.0
    rate_limit_per_second: float = 0.0
    throttle_status: str | None = None  # override the flavour's "429" / "403"

    def as_json(self) -> dict[str, Any]:
        doc = asdict(self)
        doc["spec"] = format_spec(self.faults)
        return doc


def parse_spec(spec: str) -> dict[str, float]:
    """``"500:0.1,slow:0.05"`` → ``{"500": 0.1, "slow": 0.05}``.

    :raise BadFaultSettings: for an unknown kind, a share outside 0–1, or a total above 1.
    """
    faults: dict[str, float] = {}
    for part in filter(None, (p.strip() for p in spec.split(","))):
        kind, _, share = part.partition(":")
        if kind.strip() not in KINDS:
            raise BadFaultSettings(f"unknown fault {kind.strip()!r}; use {', '.join(KINDS)}")
        try:
            value = float(share)
        except ValueError:
            raise BadFaultSettings(f"share of {kind.strip()!r} must be a number") from None
        if not 0 <= value <= 1:
            raise BadFaultSettings(f"share of {kind.strip()!r} must be between 0 and 1")
        faults[kind.strip()] = value
    if sum(faults.values()) > 1:
        raise BadFaultSettings("the shares add up to more than 1")
    return faults


def format_spec(faults: dict[str, float]) -> str:
    return ",".join(f"{k}:{v:g}" for k, v in faults.items())


def _number(value: Any, name: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise BadFaultSettings(f"{name} must be a number") from None
    if number < 0:
        raise BadFaultSettings(f"{name} must not be negative")
    return number


def _rate_limit(text: str) -> tuple[float, float]:
    if not text:
        return 0.0, 0.0
    size, _, rate = text.partition(":")
    return _number(size, "rate limit size"), _number(rate or "1", "rate limit rate")


def build_settings(doc: dict[str, Any]) -> FaultSettings:
    """Settings from a JSON document: ``faults`` (spec string), ``seed``, ``slow_seconds``,
    ``rate_limit`` (``"size:per_second"``), ``throttle_status`` (``"429"``/``"403"``).

    :raise BadFaultSettings: when a value cannot be used.
    """
    seed = doc.get("seed")
    if seed not in (None, ""):
        try:
            seed = int(seed)
        except (TypeError, ValueError):
            raise BadFaultSettings("seed must be an integer") from None
    else:
        seed = None
    throttle = doc.get("throttle_status") or None
    if throttle is not None and str(throttle) not in ("429", "403"):
        raise BadFaultSettings("throttle_status must be 429 or 403")
    size, rate = _rate_limit(str(doc.get("rate_limit") or ""))
    slow = doc.get("slow_seconds")
    return FaultSettings(
        faults=parse_spec(str(doc.get("faults") or "")),
        seed=seed,
        slow_seconds=_number(slow, "slow_seconds")
        if slow not in (None, "")
        else _default_slow_seconds(),
        rate_limit_size=size,
        rate_limit_per_second=rate,
        throttle_status=str(throttle) if throttle else None,
    )


def _default_slow_seconds() -> float:
    configured = current_app.config.get("DEMO_LMS_AGS_SLOW_SECONDS")
    if configured:
        return float(configured)
    return float(current_app.config.get("HTTP_TIMEOUT_SECONDS", 10)) + 2


def config_document() -> dict[str, Any]:
    config = current_app.config
    return {
        "faults": config.get("DEMO_LMS_AGS_FAULTS", ""),
        "seed": config.get("DEMO_LMS_FAULT_SEED", ""),
        "slow_seconds": config.get("DEMO_LMS_AGS_SLOW_SECONDS", ""),
        "rate_limit": config.get("DEMO_LMS_AGS_RATE_LIMIT", ""),
    }


def check_config() -> None:
    """Refuse to start with fault settings that cannot be read (needs an app context).

    :raise BadFaultSettings: naming the DEMO_LMS_* settings at fault.
    """
    try:
        build_settings(config_document())
    except BadFaultSettings as exc:
        raise BadFaultSettings(
            f"DEMO_LMS_AGS_FAULTS / DEMO_LMS_FAULT_SEED / DEMO_LMS_AGS_SLOW_SECONDS / "
            f"DEMO_LMS_AGS_RATE_LIMIT: {exc}"
        ) from exc


def stored_document() -> dict[str, Any]:
    """The run-time settings, or the app config when none were stored."""
    raw = get_setting(SETTING_KEY)
    return json.loads(raw) if raw else config_document()


def current_settings() -> FaultSettings:
    return _state.settings_for(stored_document())


def store_settings(doc: dict[str, Any]) -> FaultSettings:
    """Replace the run-time settings (validated first); ``{}`` means "no faults".

    :raise BadFaultSettings: when a value cannot be used.
    """
    settings = build_settings(doc)
    stored = {
        "faults": format_spec(settings.faults),
        "seed": settings.seed,
        "slow_seconds": settings.slow_seconds,
        "rate_limit": f"{settings.rate_limit_size:g}:{settings.rate_limit_per_second:g}"
        if settings.rate_limit_size
        else "",
        "throttle_status": settings.throttle_status,
        # A new value each time, so every process re-seeds even for the same settings.
        "version": time.time_ns(),
    }
    set_setting(SETTING_KEY, json.dumps(stored, sort_keys=True))
    return settings


def clear_settings() -> FaultSettings:
    """Forget the run-time settings: the app config applies again."""
    row = db.session.get(DemoSetting, SETTING_KEY)
    if row is not None:
        db.session.delete(row)
        db.session.flush()
    return _state.settings_for(config_document())


class _State:
    """Per-process: the settings last read, their random generator and throttle buckets."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.key: str | None = None
        self.settings = FaultSettings()
        self.rng = random.Random()
        self.buckets: dict[int, tuple[float, float]] = {}  # registration → (level, at)

    def settings_for(self, doc: dict[str, Any]) -> FaultSettings:
        key = json.dumps(doc, sort_keys=True, default=str)
        with self.lock:
            if key != self.key:
                self.settings = build_settings(doc)
                self.rng = random.Random(self.settings.seed)
                self.buckets.clear()
                self.key = key
            return self.settings

    def draw(self, settings: FaultSettings) -> str | None:
        if not settings.faults:
            return None
        with self.lock:
            roll = self.rng.random()
        edge = 0.0
        for kind, share in settings.faults.items():
            edge += share
            if roll < edge:
                return kind
        return None

    def take(self, settings: FaultSettings, registration_id: int) -> tuple[bool, float, float]:
        """Pour one request into the registration's bucket: (allowed, remaining, wait)."""
        size, rate = settings.rate_limit_size, settings.rate_limit_per_second
        now = time.monotonic()
        with self.lock:
            level, at = self.buckets.get(registration_id, (0.0, now))
            level = max(0.0, level - (now - at) * rate)
            if level + 1 > size:
                self.buckets[registration_id] = (level, now)
                wait = (level + 1 - size) / rate if rate else float(RETRY_AFTER_SECONDS)
                return False, max(0.0, size - level), wait
            level += 1
            self.buckets[registration_id] = (level, now)
            return True, size - level, 0.0


_state = _State()


def draw_fault(settings: FaultSettings) -> str | None:
    """The fault for this request, or None (most of the time)."""
    return _state.draw(settings)


def refused(kind: str) -> Response:
    """The reply of a fault that applies nothing: 500, 429 or 403."""
    if kind == "500":
        response = jsonify(error="internal_error", error_description="Injected server error.")
        response.status_code = 500
        return response
    return throttled(kind, 0.0, RETRY_AFTER_SECONDS)


def throttled(status: str, remaining: float, wait: float) -> Response:
    """Canvas's throttle reply: 429 with Retry-After, or 403 "Rate Limit Exceeded"."""
    if status == "403":
        response = Response(RATE_LIMIT_EXCEEDED, status=403, mimetype="text/plain")
    else:
        response = jsonify(errors=[{"message": "Too many requests"}])
        response.status_code = 429
        response.headers["Retry-After"] = str(max(1, int(wait + 0.999)))
    response.headers["X-Rate-Limit-Remaining"] = f"{remaining:.1f}"
    return response


def check_throttle(
    settings: FaultSettings, flavour_throttle: str | None, registration_id: int
) -> tuple[Response | None, float | None]:
    """(a throttle reply or None, the X-Rate-Limit-Remaining to send or None)."""
    if flavour_throttle is None:
        return None, None
    if not settings.rate_limit_size:
        return None, 700.0  # Canvas's default bucket, never full here
    allowed, remaining, wait = _state.take(settings, registration_id)
    if allowed:
        return None, remaining
    return throttled(settings.throttle_status or flavour_throttle, remaining, wait), remaining


class _HeldResponse(Response):
    """A reply whose sending waits, or is cut, after the unit of work has committed (the
    commit comes when the view returns; the WSGI call that sends the reply comes later)."""

    delay: float = 0.0
    cut: bool = False

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        if self.delay:
            time.sleep(self.delay)
        if self.cut:
            sock = environ.get("werkzeug.socket") or environ.get("gunicorn.socket")
            if sock is None:  # a server that hides its socket: time out instead
                time.sleep(3600)
            else:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
        return super().__call__(environ, start_response)


def _held(response: Response, **how: Any) -> Response:
    held = _HeldResponse(
        response.get_data(), status=response.status_code, headers=list(response.headers)
    )
    for name, value in how.items():
        setattr(held, name, value)
    return held


def delayed(response: Response, seconds: float) -> Response:
    """The same reply, sent only after ``seconds`` (the work is already committed)."""
    return _held(response, delay=seconds)


def dropped(response: Response) -> Response:
    """Close the connection instead of replying (after the work is committed)."""
    return _held(response, cut=True)
