"""Valid launches from each demo LMS flavour land on the role's home page."""

from __future__ import annotations

import re

import pytest
import requests
import sqlalchemy as sa

from lti_tool.extensions import db
from lti_tool.roster.launches import LaunchSession, ResourceLink
from lti_tool.roster.models import Course, Membership, Person
from tests.support.launching import DESIGNER, LEARNER, Platform

LAUNCH_PATH = re.compile(r"/s/([A-Za-z0-9_-]{40,})/")


def test_learner_lands_on_learner_home(platform: Platform) -> None:
    page = platform.launch(LEARNER)
    assert page.status_code == 200, page.text[:500]
    assert "Hello, Amara Okafor" in page.text
    assert "learner" in page.text and "Learner" in page.text
    assert LAUNCH_PATH.search(page.url), "in-tool URLs carry the launch id"


def test_designer_lands_on_designer_home(platform: Platform) -> None:
    page = platform.launch(DESIGNER)
    assert page.status_code == 200, page.text[:500]
    assert "Welcome, Dana Whitfield" in page.text
    assert "designer" in page.text and "Instructor" in page.text


def test_content_developer_is_a_designer(spec: Platform) -> None:
    page = spec.launch("marcus.chen")
    assert "Welcome, Marcus Chen" in page.text


def test_launch_records_person_course_membership_and_link(spec: Platform) -> None:
    page = spec.launch("liam.nguyen")
    launch_id = LAUNCH_PATH.search(page.url).group(1)
    with spec.app.app_context():
        launch = db.session.get(LaunchSession, launch_id)
        person = db.session.get(Person, launch.person_id)
        assert person.name == "Liam Nguyen" and person.email.endswith("@northwind.example")
        course = db.session.get(Course, launch.course_id)
        assert course.title == "Reverse Mentoring Pilot"
        assert course.memberships_url and course.lineitems_url
        membership = db.session.scalars(
            sa.select(Membership).where(
                Membership.course_id == course.id, Membership.person_id == person.id
            )
        ).one()
        assert any(r.endswith("#Learner") for r in membership.roles)
        assert db.session.get(ResourceLink, launch.resource_link_pk).resource_link_id
        assert "name" not in launch.claims and "email" not in launch.claims


def test_in_tool_navigation_needs_no_cookie(spec: Platform) -> None:
    page = spec.launch(LEARNER)
    fresh = requests.get(page.url, timeout=10)  # another client, no cookies at all
    assert fresh.status_code == 200 and "Hello, Amara Okafor" in fresh.text


def test_launch_with_third_party_cookies_blocked(platform: Platform) -> None:
    browser = platform.browser(block_third_party_cookies=True)
    page = platform.launch(LEARNER, browser=browser)
    assert page.status_code == 200, page.text[:500]
    assert "Hello, Amara Okafor" in page.text


def test_same_person_relaunches_without_duplicates(spec: Platform) -> None:
    spec.launch("priya.sharma")
    spec.launch("priya.sharma")
    with spec.app.app_context():
        # Other tests sync the same demo users in the other flavours: count this LMS's people.
        people = db.session.scalars(
            sa.select(Person).where(
                Person.name == "Priya Sharma", Person.issuer == f"{spec.lms_url}/spec"
            )
        ).all()
        assert len(people) == 1


@pytest.mark.parametrize(
    ("user", "greeting"),
    [
        ("mateo.rossi", "Hello, Mateo Rossi"),  # no email
        ("guest.observer", "Hello, Alex (guest)"),  # only a display name
    ],
)
def test_privacy_cases(spec: Platform, user: str, greeting: str) -> None:
    page = spec.launch(user)
    assert page.status_code == 200 and greeting in page.text


def test_security_headers_on_tool_pages(spec: Platform) -> None:
    page = spec.launch(LEARNER)
    csp = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors" in csp
    assert page.headers["X-Content-Type-Options"] == "nosniff"


def test_expired_launch_session_is_refused(spec: Platform) -> None:
    page = spec.launch(LEARNER)
    launch_id = LAUNCH_PATH.search(page.url).group(1)
    with spec.app.app_context():
        launch = db.session.get(LaunchSession, launch_id)
        launch.expires_at = launch.created_at
        db.session.commit()
    again = requests.get(page.url, timeout=10)
    assert again.status_code == 401 and "Your session has expired" in again.text


@pytest.mark.parametrize("user_agent", ["MoodleBot/1.0", "Mozilla/5.0 (a bookmark)"])
def test_plain_get_of_the_launch_url_says_to_open_the_tool_from_the_course(
    live_server, user_agent: str
) -> None:
    """Moodle's server GETs an activity's tool URL when a teacher saves it (is it a
    cartridge?); a bookmark does the same. Neither is an error."""
    page = requests.get(
        f"{live_server.tool_url}/lti/launch", timeout=10, headers={"User-Agent": user_agent}
    )
    assert page.status_code == 200
    assert page.headers["Content-Type"].startswith("text/html")
    assert "Open Reciprocal from your course" in page.text
    assert requests.head(f"{live_server.tool_url}/lti/launch", timeout=10).status_code == 200
