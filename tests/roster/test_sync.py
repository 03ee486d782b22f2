"""Roster sync over real HTTP through the demo LMS: full and incremental syncs, roles and
statuses, leavers, progress, and platform failures that apply nothing."""

from __future__ import annotations

import datetime as dt
import http.server
import json
import re
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import sqlalchemy as sa
from flask import Flask

from lti_tool.core.lti_spec import LIS
from lti_tool.core.time import utcnow
from lti_tool.demo_lms.directory import get_registration
from lti_tool.demo_lms.dynamic_registration import add_default_activity
from lti_tool.demo_lms.flavours import ROLE_INSTRUCTOR, ROLE_LEARNER, get_flavour
from lti_tool.demo_lms.models import DemoCourse, DemoEnrollment, DemoUser
from lti_tool.demo_lms.seed import PEOPLE
from lti_tool.errors import PlatformServiceError
from lti_tool.extensions import db
from lti_tool.jobs.tracked import Limits
from lti_tool.roster.launches import LaunchSession
from lti_tool.roster.models import Course, Membership, Person, RosterSync
from lti_tool.roster.signals import members_left
from lti_tool.roster.sync import FULL, INCREMENTAL, last_differences_url, sync_memberships
from lti_tool.roster.tasks import queue_roster_sync, run_roster_sync
from tests.support.launching import DESIGNER, Platform

LEARNER_URI = f"{LIS}membership#Learner"
INSTRUCTOR_URI = f"{LIS}membership#Instructor"
QUEUED_LIMIT = Limits().queued  # JOB_QUEUED_LOST_SECONDS's default, as the tests run


@dataclass
class SyncCourse:
    """A fresh demo LMS course, launched once by its designer so the tool knows it."""

    platform: Platform
    demo_course_id: int
    context_id: str
    course_id: int
    launch_id: str
    usernames: list[str]

    def enrollment(self, username: str) -> DemoEnrollment:
        return db.session.scalars(
            sa.select(DemoEnrollment)
            .join(DemoUser)
            .where(DemoEnrollment.course_id == self.demo_course_id, DemoUser.username == username)
        ).one()

    def memberships(self) -> dict[str, Membership]:
        """Tool memberships of the course by the member's demo username."""
        rows = db.session.execute(
            sa.select(Membership, Person.sub)
            .join(Person)
            .where(Membership.course_id == self.course_id)
        ).all()
        flavour = get_flavour(self.platform.flavour)
        users = db.session.scalars(
            sa.select(DemoUser).where(DemoUser.username.in_([*self.usernames, DESIGNER]))
        ).all()
        by_sub = {
            (str(u.id) if flavour.subject_style == "numeric" else u.uuid): u.username for u in users
        }
        return {by_sub[sub]: membership for membership, sub in rows}


def make_course(platform: Platform, learners: int, *, inactive: int = 0) -> SyncCourse:
    """A demo course with the seeded designer and ``learners`` new learners (the last
    ``inactive`` of them Inactive), then a real designer launch into it."""
    app = platform.app
    tag = uuid.uuid4().hex[:8]
    context_id = f"SYNC-{tag}"
    with app.app_context():
        course = DemoCourse(context_id=context_id, title=f"Sync test {tag}", label=context_id)
        db.session.add(course)
        designer = db.session.scalars(
            sa.select(DemoUser).where(DemoUser.username == PEOPLE[0].username)
        ).one()
        db.session.add(DemoEnrollment(course=course, user=designer, roles=[ROLE_INSTRUCTOR]))
        usernames = []
        for i in range(learners):
            username = f"sync.{tag}.{i}"
            usernames.append(username)
            user = DemoUser(
                username=username,
                uuid=f"uuid-{tag}-{i}",
                given_name=f"Learner{i}",
                family_name=tag,
                email=f"{username}@example.org",
            )
            status = "Inactive" if i >= learners - inactive else "Active"
            db.session.add(
                DemoEnrollment(course=course, user=user, roles=[ROLE_LEARNER], status=status)
            )
        db.session.flush()
        registration = get_registration(get_flavour(platform.flavour), platform.client_id)
        add_default_activity(registration, course)
        db.session.commit()
        demo_course_id = course.id
    page = platform.launch(DESIGNER, course=context_id)
    launch_id = re.search(r"/s/([^/]+)/", page.url).group(1)
    with app.app_context():
        course_id = db.session.get(LaunchSession, launch_id).course_id
    return SyncCourse(platform, demo_course_id, context_id, course_id, launch_id, usernames)


