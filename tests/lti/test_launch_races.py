"""Concurrent first launches: a whole class opening a new course's activity at 9:00 all get in.

gunicorn with two workers (two processes, several threads each) on the test run's database
(SQLite, or PostgreSQL with TEST_DATABASE_URL); every browser logs in and is authorized by the
demo LMS first, then all post their id_tokens at the same moment, so their launches find no
course (or person) and create it together.
"""

from __future__ import annotations

import datetime as dt
import signal
import threading
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_migrate import upgrade

from lti_tool import create_app
from lti_tool.demo_lms.directory import get_registration
from lti_tool.demo_lms.dynamic_registration import add_default_activity
from lti_tool.demo_lms.flavours import ROLE_LEARNER, get_flavour
from lti_tool.demo_lms.models import DemoCourse, DemoEnrollment, DemoUser
from lti_tool.demo_lms.registration import RegistrationResult, register_tool
from lti_tool.demo_lms.seed import seed_demo
from lti_tool.extensions import db
from lti_tool.platforms.invites import invite_url, mint_invite
from lti_tool.roster.launches import ResourceLink
from lti_tool.roster.models import Course, Membership
from tests.support.databases import throwaway_database
from tests.support.gunicorn import Served as GunicornServed
from tests.support.gunicorn import free_port, gunicorn_served
from tests.support.lti_browser import LtiBrowser

CLASS_SIZE = 12


@dataclass
class Served:
    app: Flask  # on the served database, for setting up and checking rows
    lms: str
    registration: RegistrationResult
    server: GunicornServed


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    tmp = tmp_path_factory.mktemp("launch-races")
    port = free_port()
    tool, lms = f"http://127.0.0.1:{port}", f"http://localhost:{port}"
    with throwaway_database(tmp) as database_url:
        app = create_app({"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": database_url})
        with app.app_context():
            upgrade()
            seed_demo(tool, lms)
            register_url = invite_url(
                f"{tool}/lti/register", mint_invite(actor="tests", ttl=dt.timedelta(hours=1)).token
            )
            db.session.commit()
        env = {
            "RECIPROCAL_ENV": "development",
            "DATABASE_URL": database_url,
            "QUEUE_URL": f"sqlite:///{tmp / 'queue.sqlite3'}",
            "LOG_LEVEL": "WARNING",
        }
        try:
            with gunicorn_served(
                env,
                port=port,
                workers=2,
                # The demo LMS is served by the same processes: when one worker takes all the
                # launches, it still needs threads to answer their fetch of the LMS's JWKS
                # (else every launch waits for it until the fetch times out, then fails).
                threads=CLASS_SIZE + 2,
                log_path=tmp / "server.log",
                stop_signal=signal.SIGINT,
            ) as server:
                registration = register_tool(lms, "spec", register_url)
                yield Served(app, lms, registration, server)
        finally:
            with app.app_context():
                db.engine.dispose()


def new_course(served: Served, learners: int) -> tuple[str, list[str]]:
    """A course the tool has never seen, with its activity and ``learners`` new learners."""
    tag = uuid.uuid4().hex[:8]
    context_id = f"RACE-{tag}"
    with served.app.app_context():
        course = DemoCourse(context_id=context_id, title=f"Race {tag}", label=context_id)
        usernames = [f"race.{tag}.{i}" for i in range(learners)]
        for i, username in enumerate(usernames):
            user = DemoUser(
                username=username,
                uuid=f"race-{tag}-{i}",
                given_name=f"Learner{i}",
                family_name=tag,
                email=f"{username}@example.org",
            )
            db.session.add(DemoEnrollment(course=course, user=user, roles=[ROLE_LEARNER]))
        db.session.add(course)
        db.session.flush()
        add_default_activity(
            get_registration(get_flavour("spec"), served.registration.client_id), course
        )
        db.session.commit()
    return context_id, usernames


def launch_together(served: Served, context_id: str, usernames: list[str]) -> list[int]:
    """Each user's launch up to the id_token, then every id_token posted at the same moment;
    the status of each launch's final page."""
    barrier = threading.Barrier(len(usernames))

    def launch(username: str) -> int:
        browser = LtiBrowser(served.lms)
        auth = browser.start_launch(
            "spec", username, course=context_id, client_id=served.registration.client_id
        )
        form, page = browser.authorize(auth)
        barrier.wait(timeout=60)
        landed = browser.continue_without_js(browser.follow(browser.submit(form, page.url)))
        assert "/s/" in landed.url or landed.status_code != 200, landed.url
        return landed.status_code

    with ThreadPoolExecutor(max_workers=len(usernames)) as pool:
        return list(pool.map(launch, usernames))


def course_rows(app: Flask, context_id: str) -> tuple[list[int], int, int, int]:
    """(the ids of the tool's courses with this context id, its memberships, their distinct
    people, its resource links)."""
    with app.app_context():
        courses = db.session.scalars(
            sa.select(Course.id).where(Course.context_id == context_id)
        ).all()
        count = sa.select(sa.func.count())
        memberships = db.session.scalar(
            count.select_from(Membership).where(Membership.course_id.in_(courses))
        )
        people = db.session.scalar(
            sa.select(sa.func.count(sa.distinct(Membership.person_id))).where(
                Membership.course_id.in_(courses)
            )
        )
        links = db.session.scalar(
            count.select_from(ResourceLink).where(ResourceLink.course_id.in_(courses))
        )
        return list(courses), memberships, people, links


def test_a_whole_class_opens_a_new_course_at_once(served: Served) -> None:
    context_id, learners = new_course(served, CLASS_SIZE)

    statuses = launch_together(served, context_id, learners)

    assert statuses == [200] * CLASS_SIZE, served.server.logged()[-4000:]
    courses, memberships, people, links = course_rows(served.app, context_id)
    assert len(courses) == 1
    assert (memberships, people, links) == (CLASS_SIZE, CLASS_SIZE, 1)


def test_one_person_launching_twice_at_once_is_one_person(served: Served) -> None:
    context_id, [learner] = new_course(served, 1)

    statuses = launch_together(served, context_id, [learner] * 6)

    assert statuses == [200] * 6, served.server.logged()[-4000:]
    courses, memberships, people, links = course_rows(served.app, context_id)
    assert (len(courses), memberships, people, links) == (1, 1, 1, 1)
