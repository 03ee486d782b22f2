"""The designer's roster page: members, last sync, "Sync now" with progress, and who may
see it — designers of the launch's own course only."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from lti_tool.core.time import utcnow
from lti_tool.extensions import db
from lti_tool.jobs import get_huey, run_pending_jobs
from lti_tool.roster.models import Course, RosterSync
from lti_tool.roster.tasks import schedule_roster_syncs
from tests.roster.test_sync import make_course, run_sync
from tests.support.launching import DESIGNER, LEARNER, Platform

JSON = {"Accept": "application/json"}


def csrf_of(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def syncs_of(app: Flask, course_id: int) -> list[RosterSync]:
    with app.app_context():
        rows = db.session.scalars(
            sa.select(RosterSync).where(RosterSync.course_id == course_id).order_by(RosterSync.id)
        ).all()
        for row in rows:
            db.session.expunge(row)
        return list(rows)


@pytest.fixture
def queue(app: Flask):
    """The test app's in-memory queue, emptied of other tests' jobs."""
    huey = get_huey(app)
    huey.flush()
    yield huey
    huey.flush()


def test_a_designer_launch_queues_one_sync(spec: Platform, app: Flask, queue) -> None:
    course = make_course(spec, 2)
    [sync] = syncs_of(app, course.course_id)
    assert (sync.trigger, sync.status) == ("launch", "queued")
    assert queue.pending_count() == 1
    spec.launch(DESIGNER, course=course.context_id)  # again, minutes later: nothing new
    assert len(syncs_of(app, course.course_id)) == 1 and queue.pending_count() == 1
    with app.app_context():
        assert run_pending_jobs() == 1
    [sync] = syncs_of(app, course.course_id)
    assert (sync.status, sync.members_seen) == ("done", 3)


def test_no_sync_on_launch_when_turned_off(spec: Platform, app: Flask, monkeypatch) -> None:
    monkeypatch.setitem(app.config, "ROSTER_SYNC_ON_LAUNCH_MINUTES", 0)
    course = make_course(spec, 1)
    assert syncs_of(app, course.course_id) == []


def test_the_designer_sees_members_and_the_last_sync(
    platform: Platform, app: Flask, client: FlaskClient
) -> None:
    course = make_course(platform, 3, inactive=1)
    run_sync(app, course.course_id)
    page = client.get(f"/s/{course.launch_id}/roster")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "3 active members" in html and "1 inactive" in html
    assert html.count("<tr>") == 1 + 4  # header + designer and three learners
    assert "Instructor" in html and "Learner" in html and "Inactive" in html
    assert re.search(r'Last sync: .*UTC\s*<span class="badge ok">done</span>', html)
    assert "Sync now" in html
    assert "<script>" not in html  # CSP: no inline scripts


def test_the_designer_home_links_to_the_roster(spec: Platform) -> None:
    page = spec.launch(DESIGNER)
    launch_id = re.search(r"/s/([^/]+)/", page.url).group(1)
    assert f"/s/{launch_id}/roster" in page.text


def test_sync_now_queues_a_sync_and_shows_its_progress(
    spec: Platform, app: Flask, client: FlaskClient, queue
) -> None:
    course = make_course(spec, 4)
    with app.app_context():
        run_pending_jobs()  # the launch's own sync
    roster = client.get(f"/s/{course.launch_id}/roster").get_data(as_text=True)
    answer = client.post(
        f"/s/{course.launch_id}/roster/sync", data={"csrf_token": csrf_of(roster), "full": "1"}
    )
    assert answer.status_code == 303
    sync = syncs_of(app, course.course_id)[-1]
    assert (sync.trigger, sync.status, sync.kind) == ("manual", "queued", "full")
    assert answer.location.endswith(f"/s/{course.launch_id}/roster/syncs/{sync.id}/progress")

    progress = client.get(answer.location).get_data(as_text=True)
    status_url = f"/s/{course.launch_id}/roster/syncs/{sync.id}"
    assert f'data-status-url="{status_url}"' in progress
    assert "<progress" in progress and 'aria-live="polite"' in progress
    assert "js/roster-sync.js" in progress and "<script>" not in progress
    assert '<noscript><meta http-equiv="refresh"' in progress  # no-JS fallback
    status = client.get(status_url, headers=JSON).get_json()
    assert (status["status"], status["finished"]) == ("queued", False)
    assert "Waiting for the background worker" in status["message"]

    with app.app_context():
        assert run_pending_jobs() == 1
    status = client.get(status_url, headers=JSON).get_json()
    assert (status["status"], status["finished"], status["kind"]) == ("done", True, "full")
    assert status["members_seen"] == status["members_expected"] == 5
    assert "Roster synced" in status["message"]
    done = client.get(answer.location).get_data(as_text=True)
    assert "http-equiv" not in done  # finished: no more reloading


def test_the_status_of_a_running_sync_shows_progress(
    spec: Platform, app: Flask, client: FlaskClient
) -> None:
    course = make_course(spec, 2)
    run_sync(app, course.course_id)
    with app.app_context():
        sync = RosterSync(course_id=course.course_id, trigger="manual", status="queued")
        db.session.add(sync)
        sync.start("full")
        sync.record_progress(pages_read=2, members_seen=2)
        db.session.commit()
        sync_id = sync.id
    status = client.get(f"/s/{course.launch_id}/roster/syncs/{sync_id}", headers=JSON)
    body = status.get_json()
    assert status.headers["Cache-Control"] == "no-store"
    assert (body["status"], body["members_seen"], body["members_expected"]) == ("running", 2, 3)
    assert "2 members so far (2 pages)" in body["message"]


def test_a_failed_sync_is_shown_with_its_reason(
    spec: Platform, app: Flask, client: FlaskClient
) -> None:
    course = make_course(spec, 1)
    with app.app_context():
        sync = db.session.scalars(
            sa.select(RosterSync).where(RosterSync.course_id == course.course_id)
        ).one()
        sync.fail("Your LMS answered 500 to GET https://lms.example/members: boom")
        db.session.commit()
    html = client.get(f"/s/{course.launch_id}/roster").get_data(as_text=True)
    assert "failed" in html and "changed nothing" in html and "answered 500" in html


def test_a_learner_is_refused(spec: Platform, client: FlaskClient) -> None:
    page = spec.launch(LEARNER)
    launch_id = re.search(r"/s/([^/]+)/", page.url).group(1)
    assert client.get(f"/s/{launch_id}/roster").status_code == 403
    assert client.get(f"/s/{launch_id}/roster/syncs/1", headers=JSON).status_code == 403
    assert client.post(f"/s/{launch_id}/roster/sync").status_code == 403


def test_a_designer_never_sees_or_syncs_another_course(
    spec: Platform, app: Flask, client: FlaskClient
) -> None:
    mine, theirs = make_course(spec, 1), make_course(spec, 2)
    their_sync = run_sync(app, theirs.course_id)
    for url in (
        f"/s/{mine.launch_id}/roster/syncs/{their_sync.id}",
        f"/s/{mine.launch_id}/roster/syncs/{their_sync.id}/progress",
    ):
        answer = client.get(url, headers=JSON)
        assert answer.status_code == 404
        assert "no such roster sync" in answer.get_json()["message"]
    html = client.get(f"/s/{mine.launch_id}/roster").get_data(as_text=True)
    assert theirs.usernames[1].split(".")[1] not in html  # none of their learners
    before = len(syncs_of(app, theirs.course_id))
    client.post(
        f"/s/{mine.launch_id}/roster/sync",
        data={"csrf_token": csrf_of(html), "course_id": theirs.course_id},
    )
    assert len(syncs_of(app, theirs.course_id)) == before  # the course comes from the launch


def test_sync_now_needs_the_csrf_token(spec: Platform, client: FlaskClient) -> None:
    course = make_course(spec, 1)
    answer = client.post(f"/s/{course.launch_id}/roster/sync", data={"csrf_token": "forged"})
    assert answer.status_code == 403


def test_the_schedule_queues_courses_due_and_expires_lost_syncs(
    spec: Platform, app: Flask, queue, monkeypatch
) -> None:
    monkeypatch.setitem(app.config, "ROSTER_SYNC_EVERY_MINUTES", 60)
    course = make_course(spec, 1)
    with app.app_context():
        [launch_sync] = db.session.scalars(
            sa.select(RosterSync).where(RosterSync.course_id == course.course_id)
        ).all()
        launch_sync.created_at = utcnow() - dt.timedelta(hours=2)  # a job nobody ran
        db.session.commit()
        schedule_roster_syncs()
        db.session.expire_all()
        syncs = db.session.scalars(
            sa.select(RosterSync)
            .where(RosterSync.course_id == course.course_id)
            .order_by(RosterSync.id)
        ).all()
        assert [(s.trigger, s.status) for s in syncs] == [
            ("launch", "failed"),
            ("schedule", "queued"),
        ]
        assert "No worker started this sync" in syncs[0].error
        queued_ids = {t.args[0] for t in queue.pending() if type(t).__name__ == "run_roster_sync"}
        assert syncs[1].id in queued_ids
        schedule_roster_syncs()  # nothing is due twice
        assert (
            db.session.scalar(
                sa.select(sa.func.count())
                .select_from(RosterSync)
                .where(RosterSync.course_id == course.course_id)
            )
            == 2
        )
        assert db.session.get(Course, course.course_id).memberships_url


def test_a_sync_waiting_too_long_says_so(spec: Platform, app: Flask, client: FlaskClient) -> None:
    course = make_course(spec, 1)
    with app.app_context():
        sync = db.session.scalars(
            sa.select(RosterSync).where(RosterSync.course_id == course.course_id)
        ).one()
        sync.created_at = utcnow() - dt.timedelta(minutes=5)
        db.session.commit()
        sync_id = sync.id
    body = client.get(f"/s/{course.launch_id}/roster/syncs/{sync_id}", headers=JSON).get_json()
    assert body["status"] == "queued" and "worker (flask worker) is running" in body["message"]


@pytest.mark.browser
def test_sync_now_in_a_browser_shows_live_progress(
    page, spec: Platform, app: Flask, live_server, queue
) -> None:
    """Chromium: the button, the redirect, the polling script under the CSP, the result."""
    course = make_course(spec, 3)
    with app.app_context():
        run_pending_jobs()  # the launch's own sync
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.goto(f"{live_server.tool_url}/s/{course.launch_id}/roster")
    page.get_by_role("button", name="Sync now").click()
    page.wait_for_url("**/progress")
    message = page.locator("#sync-message")
    assert "Waiting for the background worker" in message.inner_text()
    with app.app_context():
        assert run_pending_jobs() == 1
    page.locator("#sync-message", has_text="Roster synced").wait_for(timeout=10_000)
    assert page.locator("#sync-done").is_visible()
    assert page.evaluate("document.getElementById('sync-bar').value") == 1
    page.get_by_role("link", name="See the roster").click()
    page.get_by_role("heading", name="Roster").wait_for()
    assert problems == []