def run_sync(app: Flask, course_id: int, *, full: bool = False) -> RosterSync:
    """Queue and run a sync the way the worker does; the finished RosterSync."""
    with app.app_context():
        sync_id = queue_roster_sync(
            db.session.get(Course, course_id), trigger="manual", full=full
        ).id
        db.session.commit()
        run_roster_sync(sync_id)
        db.session.expire_all()
        sync = db.session.get(RosterSync, sync_id)
        db.session.expunge(sync)
        return sync


def touch(enrollment: DemoEnrollment, **changes: object) -> None:
    for name, value in changes.items():
        setattr(enrollment, name, value)
    enrollment.updated_at = utcnow() + dt.timedelta(milliseconds=5)


@pytest.fixture
def left_events() -> Iterator[list[tuple[int, list[int]]]]:
    events: list[tuple[int, list[int]]] = []

    def receiver(course_id: int, *, person_ids: list[int]) -> None:
        events.append((course_id, person_ids))

    members_left.connect(receiver)
    yield events
    members_left.disconnect(receiver)


def test_full_sync_records_people_roles_and_statuses(platform: Platform) -> None:
    course = make_course(platform, 6, inactive=1)
    sync = run_sync(platform.app, course.course_id)
    assert (sync.status, sync.kind, sync.error) == ("done", FULL, None)
    assert sync.members_seen == 7 and sync.pages_read == 1
    # The designer was already a member from the launch: 5 active learners joined.
    assert (sync.members_added, sync.members_left) == (5, 0)
    with platform.app.app_context():
        members = course.memberships()
        assert len(members) == 7
        assert members[DESIGNER].roles == [INSTRUCTOR_URI]  # Moodle's short names → URIs too
        assert {m.roles[0] for name, m in members.items() if name != DESIGNER} == {LEARNER_URI}
        assert [members[u].status for u in course.usernames] == ["Active"] * 5 + ["Inactive"]
        launched = db.session.get(LaunchSession, course.launch_id)
        assert members[DESIGNER].person_id == launched.person_id  # same Person, not a copy
        learner = db.session.get(Person, members[course.usernames[0]].person_id)
        if platform.flavour != "canvas":  # Canvas's default privacy shares no names
            assert learner.given_name == "Learner0"


def test_a_second_sync_reads_only_the_differences(spec: Platform) -> None:
    course = make_course(spec, 4)
    first = run_sync(spec.app, course.course_id)
    assert first.differences_url and "since=" in first.differences_url
    with spec.app.app_context():
        touch(course.enrollment(course.usernames[0]), roles=[ROLE_INSTRUCTOR])
        touch(course.enrollment(course.usernames[1]), status="Inactive")
        newcomer = DemoUser(
            username=f"new.{course.context_id}",
            uuid=f"new-{course.context_id}",
            given_name="Newcomer",
        )
        db.session.add(
            DemoEnrollment(
                course_id=course.demo_course_id,
                user=newcomer,
                roles=[ROLE_LEARNER],
                updated_at=utcnow(),
            )
        )
        db.session.commit()
        course.usernames.append(newcomer.username)
    second = run_sync(spec.app, course.course_id)
    assert (second.status, second.kind) == ("done", INCREMENTAL)
    assert second.members_seen == 3
    assert (second.members_added, second.members_updated, second.members_left) == (1, 1, 1)
    assert second.differences_url != first.differences_url
    with spec.app.app_context():
        members = course.memberships()
        assert members[course.usernames[0]].roles == [INSTRUCTOR_URI]
        assert members[course.usernames[1]].status == "Inactive"
        assert len(members) == 6
        assert (
            last_differences_url(db.session.get(Course, course.course_id)) == second.differences_url
        )
    third = run_sync(spec.app, course.course_id)
    assert (third.kind, third.members_seen, third.members_added) == (INCREMENTAL, 0, 0)


def test_full_sync_when_asked_even_with_a_differences_link(spec: Platform) -> None:
    course = make_course(spec, 2)
    run_sync(spec.app, course.course_id)
    again = run_sync(spec.app, course.course_id, full=True)
    assert (again.kind, again.members_seen, again.members_added) == (FULL, 3, 0)


