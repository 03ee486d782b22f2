"""Fault: PostgreSQL restarts while gunicorn serves the tool under load.

During the outage every request fails fast with the clear 503 page (the request id on it, no
stack trace, no hang); /readyz names the database. When PostgreSQL is back, the same gunicorn
processes serve again: the pool drops its dead connections (pre-ping) and reconnects.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests
from flask_migrate import upgrade

from lti_tool import create_app
from lti_tool.demo_lms.registration import register_tool
from lti_tool.demo_lms.seed import seed_demo
from lti_tool.extensions import db
from lti_tool.platforms.invites import invite_url, mint_invite
from tests.support.gunicorn import wait_until_up
from tests.support.launching import LEARNER
from tests.support.lti_browser import LtiBrowser
from tests.support.private_services import PrivatePostgres, free_port, private_postgres

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
FAIL_FAST_SECONDS = 8  # DATABASE_CONNECT_TIMEOUT_SECONDS is 3 here; a refused connect is instant


@dataclass
class Served:
    tool: str
    home: str  # a learner's home page: every request reads the database
    process: subprocess.Popen
    log: Path


@pytest.fixture
def postgres() -> Iterator[PrivatePostgres]:
    with private_postgres() as server:
        yield server


@pytest.fixture
def served(postgres: PrivatePostgres, tmp_path: Path) -> Iterator[Served]:
    port = free_port()
    tool, lms = f"http://127.0.0.1:{port}", f"http://localhost:{port}"
    prepared = create_app({"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": postgres.url})
    with prepared.app_context():
        upgrade()
        seed_demo(tool, lms)
        register_url = invite_url(
            f"{tool}/lti/register", mint_invite(actor="tests", ttl=dt.timedelta(hours=1)).token
        )
        db.session.commit()
        db.engine.dispose()
    env = {
        **os.environ,
        "RECIPROCAL_ENV": "development",
        "DATABASE_URL": postgres.url,
        "DATABASE_CONNECT_TIMEOUT_SECONDS": "3",
        "QUEUE_URL": f"sqlite:///{tmp_path / 'queue.sqlite3'}",
        "TOOL_URL": "",
        "LMS_URL": "",
        "GUNICORN_ACCESS_LOG": "",
        "LOG_LEVEL": "WARNING",
    }
    log = tmp_path / "gunicorn.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "-c",
                str(ROOT / "config" / "gunicorn.conf.py"),
                "--workers",
                "2",
                "--threads",
                "4",
                "--bind",
                f"127.0.0.1:{port}",
                "lti_tool:create_app()",
            ],
            env=env,
            cwd=ROOT,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_until_up(f"{tool}/healthz")
        registration = register_tool(lms, "spec", register_url)
        page = LtiBrowser(lms).launch("spec", LEARNER, client_id=registration.client_id)
        assert page.status_code == 200, page.text[:300]
        launch_id = re.search(r"/s/([^/]+)/", page.url).group(1)
        yield Served(tool, f"{tool}/s/{launch_id}/", process, log)
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)


@dataclass
class Load:
    """Readers of the learner's home page until stopped: (status, seconds) of each request."""

    url: str
    results: list[tuple[int, float]] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def read(self) -> None:
        deadline = time.monotonic() + 50
        while not self.stop.is_set() and time.monotonic() < deadline:
            started = time.monotonic()
            try:
                status = requests.get(self.url, timeout=20).status_code
            except requests.RequestException:
                status = 0
            self.results.append((status, time.monotonic() - started))
            time.sleep(0.05)


def test_requests_fail_fast_with_a_clear_page_and_the_pool_recovers(
    served: Served, postgres: PrivatePostgres
) -> None:
    pids_before = set(_worker_pids(served.process.pid))
    assert requests.get(served.home, timeout=10).status_code == 200
    load = Load(served.home)
    with ThreadPoolExecutor(max_workers=3) as pool:
        readers = [pool.submit(load.read) for _ in range(3)]
        time.sleep(0.5)
        postgres.stop()  # mid-load
        try:
            started = time.monotonic()
            down = requests.get(served.home, timeout=20)
            took = time.monotonic() - started
            assert down.status_code == 503, down.text[:500]
            assert took < FAIL_FAST_SECONDS, took
            assert "The tool&#39;s database is not available" in down.text
            assert "Reference: <code>" in down.text and down.headers["X-Request-ID"] in down.text
            assert "Traceback" not in down.text and "psycopg" not in down.text
            assert down.headers["Retry-After"] == "30"
            as_json = requests.get(served.home, headers={"Accept": "application/json"}, timeout=20)
            assert as_json.status_code == 503 and as_json.json()["request_id"]
            ready = requests.get(f"{served.tool}/readyz", timeout=20)
            assert ready.status_code == 503 and "database" in ready.json()["failing"]
            time.sleep(1)
        finally:
            postgres.start()
        deadline = time.monotonic() + 20
        while requests.get(served.home, timeout=20).status_code != 200:
            assert time.monotonic() < deadline, "the pool did not recover"
            time.sleep(0.2)
        time.sleep(1)
        load.stop.set()
        for reader in readers:
            reader.result(timeout=60)

    statuses = {status for status, _ in load.results}
    assert statuses <= {200, 503}, statuses  # never a 500, never a dropped connection
    assert 503 in statuses and 200 in statuses
    assert max(seconds for _, seconds in load.results) < FAIL_FAST_SECONDS
    # Every request after the recovery is served, by the same processes.
    for _ in range(10):
        assert requests.get(served.home, timeout=10).status_code == 200
    assert requests.get(f"{served.tool}/readyz", timeout=10).status_code == 200
    assert served.process.poll() is None
    assert set(_worker_pids(served.process.pid)) == pids_before


def _worker_pids(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children")
    return [int(pid) for pid in children.read_text().split()]
