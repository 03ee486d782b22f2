"""Fault: Redis (the queue and the rate limiter's store) is down while people use the tool.

Launches and the designer's pages keep working; the roster sync a designer's launch asks for
waits in the job ledger (its send after the commit fails and is logged, not shown); /readyz
names the queue. When Redis is back, the worker's sweep sends the job and it runs.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa
from flask_migrate import upgrade

from lti_tool import create_app
from lti_tool.demo_lms.registration import register_tool
from lti_tool.demo_lms.seed import seed_demo
from lti_tool.extensions import db
from lti_tool.jobs import get_huey
from lti_tool.jobs.ledger import LedgerEntry
from lti_tool.roster.models import Membership, RosterSync
from lti_tool.roster.tasks import run_roster_sync
from tests.support.databases import throwaway_database
from tests.support.invites import invite_url_for
from tests.support.launching import DESIGNER, LEARNER, Platform
from tests.support.live_server import LiveServer, start_live_server
from tests.support.private_services import PrivateRedis, private_redis


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[PrivateRedis]:
    with private_redis(tmp_path) as server:
        yield server


@pytest.fixture
def served(tmp_path: Path, redis_server: PrivateRedis) -> Iterator[tuple[LiveServer, Platform]]:
    """The tool and the demo LMS over HTTP, their queue and rate limits in the private Redis."""
    with throwaway_database(tmp_path) as url:
        app = create_app(
            {
                "ENV_NAME": "testing",
                "SQLALCHEMY_DATABASE_URI": url,
                "DEMO_LMS_ENABLED": True,
                "QUEUE_URL": redis_server.url,
                "HUEY_NAME": f"reciprocal-redis-down-{uuid.uuid4().hex[:8]}",
                "RATELIMIT_STORAGE_URI": redis_server.url,
                "READY_CHECK_TIMEOUT_SECONDS": 2,
            }
        )
        with app.app_context():
            upgrade()
        server = start_live_server(app)
        app.config["TOOL_BASE_URL"] = server.tool_url
        try:
            with app.app_context():
                seed_demo(server.tool_url, server.lms_url)
                db.session.commit()
            registration = register_tool(
                server.lms_url, "spec", invite_url_for(app, server, "spec")
            )
            yield server, Platform(app, server.lms_url, "spec", registration)
        finally:
            server.stop()
            with app.app_context():
                db.engine.dispose()


def test_pages_work_and_jobs_wait_in_the_database_while_redis_is_down(
    served: tuple[LiveServer, Platform], redis_server: PrivateRedis
) -> None:
    server, spec = served
    app = spec.app
    redis_server.stop()

    page = spec.launch(DESIGNER)  # the launch asks for a roster sync: Redis is down
    assert page.status_code == 200, page.text[:500]
    launch_id = re.search(r"/s/([^/]+)/", page.url).group(1)
    roster = requests.get(f"{server.tool_url}/s/{launch_id}/roster", timeout=10)
    assert roster.status_code == 200 and "Sync" in roster.text
    assert spec.launch(LEARNER).status_code == 200
    ready = requests.get(f"{server.tool_url}/readyz", timeout=10)
    assert ready.status_code == 503 and ready.json()["failing"] == ["queue"]

    with app.app_context():
        [sync] = db.session.scalars(sa.select(RosterSync)).all()
        [entry] = db.session.scalars(sa.select(LedgerEntry)).all()
        assert (sync.status, sync.trigger) == ("queued", "launch")
        assert (entry.job_name, entry.args, entry.status) == (
            run_roster_sync.name,
            [sync.id],
            "pending",
        )
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Membership)) == 2

    redis_server.start()  # back, empty: the message sent at the commit never got there
    assert get_huey(app).pending_count() == 0
    app.config["JOB_LEDGER_GRACE_SECONDS"] = 0
    result = app.test_cli_runner().invoke(args=["worker", "--burst"])
    assert result.exit_code == 0, result.output
    assert "Sent 1 lost job(s) to the queue again." in result.output

    with app.app_context():
        sync = db.session.get(RosterSync, sync.id)
        assert sync.status == "done", sync.error
        assert db.session.get(LedgerEntry, entry.id).status == "done"
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Membership)) > 2
    assert requests.get(f"{server.tool_url}/readyz", timeout=10).status_code == 200
