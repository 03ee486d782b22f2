"""/metrics over HTTP: protected, and showing real launches and calls to the demo LMS."""

from __future__ import annotations

import time

import pytest
import requests
import sqlalchemy as sa
from flask import Flask

from lti_tool.core.lti_spec import NRPS_READ
from lti_tool.extensions import db
from lti_tool.jobs.queue import TimedTask, jobs_of
from lti_tool.platforms.models import Platform as PlatformRow
from lti_tool.platforms.service_client import access_token
from tests.grades.support import make_graded
from tests.matching.test_programs import forget_programs  # noqa: F401  (a fixture)
from tests.ops.support import METRICS_TOKEN, scrape, tool_served, value
from tests.support.launching import DESIGNER, LEARNER, Platform, launch_with, other_key
from tests.support.live_server import LiveServer


@pytest.fixture
def metrics_token(app: Flask, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setitem(app.config, "METRICS_TOKEN", METRICS_TOKEN)
    return METRICS_TOKEN


def test_metrics_are_refused_without_the_token(live_server: LiveServer, metrics_token: str) -> None:
    url = f"{live_server.tool_url}/metrics"
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": metrics_token}):
        response = requests.get(url, headers=headers, timeout=10)
        assert response.status_code == 401, headers
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert "reciprocal_" not in response.text
    allowed = requests.get(url, headers={"Authorization": f"Bearer {metrics_token}"}, timeout=10)
    assert allowed.status_code == 200
    assert allowed.headers["Content-Type"].startswith("text/plain")


def test_metrics_are_off_when_nothing_allows_them(live_server: LiveServer) -> None:
    response = requests.get(f"{live_server.tool_url}/metrics", timeout=10)
    assert response.status_code == 401
    assert "METRICS_TOKEN" in response.json()["hint"]


def test_an_allowed_network_reads_metrics_without_a_token(database_url: str, app: Flask) -> None:
    with tool_served(
        SQLALCHEMY_DATABASE_URI=database_url, METRICS_ALLOWED_NETWORKS="127.0.0.0/8"
    ) as server:
        assert requests.get(f"{server.tool_url}/metrics", timeout=10).status_code == 200
    with tool_served(
        SQLALCHEMY_DATABASE_URI=database_url, METRICS_ALLOWED_NETWORKS="10.0.0.0/8"
    ) as server:
        assert requests.get(f"{server.tool_url}/metrics", timeout=10).status_code == 401


def _platform_id(app: Flask, platform: Platform) -> str:
    with app.app_context():
        row = db.session.execute(
            db.select(PlatformRow).where(PlatformRow.client_id == platform.client_id)
        ).scalar_one()
        return str(row.id)


def test_a_launch_and_service_calls_show_in_the_metrics(
    app: Flask, live_server: LiveServer, spec: Platform, metrics_token: str
) -> None:
    platform_id = _platform_id(app, spec)
    before = scrape(live_server.tool_url)

    page = spec.launch(DESIGNER)
    assert page.status_code == 200, page.text[:300]
    with app.app_context():
        access_token(db.session.get(PlatformRow, int(platform_id)), [NRPS_READ], fresh=True)

    after = scrape(live_server.tool_url)
    accepted = {"outcome": "accepted", "platform": platform_id}
    assert (
        value(after, "reciprocal_launches_total", **accepted)
        == value(before, "reciprocal_launches_total", **accepted) + 1
    )
    assert (
        value(after, "reciprocal_launch_duration_seconds_count", **accepted)
        == value(before, "reciprocal_launch_duration_seconds_count", **accepted) + 1
    )
    assert value(after, "reciprocal_launch_duration_seconds_sum", **accepted) > value(
        before, "reciprocal_launch_duration_seconds_sum", **accepted
    )
    # The platform's JWKS was fetched by this launch or an earlier one of this process.
    assert (
        value(
            after,
            "reciprocal_outbound_request_duration_seconds_count",
            service="jwks",
            platform=platform_id,
        )
        >= 1
    )
    token = {"service": "token", "platform": platform_id}
    assert (
        value(after, "reciprocal_outbound_request_duration_seconds_count", **token)
        >= value(before, "reciprocal_outbound_request_duration_seconds_count", **token) + 1
    )
    assert (
        value(
            after, "reciprocal_platform_info", platform=platform_id, issuer=f"{spec.lms_url}/spec"
        )
        == 1
    )
    assert value(after, "reciprocal_queue_reachable") == 1
    assert ("reciprocal_queue_depth", frozenset()) in after
    assert ("reciprocal_grade_sends", frozenset({("state", "waiting")})) in after


def test_grade_sends_waiting_and_failed_are_gauged(
    live_server: LiveServer, metrics_token: str, spec: Platform, forget_programs: None
) -> None:
    from lti_tool.learning.grades.models import GradeSend

    graded = make_graded(spec)
    before = scrape(live_server.tool_url)
    graded.complete(graded.graded_step_ids[0])  # the step's score and the path completion's
    waiting = scrape(live_server.tool_url)
    assert value(waiting, "reciprocal_grade_sends", state="waiting") == (
        value(before, "reciprocal_grade_sends", state="waiting") + 2
    )
    with spec.app.app_context():
        row = db.session.scalars(
            sa.select(GradeSend).filter_by(person_id=graded.mentor_id, step_id=None)
        ).one()
        row.state = "failed"
        db.session.commit()
    refused = scrape(live_server.tool_url)
    assert value(refused, "reciprocal_grade_sends", state="failed") == (
        value(waiting, "reciprocal_grade_sends", state="failed") + 1
    )
    assert value(refused, "reciprocal_grade_sends", state="waiting") == (
        value(waiting, "reciprocal_grade_sends", state="waiting") - 1
    )


def test_a_refused_launch_is_counted_by_the_step_that_refused_it(
    app: Flask, live_server: LiveServer, spec: Platform, metrics_token: str
) -> None:
    platform_id = _platform_id(app, spec)
    refused = {"outcome": "refused", "platform": platform_id, "reason": "signature"}
    before = value(scrape(live_server.tool_url), "reciprocal_launches_total", **refused)

    response = launch_with(spec, key=other_key(), headers={"kid": "no-such-key"})
    assert response.status_code == 401

    after = scrape(live_server.tool_url)
    assert value(after, "reciprocal_launches_total", **refused) == before + 1
    # A post without an id_token: refused before any platform is known.
    no_token = requests.post(f"{live_server.tool_url}/lti/launch", data={"state": "x"}, timeout=10)
    assert no_token.status_code == 400
    assert (
        value(
            scrape(live_server.tool_url),
            "reciprocal_launches_total",
            outcome="refused",
            platform="unknown",
            reason="request",
        )
        >= 1
    )
    assert not any(LEARNER in str(labels) for _, labels in after)  # no user data in labels


def test_queue_depth_and_oldest_job_age(database_url: str, app: Flask, tmp_path) -> None:
    """Jobs waiting in a real queue (an SQLite file no worker reads) show with their age."""
    with tool_served(
        SQLALCHEMY_DATABASE_URI=database_url,
        METRICS_TOKEN=METRICS_TOKEN,
        QUEUE_URL=f"sqlite:///{tmp_path / 'queue.sqlite3'}",
    ) as server:
        empty = scrape(server.tool_url)
        assert value(empty, "reciprocal_queue_depth") == 0
        assert value(empty, "reciprocal_queue_oldest_job_age_seconds") == 0
        send = next(
            task
            for task in jobs_of(server.app).tasks.values()
            if issubclass(task.task_class, TimedTask)
        )  # not a periodic one
        send(0)
        time.sleep(0.3)
        send(0)
        waiting = scrape(server.tool_url)
    assert value(waiting, "reciprocal_queue_depth") == 2
    assert 0.3 <= value(waiting, "reciprocal_queue_oldest_job_age_seconds") < 30