def test_leavers_fire_the_hook_with_their_ids(spec: Platform, left_events: list) -> None:
    course = make_course(spec, 4)
    run_sync(spec.app, course.course_id)
    assert left_events == []
    with spec.app.app_context():
        touch(course.enrollment(course.usernames[0]), status="Deleted")
        touch(course.enrollment(course.usernames[1]), status="Inactive")
        db.session.commit()
        expected = sorted(course.memberships()[u].person_id for u in course.usernames[:2])
    sync = run_sync(spec.app, course.course_id)
    assert sync.members_left == 2
    assert left_events == [(course.course_id, expected)]


def test_a_member_missing_from_a_full_list_is_deleted(spec: Platform, left_events: list) -> None:
    course = make_course(spec, 3)
    run_sync(spec.app, course.course_id)
    with spec.app.app_context():
        gone = course.enrollment(course.usernames[2])
        person_id = course.memberships()[course.usernames[2]].person_id
        db.session.delete(gone)  # vanished without a trace: no differences entry either
        db.session.commit()
    sync = run_sync(spec.app, course.course_id, full=True)
    assert (sync.members_seen, sync.members_left) == (3, 1)
    assert left_events == [(course.course_id, [person_id])]
    with spec.app.app_context():
        assert course.memberships()[course.usernames[2]].status == "Deleted"


def test_progress_is_reported_page_by_page(platform: Platform) -> None:
    course = make_course(platform, 6)
    progress: list[tuple[int, int]] = []
    with platform.app.app_context():
        outcome = sync_memberships(
            db.session.get(Course, course.course_id),
            page_size=2,
            progress=lambda pages, n: progress.append((pages, n)),
        )
        db.session.rollback()
    assert progress == [(1, 2), (2, 4), (3, 6), (4, 7)]
    assert (outcome.pages_read, outcome.members_seen) == (4, 7)


def test_the_job_records_pages_read(spec: Platform, app: Flask, monkeypatch) -> None:
    monkeypatch.setitem(app.config, "ROSTER_SYNC_PAGE_SIZE", 3)
    course = make_course(spec, 8)
    sync = run_sync(app, course.course_id)
    assert (sync.pages_read, sync.members_seen) == (3, 9)
    assert sync.started_at <= sync.finished_at


class FailingPlatform(http.server.BaseHTTPRequestHandler):
    """A memberships endpoint: page 1 is fine and links to page 2, which fails as asked."""

    mode = "500"

    def do_GET(self) -> None:
        if "page=2" not in self.path:
            body = {
                "id": self.path,
                "members": [
                    {
                        "user_id": "ghost-1",
                        "roles": ["Learner"],
                        "status": "Active",
                        "name": "Ghost",
                    }
                ],
            }
            self._send(
                200,
                json.dumps(body),
                link=f'<http://{self.headers["Host"]}/members?page=2>; rel="next"',
            )
        elif self.mode == "500":
            self._send(500, "Internal Server Error: database unavailable")
        elif self.mode == "timeout":
            threading.Event().wait(2)
            self._send(200, "{}")
        else:
            self._send(200, "<html>Login</html>")

    def _send(self, status: int, text: str, link: str | None = None) -> None:
        try:
            self.send_response(status)
            if link:
                self.send_header("Link", link)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(text.encode())
        except OSError:
            pass  # the client gave up (timeout test)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def failing_platform() -> Iterator[tuple[str, type[FailingPlatform]]]:
    handler = type("Handler", (FailingPlatform,), {})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/members", handler
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize(
    ("mode", "words"),
    [
        ("500", "answered 500"),
        ("timeout", "did not answer in time"),
        ("html", "not JSON"),
    ],
)
def test_a_platform_error_applies_nothing_and_says_why(
    spec: Platform, app: Flask, failing_platform, monkeypatch, left_events, mode, words
) -> None:
    url, handler = failing_platform
    handler.mode = mode
    course = make_course(spec, 3)
    run_sync(app, course.course_id)
    monkeypatch.setitem(app.config, "HTTP_TIMEOUT_SECONDS", 0.5)
    with app.app_context():
        before = {u: (m.status, m.roles) for u, m in course.memberships().items()}
        people = db.session.scalar(sa.select(sa.func.count()).select_from(Person))
        row = db.session.get(Course, course.course_id)
        real_url, row.memberships_url = row.memberships_url, url
        db.session.commit()
    try:
        sync = run_sync(app, course.course_id, full=True)
    finally:
        with app.app_context():
            db.session.get(Course, course.course_id).memberships_url = real_url
            db.session.commit()
    assert sync.status == "failed" and words in sync.error
    assert sync.finished_at is not None
    with app.app_context():
        after = {u: (m.status, m.roles) for u, m in course.memberships().items()}
        assert after == before  # nobody marked Deleted although page 1 lacked them all
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Person)) == people
    assert left_events == []


