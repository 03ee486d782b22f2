"""The LMS's own pages, the host dispatcher, and the ``flask demo`` commands."""

from __future__ import annotations

import requests
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskCliRunner

from lti_tool.demo_lms.flavours import FLAVOURS
from lti_tool.demo_lms.models import DemoCourse, DemoEnrollment, DemoPlatformKey, DemoUser
from lti_tool.demo_lms.seed import PEOPLE
from lti_tool.extensions import db
from tests.support.live_server import LiveServer
from tests.support.lti_browser import parse_page


def test_host_dispatch_separates_tool_and_lms(live_server: LiveServer, lms_url: str) -> None:
    assert requests.get(f"{lms_url}/healthz", timeout=10).json() == {"status": "ok"}
    assert requests.get(f"{live_server.tool_url}/healthz", timeout=10).json() == {"status": "alive"}


def test_home_lists_flavours_and_course(lms_url: str) -> None:
    page = requests.get(f"{lms_url}/", timeout=10)
    assert page.status_code == 200
    for flavour in FLAVOURS.values():
        assert flavour.title in page.text
    assert "Reverse Mentoring Pilot" in page.text
    css = requests.get(f"{lms_url}/_static/demo.css", timeout=10)
    assert css.status_code == 200 and "text/css" in css.headers["Content-Type"]


def test_course_page_has_people_activities_and_deep_linking(
    lms_url: str, registered, pilot_course_id: int
) -> None:
    page = requests.get(f"{lms_url}/moodle/courses/{pilot_course_id}", timeout=10)
    assert page.status_code == 200
    for name in ("Dana Whitfield", "Amara Okafor", "Alex (guest)"):
        assert name in page.text
    links = parse_page(page.text).links
    assert "Launch as" in page.text
    assert any("launch?user=amara.okafor" in href for href in links)
    assert any("message=deep_linking" in href for href in links)
    assert "Add activity (deep linking)" in page.text
    assert f"/moodle/courses/{pilot_course_id}/gradebook" in links


def test_launch_as_remembers_who_you_are(lms_url: str, registered, pilot_course_id: int) -> None:
    session = requests.Session()
    session.get(
        f"{lms_url}/spec/courses/{pilot_course_id}/launch",
        timeout=10,
        params={"user": "kenji.watanabe", "client_id": registered["spec"].client_id},
    )
    course = session.get(f"{lms_url}/spec/courses/{pilot_course_id}", timeout=10)
    assert "You are acting as <strong>Kenji Watanabe</strong>" in course.text


def test_unknown_user_or_course_is_a_404_page(lms_url: str, registered) -> None:
    frame = requests.get(f"{lms_url}/spec/launch/frame", params={"user": "nobody"}, timeout=10)
    assert frame.status_code == 404 and "nobody" in frame.text
    course = requests.get(f"{lms_url}/spec/courses/99999", timeout=10)
    assert course.status_code == 404


def test_seed_is_idempotent_and_varied(app: Flask, runner: FlaskCliRunner, lms_url) -> None:
    for _ in range(2):
        result = runner.invoke(args=["demo", "seed"])
        assert result.exit_code == 0, result.output
    with app.app_context():
        usernames = [p.username for p in PEOPLE]
        users = db.session.scalars(sa.select(DemoUser).where(DemoUser.username.in_(usernames)))
        users = list(users)
        assert len(users) == len(PEOPLE) >= 20
        assert {u.seniority_level for u in users if u.seniority_level} == set(range(1, 7))
        assert len({u.department for u in users if u.department}) >= 6
        assert sum(u.email is None for u in users) == 2
        pilot = db.session.scalars(
            sa.select(DemoCourse).where(DemoCourse.context_id == "RMP-2026")
        ).one()
        enrolled = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(DemoEnrollment)
            .where(DemoEnrollment.course_id == pilot.id)
        )
        assert enrolled >= len(PEOPLE)


def test_big_course_command_is_bulk_and_idempotent(app: Flask, runner: FlaskCliRunner) -> None:
    result = runner.invoke(
        args=["demo", "big-course", "--members", "300", "--context-id", "BIG-TEST"]
    )
    assert result.exit_code == 0, result.output
    again = runner.invoke(
        args=["demo", "big-course", "--members", "300", "--context-id", "BIG-TEST"]
    )
    assert again.exit_code == 0
    with app.app_context():
        course = db.session.scalars(
            sa.select(DemoCourse).where(DemoCourse.context_id == "BIG-TEST")
        ).one()
        count = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(DemoEnrollment)
            .where(DemoEnrollment.course_id == course.id)
        )
    assert count == 301  # 300 learners + the designer


def test_rotate_platform_key_command(app: Flask, runner: FlaskCliRunner, lms_url) -> None:
    with app.app_context():
        before = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(DemoPlatformKey)
            .where(DemoPlatformKey.flavour == "canvas")
        )
    result = runner.invoke(args=["demo", "rotate-platform-key", "canvas"])
    assert result.exit_code == 0 and "canvas" in result.output
    assert "PRIVATE" not in result.output
    jwks = requests.get(f"{lms_url}/canvas/api/lti/security/jwks", timeout=10).json()
    assert len(jwks["keys"]) == before + 1


def test_urls_command(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["demo", "urls", "--lms-url", "http://localhost:9999"])
    assert "http://localhost:9999/moodle/mod/lti/token.php" in result.output
