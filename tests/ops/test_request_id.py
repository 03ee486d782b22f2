"""Request ids: taken from a sane X-Request-ID or made, returned, shown on error pages and in
JSON errors, and on JSON log lines — which keep the log-safety rules (core/logs.py)."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator

import pytest
import requests

from lti_tool.core.json_logs import JsonFormatter
from tests.support.launching import LEARNER, Platform
from tests.support.live_server import LiveServer


def test_an_error_page_shows_the_request_id(live_server: LiveServer) -> None:
    response = requests.get(f"{live_server.tool_url}/no/such/page", timeout=10)
    assert response.status_code == 404
    request_id = response.headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", request_id)
    assert f"Reference: <code>{request_id}</code>" in response.text


def test_a_json_error_carries_the_proxy_request_id(live_server: LiveServer) -> None:
    response = requests.post(
        f"{live_server.tool_url}/lti/launch",
        timeout=10,
        headers={"Accept": "application/json", "X-Request-ID": "4f2c9a1e-proxy-0001"},
    )
    assert response.status_code == 400
    assert response.headers["X-Request-ID"] == "4f2c9a1e-proxy-0001"
    assert response.json()["request_id"] == "4f2c9a1e-proxy-0001"


@pytest.mark.parametrize(
    "incoming",
    [
        "short",
        "a" * 65,
        "id with spaces and\ttabs",
        "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl",  # a token is not an id
        "/s/some-launch-id/home",
    ],
)
def test_an_insane_incoming_request_id_is_replaced(live_server: LiveServer, incoming: str) -> None:
    response = requests.get(
        f"{live_server.tool_url}/healthz", timeout=10, headers={"X-Request-ID": incoming}
    )
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["X-Request-ID"])


def launch_id_of(url: str) -> str:
    return re.search(r"/s/([^/]+)/", url).group(1)


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    """What the root logger writes with LOG_FORMAT=json, while the test runs."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield stream
    finally:
        root.removeHandler(handler)


def test_json_log_lines_carry_the_request_id_and_no_launch_id(
    live_server: LiveServer, spec: Platform, json_log: io.StringIO
) -> None:
    page = spec.launch(LEARNER)
    assert page.status_code == 200
    launch_id = launch_id_of(page.url)
    # The LMS reports an error whose text tries to log a launch id and forge a line.
    response = requests.post(
        f"{live_server.tool_url}/lti/launch",
        timeout=10,
        data={
            "error": "bad_request",
            "error_description": f"see /s/{launch_id}/home\nERROR forged line",
        },
    )
    assert response.status_code == 400
    request_id = response.headers["X-Request-ID"]
    assert f"Reference: <code>{request_id}</code>" in response.text

    lines = json_log.getvalue().splitlines()
    entries = [json.loads(line) for line in lines]  # every line is one JSON object
    refused = [e for e in entries if e["request_id"] == request_id]
    assert refused, lines
    assert any("/s/…/home\\nERROR forged line" in e["message"] for e in refused), refused
    assert all({"time", "level", "logger", "message"} <= entry.keys() for entry in entries)
    assert launch_id not in json_log.getvalue()
    assert not any(line.startswith("ERROR forged") for line in lines)
