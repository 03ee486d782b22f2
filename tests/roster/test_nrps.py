"""Reading a course's members over NRPS from each demo LMS flavour."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from lti_tool.core.time import utcnow
from lti_tool.demo_lms.models import DemoEnrollment, DemoUser
from lti_tool.errors import PlatformServiceError
from lti_tool.extensions import db
from lti_tool.platforms.models import Platform as PlatformRow
from lti_tool.roster.models import Course
from lti_tool.roster.nrps import read_memberships
from tests.support.launching import Platform, course_from_launch

SEEDED_PEOPLE = 21


def test_all_members_across_pages(platform: Platform) -> None:
    platform_id, course_id = course_from_launch(platform)
    progress: list[tuple[int, int]] = []
    with platform.app.app_context():
        row, course = db.session.get(PlatformRow, platform_id), db.session.get(Course, course_id)
        read = read_memberships(
            row,
            course.memberships_url,
            limit=5,
            on_page=lambda pages, n: progress.append((pages, n)),
        )
    assert len(read.members) == SEEDED_PEOPLE
    assert len({m["user_id"] for m in read.members}) == SEEDED_PEOPLE
    assert read.pages == 5 and progress[-1] == (5, SEEDED_PEOPLE)
    roles = {role for m in read.members for role in m["roles"]}
    if platform.flavour == "moodle":
        assert "Learner" in roles and "Instructor" in roles  # Moodle's short names
    else:
        assert any(r.endswith("membership#Learner") for r in roles)


def test_canvas_caps_pages_at_fifty(platforms: dict[str, Platform]) -> None:
    canvas = platforms["canvas"]
    platform_id, course_id = course_from_launch(canvas)
    with canvas.app.app_context():
        row, course = db.session.get(PlatformRow, platform_id), db.session.get(Course, course_id)
        read = read_memberships(row, course.memberships_url, limit=500)
    assert len(read.members) == SEEDED_PEOPLE and read.pages == 1


def test_differences_report_only_changes(spec: Platform) -> None:
    platform_id, course_id = course_from_launch(spec)
    with spec.app.app_context():
        row, course = db.session.get(PlatformRow, platform_id), db.session.get(Course, course_id)
        first = read_memberships(row, course.memberships_url)
        assert first.differences_url, "the last page offers rel=differences"
        enrollment = db.session.scalars(
            sa.select(DemoEnrollment).join(DemoUser).where(DemoUser.username == "guest.observer")
        ).one()
        enrollment.status = "Inactive"
        enrollment.updated_at = utcnow() + dt.timedelta(milliseconds=5)
        db.session.commit()
        try:
            changes = read_memberships(row, first.differences_url)
        finally:
            enrollment.status = "Active"
            db.session.commit()
    assert [m["status"] for m in changes.members] == ["Inactive"]
    assert changes.members[0]["name"] == "Alex (guest)"


def test_platform_failure_is_a_clear_error(spec: Platform) -> None:
    platform_id, _ = course_from_launch(spec)
    with spec.app.app_context():
        row = db.session.get(PlatformRow, platform_id)
        with pytest.raises(PlatformServiceError) as caught:
            read_memberships(row, f"{spec.lms_url}/spec/api/courses/999999/memberships")
    assert "answered 404" in caught.value.message
