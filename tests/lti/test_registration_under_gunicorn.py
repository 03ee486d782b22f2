"""The issue's replay under the real server: six registrations pointed at a host that never
answers, against gunicorn with its production settings (2 workers × 2 threads)."""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.support.gunicorn import free_port, gunicorn_served
from tests.support.hostile import HangingHost

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def gunicorn_tool(database_url: str) -> Iterator[str]:
    port = free_port()
    env = {
        "RECIPROCAL_ENV": "production",
        "SECRET_KEY": secrets.token_hex(16),
        "DATABASE_URL": database_url,
        "LOG_LEVEL": "WARNING",
        "TOOL_BASE_URL": f"http://127.0.0.1:{port}",
        "WEB_CONCURRENCY": "2",
        "GUNICORN_THREADS": "2",
        # The hanging 'LMS' of this test is on loopback.
        "OUTBOUND_ALLOWED_NETWORKS": "127.0.0.1/32",
        # Registrations reach the hanging host without an invite (they would wait for approval).
        "OPEN_REGISTRATION": "true",
    }
    with gunicorn_served(env, port=port, ready_path="/admin/login") as server:
        yield server.url


def test_six_hanging_registrations_leave_the_server_answering(gunicorn_tool: str) -> None:
    hanging = HangingHost()
    outcomes: list[tuple[int, float]] = []

    def register() -> None:
        started = time.monotonic()
        answer = requests.get(
            f"{gunicorn_tool}/lti/register",
            params={"openid_configuration": f"{hanging.origin}/config"},
            timeout=30,
        )
        outcomes.append((answer.status_code, time.monotonic() - started))

    try:
        threads = [threading.Thread(target=register) for _ in range(6)]
        for thread in threads:
            thread.start()
        time.sleep(0.5)
        for _ in range(3):
            started = time.monotonic()
            assert requests.get(f"{gunicorn_tool}/admin/login", timeout=10).status_code == 200
            assert time.monotonic() - started < 1.5
        for thread in threads:
            thread.join(timeout=20)
        statuses = sorted(status for status, _ in outcomes)
        # One registration at a time per worker reached the hanging host; the rest got a
        # quick 503, and the ones that went out ended at the 5 s read timeout.
        assert 1 <= statuses.count(504) <= 2 and statuses.count(503) == 6 - statuses.count(504)
        assert all(elapsed < 7.5 for _, elapsed in outcomes)
        assert all(elapsed < 1.5 for status, elapsed in outcomes if status == 503)
    finally:
        hanging.stop()
