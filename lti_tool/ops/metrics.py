"""/metrics: what every process counted (core/metrics.py), plus the site's state read at
scrape time — queue depth and oldest waiting job, grade sends waiting and failed, and which
platform each platform id is.

Under gunicorn set ``PROMETHEUS_MULTIPROC_DIR`` to an empty directory the workers can write:
each worker keeps its values in files there, any worker answering /metrics sums them all
(prometheus-client's multiprocess mode), and config/gunicorn.conf.py empties it at start and
marks dead workers (``child_exit``). Without it, /metrics shows this process only.
"""

from __future__ import annotations

import hmac
import ipaddress
import os
from collections.abc import Callable, Iterator, Mapping
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import Flask
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector

from lti_tool.core.http import parse_networks
from lti_tool.extensions import db
from lti_tool.jobs.queue import get_huey, oldest_pending_age
from lti_tool.ops.health import run_bounded
from lti_tool.platforms.models import Platform

EXTENSION = "reciprocal.grade_sends"
# {"waiting": n, "failed": m}: the grade outbox's sends still to do and given up on.
GradeSends = Callable[[], Mapping[str, int]]


def no_grade_outbox() -> Mapping[str, int]:
    """For an app built without the grade outbox (``init_ops`` given no source)."""
    return {"waiting": 0, "failed": 0}


def set_grade_sends_source(app: Flask, source: GradeSends | None) -> None:
    app.extensions[EXTENSION] = source or no_grade_outbox


def multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


class _ThisProcess:
    """The process's own registry, forwarded into the registry of one scrape."""

    def collect(self) -> Iterator[Metric]:
        return REGISTRY.collect()


class SiteCollector:
    """Gauges of the site's shared state, read when scraped (not per process)."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def collect(self) -> Iterator[Metric]:
        yield from self._queue()
        sends = GaugeMetricFamily(
            "reciprocal_grade_sends",
            "Grade sends in the grade outbox by state (waiting: pending or being sent; "
            "failed: refused by the LMS for good).",
            labels=["state"],
        )
        for state, count in self.app.extensions[EXTENSION]().items():
            sends.add_metric([state], float(count))
        yield sends
        yield from self._platforms()

    def _queue(self) -> Iterator[Metric]:
        huey = get_huey(self.app)
        timeout = float(self.app.config["READY_CHECK_TIMEOUT_SECONDS"])
        results = run_bounded(
            {"queue": huey.pending_count, "queue_age": lambda: oldest_pending_age(huey)},
            timeout,
        )
        reachable = all(result.ok for result in results.values())
        yield GaugeMetricFamily(
            "reciprocal_queue_reachable",
            "1 when the job queue answered this scrape.",
            value=1.0 if reachable else 0.0,
        )
        if not reachable:
            return
        yield GaugeMetricFamily(
            "reciprocal_queue_depth",
            "Jobs waiting in the queue.",
            value=float(results["queue"].value),
        )
        yield GaugeMetricFamily(
            "reciprocal_queue_oldest_job_age_seconds",
            "Seconds since the oldest waiting job was sent (0: none waits).",
            value=float(results["queue_age"].value),
        )

    def _platforms(self) -> Iterator[Metric]:
        info = GaugeMetricFamily(
            "reciprocal_platform_info",
            "Each platform id's issuer (join on platform).",
            labels=["platform", "issuer", "issuer_host"],
        )
        timeout = float(self.app.config["READY_CHECK_TIMEOUT_SECONDS"])
        read = run_bounded({"database": self._read_platforms}, timeout)["database"]
        for platform_id, issuer in read.value if read.ok else []:
            info.add_metric([str(platform_id), issuer, urlsplit(issuer).netloc], 1.0)
        yield info

    def _read_platforms(self) -> list[tuple[int, str]]:
        with self.app.app_context():
            return [
                tuple(row) for row in db.session.execute(sa.select(Platform.id, Platform.issuer))
            ]


def render_metrics(app: Flask) -> bytes:
    """The text exposition format of every metric: all workers' (multiprocess mode) or
    this process's, and the site's."""
    registry = CollectorRegistry(auto_describe=False)
    directory = multiprocess_dir()
    if directory:
        MultiProcessCollector(registry, path=directory)
    else:
        registry.register(_ThisProcess())  # type: ignore[arg-type]
    registry.register(SiteCollector(app))  # type: ignore[arg-type]
    return generate_latest(registry)


def metrics_access(
    config: Mapping[str, object], authorization: str | None, client: str | None
) -> bool:
    """A bearer token equal to ``METRICS_TOKEN``, or a client in ``METRICS_ALLOWED_NETWORKS``."""
    token = config.get("METRICS_TOKEN")
    if token and authorization:
        scheme, _, given = authorization.partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(
            given.strip().encode(), str(token).encode()
        ):
            return True
    networks = parse_networks(str(config.get("METRICS_ALLOWED_NETWORKS") or ""))
    if networks and client:
        try:
            address = ipaddress.ip_address(client)
        except ValueError:
            return False
        return any(address in network for network in networks)
    return False
