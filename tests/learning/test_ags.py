"""Line items, scores and results over AGS against each demo LMS flavour."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from lti_tool.core.time import utcnow
from lti_tool.demo_lms.models import DemoAccessToken
from lti_tool.extensions import db
from lti_tool.learning.ags import (
    Score,
    find_or_create_line_item,
    list_line_items,
    post_score,
    read_results,
)
from lti_tool.platforms.models import Platform as PlatformRow
from lti_tool.platforms.service_client import forget_tokens
from lti_tool.roster.models import Course
from lti_tool.roster.nrps import read_memberships
from tests.support.launching import Platform, course_from_launch


@pytest.fixture
def context(platform: Platform):
    platform_id, course_id = course_from_launch(platform)
    with platform.app.app_context():
        yield db.session.get(PlatformRow, platform_id), db.session.get(Course, course_id)


def test_line_item_is_found_not_duplicated(context) -> None:
    row, course = context
    resource_id = f"step-{uuid.uuid4().hex[:8]}"
    first = find_or_create_line_item(
        row,
        course.lineitems_url,
        label="Agreement",
        score_maximum=5,
        resource_id=resource_id,
        tag="reciprocal",
    )
    second = find_or_create_line_item(
        row,
        course.lineitems_url,
        label="Agreement",
        score_maximum=5,
        resource_id=resource_id,
        tag="reciprocal",
    )
    assert first["id"] == second["id"]
    assert len(list_line_items(row, course.lineitems_url, resource_id=resource_id)) == 1


def test_score_reaches_the_gradebook(context) -> None:
    row, course = context
    member = next(
        m
        for m in read_memberships(row, course.memberships_url).members
        if m.get("name") == "Liam Nguyen"
    )
    item = find_or_create_line_item(
        row,
        course.lineitems_url,
        label="Check-in 1",
        score_maximum=10,
        resource_id=f"ci-{uuid.uuid4().hex[:6]}",
        tag="reciprocal",
    )
    post_score(
        row,
        item["id"],
        Score(
            user_id=member["user_id"],
            score_given=10,
            score_maximum=10,
            timestamp=utcnow(),
            comment="Met twice",
        ),
    )
    results = read_results(row, item["id"])
    mine = [r for r in results if r["userId"] == member["user_id"]]
    assert mine and mine[0]["resultScore"] == 10


def test_access_token_is_cached_and_renewed_on_401(context) -> None:
    row, course = context
    forget_tokens(row)
    read_memberships(row, course.memberships_url)
    count = sa.select(sa.func.count()).select_from(DemoAccessToken)
    issued = db.session.scalar(count)
    read_memberships(row, course.memberships_url)
    assert db.session.scalar(count) == issued, "a cached token is reused"
    db.session.execute(sa.delete(DemoAccessToken))  # the platform revokes every token
    db.session.commit()
    assert len(read_memberships(row, course.memberships_url).members) > 0
    assert db.session.scalar(count) == 1, "one fresh token after the 401"
