"""Production serving: gunicorn with two workers, Prometheus multiprocess mode and JSON logs.

One server for the module (starting gunicorn is the slow part): launches from the demo LMS
spread over both workers, and /metrics — whichever worker answers — sums them all.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import signal
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from flask_migrate import upgrade

from lti_tool import create_app
from lti_tool.demo_lms.registration import RegistrationResult, register_tool
from lti_tool.demo_lms.seed import seed_demo
from lti_tool.extensions import db
from lti_tool.platforms.invites import invite_url, mint_invite
from tests.ops.support import METRICS_TOKEN, scrape, value
from tests.support.gunicorn import Served as GunicornServed
from tests.support.gunicorn import free_port, gunicorn_served
from tests.support.launching import LEARNER
from tests.support.lti_browser import LtiBrowser

LAUNCHES = 8


@dataclass
class Served:
    tool: str
    lms: str
    registration: RegistrationResult
    metrics_dir: Path
    server: GunicornServed

    def logged(self) -> str:
        return self.server.logged()


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    tmp = tmp_path_factory.mktemp("gunicorn")
    port = free_port()
    tool, lms = f"http://127.0.0.1:{port}", f"http://localhost:{port}"
    metrics_dir = tmp / "prometheus"
    metrics_dir.mkdir()
    (metrics_dir / "counter_99999.db").write_bytes(b"left over from an earlier run")
    env = {
        "RECIPROCAL_ENV": "development",
        "DATABASE_URL": f"sqlite:///{tmp / 'tool.sqlite3'}",
        "QUEUE_URL": f"sqlite:///{tmp / 'queue.sqlite3'}",
        "GUNICORN_ACCESS_LOG": "-",
        "LOG_LEVEL": "INFO",
        "LOG_FORMAT": "json",
        "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
        "METRICS_TOKEN": METRICS_TOKEN,
        "METRICS_ALLOWED_NETWORKS": "",
    }
    prepared = create_app({"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": env["DATABASE_URL"]})
    with prepared.app_context():
        upgrade()
        seed_demo(tool, lms)
        register_url = invite_url(
            f"{tool}/lti/register", mint_invite(actor="tests", ttl=dt.timedelta(hours=1)).token
        )
        db.session.commit()
        db.engine.dispose()
    with gunicorn_served(
        env,
        port=port,
        workers=2,
        threads=4,
        log_path=tmp / "server.log",
        log_level="info",
        stop_signal=signal.SIGINT,  # quick shutdown
    ) as server:
        registration = register_tool(lms, "spec", register_url)
        yield Served(tool, lms, registration, metrics_dir, server)


def _launch(served: Served) -> str:
    page = LtiBrowser(served.lms).launch("spec", LEARNER, client_id=served.registration.client_id)
    assert page.status_code == 200, page.text[:300]
    return re.search(r"/s/([^/]+)/", page.url).group(1)


def test_metrics_sum_the_launches_of_both_workers(served: Served) -> None:
    # The first launch creates the course and the person: later ones only update them.
    launch_ids = [_launch(served)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        launch_ids += pool.map(lambda _: _launch(served), range(LAUNCHES - 1))
    assert len(set(launch_ids)) == LAUNCHES

    # Each worker keeps its own files; the stale file of an earlier run was removed at start.
    writers = {path.stem.rsplit("_", 1)[1] for path in served.metrics_dir.glob("counter_*.db")}
    assert "99999" not in writers
    assert len(writers) == 2, writers
    for _ in range(4):  # whichever worker answers, the counts are the site's
        samples = scrape(served.tool)
        assert value(samples, "reciprocal_launches_total", outcome="accepted") == LAUNCHES
        assert (
            value(samples, "reciprocal_launch_duration_seconds_count", outcome="accepted")
            == LAUNCHES
        )
        assert (
            value(samples, "reciprocal_outbound_request_duration_seconds_count", service="jwks")
            >= 1
        )
    refused = requests.get(f"{served.tool}/metrics", timeout=10)
    assert refused.status_code == 401


def test_json_logs_carry_request_ids_and_no_launch_id(served: Served) -> None:
    launch_id = _launch(served)
    assert (
        requests.get(f"{served.tool}/s/{launch_id}/x%0AFORGED%20line", timeout=10).status_code
        == 404
    )
    refused = requests.post(f"{served.tool}/lti/launch", data={"state": "nope"}, timeout=10)
    assert refused.status_code == 400
    request_id = refused.headers["X-Request-ID"]
    assert f"Reference: <code>{request_id}</code>" in refused.text

    # gunicorn writes the access line after the response is sent: wait for it.
    deadline = time.monotonic() + 10
    while True:
        logged = served.logged()
        lines = [line for line in logged.splitlines() if line.strip()]
        entries = [json.loads(line) for line in lines]  # every line is one JSON object
        access = [e for e in entries if e["logger"] == "gunicorn.access"]
        if any(e["message"].endswith(request_id) for e in access) or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    app_lines = [e for e in entries if e["request_id"] == request_id]
    assert any("no id_token" in e["message"] for e in app_lines), app_lines
    assert any(e["message"].endswith(request_id) for e in access)
    assert any('"GET /s/…/x\\nFORGED line HTTP/1.1" 404' in e["message"] for e in access)
    assert launch_id not in logged
    assert not any(line.startswith("FORGED") for line in lines)