def test_a_refused_differences_link_falls_back_to_a_full_read(spec: Platform) -> None:
    course = make_course(spec, 2)
    first = run_sync(spec.app, course.course_id)
    with spec.app.app_context():
        db.session.get(
            RosterSync, first.id
        ).differences_url = f"{spec.lms_url}/spec/api/courses/999999/memberships?since=1"
        db.session.commit()
    second = run_sync(spec.app, course.course_id)
    assert (second.status, second.kind, second.members_seen) == ("done", FULL, 3)


def test_a_course_without_nrps_fails_clearly(spec: Platform, app: Flask) -> None:
    course = make_course(spec, 1)
    with app.app_context():
        row = db.session.get(Course, course.course_id)
        row.memberships_url = None
        with pytest.raises(PlatformServiceError, match="no NRPS endpoint"):
            sync_memberships(row)
        db.session.rollback()


def test_a_sync_already_queued_is_not_queued_twice(spec: Platform, app: Flask) -> None:
    course = make_course(spec, 1)
    with app.app_context():
        row = db.session.get(Course, course.course_id)
        first = queue_roster_sync(row, trigger="manual")
        second = queue_roster_sync(row, trigger="manual")
        assert first is second
        db.session.rollback()


def test_a_sync_lost_in_the_queue_is_replaced(spec: Platform, app: Flask) -> None:
    course = make_course(spec, 1)  # its designer's launch queued a sync
    with app.app_context():
        row = db.session.get(Course, course.course_id)
        lost = db.session.scalars(sa.select(RosterSync).where(RosterSync.course_id == row.id)).one()
        lost.created_at = utcnow() - QUEUED_LIMIT + dt.timedelta(minutes=1)
        assert queue_roster_sync(row, trigger="manual") is lost  # still waiting, not lost
        lost.created_at = utcnow() - QUEUED_LIMIT - dt.timedelta(minutes=1)
        fresh = queue_roster_sync(row, trigger="manual")
        assert fresh is not lost and fresh.status == RosterSync.QUEUED
        assert lost.status == RosterSync.FAILED and "No worker started" in lost.error
        db.session.rollback()


def test_a_designer_launch_replaces_a_sync_lost_in_the_queue(spec: Platform, app: Flask) -> None:
    course = make_course(spec, 1)
    with app.app_context():
        lost = db.session.scalars(
            sa.select(RosterSync).where(RosterSync.course_id == course.course_id)
        ).one()
        lost.created_at = utcnow() - QUEUED_LIMIT - dt.timedelta(minutes=1)
        db.session.commit()
    spec.launch(DESIGNER, course=course.context_id)
    with app.app_context():
        syncs = db.session.scalars(
            sa.select(RosterSync)
            .where(RosterSync.course_id == course.course_id)
            .order_by(RosterSync.id)
        ).all()
        assert [(s.trigger, s.status) for s in syncs] == [
            ("launch", "failed"),
            ("launch", "queued"),
        ]


def test_flask_roster_commands(spec: Platform, app: Flask, runner) -> None:
    course = make_course(spec, 2)
    listed = runner.invoke(args=["roster", "courses"])
    assert listed.exit_code == 0 and f"{course.course_id}  Sync test" in listed.output
    synced = runner.invoke(args=["roster", "sync", str(course.course_id), "--full"])
    assert synced.exit_code == 0, synced.output
    assert "(full): 3 members read in 1 page(s); 2 joined, 0 updated, 0 left" in synced.output
    queued = runner.invoke(args=["roster", "sync", str(course.course_id), "--queue"])
    assert queued.exit_code == 0 and "is queued; `flask worker` runs it" in queued.output
    missing = runner.invoke(args=["roster", "sync", "999999"])
    assert missing.exit_code != 0 and "No course 999999" in missing.output


def test_flask_roster_sync_reports_a_failure(spec: Platform, app: Flask, runner) -> None:
    course = make_course(spec, 1)
    with app.app_context():
        db.session.get(
            Course, course.course_id
        ).memberships_url = f"{spec.lms_url}/spec/api/courses/999999/memberships"
        db.session.commit()
    failed = runner.invoke(args=["roster", "sync", str(course.course_id)])
    assert failed.exit_code != 0
    assert "Roster sync failed, nothing changed: Your LMS answered 404" in failed.output
