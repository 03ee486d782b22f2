"""Reading /metrics in tests, and a second tool app served over HTTP with other settings."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import requests
from prometheus_client.parser import text_string_to_metric_families

from lti_tool import create_app
from lti_tool.extensions import db
from tests.support.live_server import LiveServer, start_live_server

METRICS_TOKEN = "test-metrics-token"


def scrape(tool_url: str, token: str = METRICS_TOKEN) -> dict[tuple[str, frozenset], float]:
    """Every sample of /metrics: (name, labels) → value."""
    response = requests.get(
        f"{tool_url}/metrics", timeout=20, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200, response.text[:300]
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(samples: dict, name: str, **labels: str) -> float:
    """The sum of ``name``'s samples whose labels include ``labels`` (0 when none)."""
    wanted = set(labels.items())
    return sum(v for (n, ls), v in samples.items() if n == name and wanted <= ls)


def closed_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def tool_served(**settings: Any) -> Iterator[LiveServer]:
    """Another tool app (no demo LMS) with ``settings``, over HTTP on its own port."""
    app = create_app({"ENV_NAME": "testing", "DEMO_LMS_ENABLED": False, **settings})
    server = start_live_server(app)
    try:
        yield server
    finally:
        server.stop()
        with app.app_context():
            db.engine.dispose()  # close its pooled connections now, not at garbage collection
