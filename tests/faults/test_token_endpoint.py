"""Fault: the platform's token endpoint answers 500 or never answers in time.

The designer's "Sync now" fails with a clear message on the roster page, nothing of the roster
is applied, and the schedule tries the course again later; once the endpoint answers, the sync
goes through.
"""

from __future__ import annotations

import http.server
import threading
import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from lti_tool.core.transaction import unit_of_work
from lti_tool.demo_lms.flavours import ROLE_LEARNER
from lti_tool.demo_lms.models import DemoEnrollment, DemoUser
from lti_tool.extensions import db
from lti_tool.jobs import get_huey, run_pending_jobs
from lti_tool.jobs.ledger import LedgerEntry
from lti_tool.platforms.models import Platform as PlatformRow
from lti_tool.platforms.service_client import forget_tokens
from lti_tool.roster.models import Course, RosterSync
from lti_tool.roster.tasks import run_roster_sync, schedule_roster_syncs
from tests.roster.test_roster_page import csrf_of, syncs_of
from tests.roster.test_sync import make_course
from tests.support.launching import Platform


class BrokenTokenEndpoint(http.server.BaseHTTPRequestHandler):
    mode = "500"
    calls = 0

    def do_POST(self) -> None:
        type(self).calls += 1
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if self.mode == "timeout":
            threading.Event().wait(2)  # past the tool's timeout
        try:
            self.send_response(500)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            self.wfile.write(b"Internal Server Error")
        except OSError:
            pass  # the tool gave up first

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def broken_token_endpoint() -> Iterator[tuple[str, type[BrokenTokenEndpoint]]]:
    handler = type("Handler", (BrokenTokenEndpoint,), {"calls": 0})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/token", handler
    server.shutdown()
    server.server_close()


def add_learner(app: Flask, demo_course_id: int) -> str:
    """A new learner in the demo course: a sync that goes through adds them."""
    tag = uuid.uuid4().hex[:8]
    with app.app_context():
        user = DemoUser(
            username=f"late.{tag}",
            uuid=f"uuid-late-{tag}",
            given_name="Late",
            family_name=tag,
            email=f"late.{tag}@example.org",
        )
        db.session.add(user)
        db.session.add(DemoEnrollment(course_id=demo_course_id, user=user, roles=[ROLE_LEARNER]))
        db.session.commit()
    return tag


def members(app: Flask, course) -> set[str]:
    with app.app_context():
        return set(course.memberships())


@pytest.mark.parametrize(("mode", "words"), [("500", "(500)"), ("timeout", "could not be reached")])
def test_a_failing_token_endpoint_applies_nothing_says_so_and_is_retried_later(
    spec: Platform,
    app: Flask,
    client: FlaskClient,
    broken_token_endpoint,
    monkeypatch: pytest.MonkeyPatch,
    mode: str,
    words: str,
) -> None:
    url, handler = broken_token_endpoint
    handler.mode = mode
    get_huey(app).flush()
    course = make_course(spec, 2)
    with app.app_context():
        run_pending_jobs()  # the launch's own sync, while the endpoint still works
    members_before = members(app, course)
    newcomer = add_learner(app, course.demo_course_id)
    course.usernames.append(f"late.{newcomer}")
    monkeypatch.setitem(app.config, "HTTP_TIMEOUT_SECONDS", 0.5)
    with app.app_context():
        platform = db.session.get(PlatformRow, db.session.get(Course, course.course_id).platform_id)
        platform_id = platform.id
        real_url, platform.auth_token_url = platform.auth_token_url, url
        forget_tokens(platform)
        db.session.commit()
    try:
        roster = client.get(f"/s/{course.launch_id}/roster").get_data(as_text=True)
        answer = client.post(
            f"/s/{course.launch_id}/roster/sync", data={"csrf_token": csrf_of(roster)}
        )
        assert answer.status_code == 303
        with app.app_context():
            assert run_pending_jobs() == 1
        assert handler.calls >= 1
        failed = syncs_of(app, course.course_id)[-1]
        assert failed.status == "failed" and words in failed.error, failed.error
        assert "token endpoint" in failed.error or "access token" in failed.error
        html = client.get(f"/s/{course.launch_id}/roster").get_data(as_text=True)
        assert "failed" in html and "changed nothing" in html and words in html
        assert "Traceback" not in html
        assert members(app, course) == members_before  # nothing applied
        assert not any(newcomer in username for username in members(app, course))
        with app.app_context():  # the job itself finished: its failure is recorded, not lost
            ledger = db.session.scalars(
                sa.select(LedgerEntry).order_by(LedgerEntry.id.desc()).limit(1)
            ).one()
            assert (ledger.job_name, ledger.args, ledger.status) == (
                run_roster_sync.name,
                [failed.id],
                "done",
            )
    finally:
        with app.app_context():
            db.session.get(PlatformRow, platform_id).auth_token_url = real_url
            db.session.commit()

    # Later, the LMS answers again: the schedule tries the failed course again.
    monkeypatch.setitem(app.config, "ROSTER_SYNC_RETRY_FAILED_MINUTES", 0)
    get_huey(app).flush()
    with app.app_context(), unit_of_work():
        schedule_roster_syncs()
    retry = syncs_of(app, course.course_id)[-1]
    assert (retry.trigger, retry.status) == ("schedule", "queued")
    get_huey(app).flush()  # other tests' courses were queued too: run only this one
    with app.app_context():
        run_roster_sync(retry.id)
    assert syncs_of(app, course.course_id)[-1].status == "done"
    assert any(newcomer in username for username in members(app, course))
    with app.app_context(), unit_of_work():
        schedule_roster_syncs()  # synced now: not due again
    assert syncs_of(app, course.course_id)[-1].id == retry.id
    get_huey(app).flush()
    with app.app_context():
        assert (
            db.session.scalar(
                sa.select(sa.func.count())
                .select_from(RosterSync)
                .where(RosterSync.course_id == course.course_id, RosterSync.status == "queued")
            )
            == 0
        )
