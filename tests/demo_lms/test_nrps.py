"""NRPS: bearer scope checks, paging, page caps, role filter, and differences."""

from __future__ import annotations

from typing import Any

import pytest
import requests
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import joinedload
from urllib3.util import SKIP_HEADER

from lti_tool.core.time import utcnow
from lti_tool.demo_lms.flavours import ROLE_LEARNER, SCOPE_NRPS, SCOPE_SCORE
from lti_tool.demo_lms.models import DemoEnrollment, DemoUser
from lti_tool.demo_lms.seed import grow_big_course
from lti_tool.extensions import db
from tests.demo_lms.fake_tool import FakeTool
from tests.support.lti_browser import LtiBrowser

MEDIA = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"


@pytest.fixture(scope="module")
def course60(app: Flask, lms_url: str) -> int:
    with app.app_context():
        course = grow_big_course(60, context_id="NRPS-60")
        db.session.commit()
        return course.id


def members_url(lms_url: str, flavour: str, course_id: int) -> str:
    return f"{lms_url}/{flavour}/api/courses/{course_id}/memberships"


def get(url: str, token: str, **params: Any) -> requests.Response:
    return requests.get(
        url,
        params=params,
        timeout=10,
        headers={"Authorization": f"Bearer {token}", "Accept": MEDIA},
    )


def read_all(url: str, token: str, **params: Any) -> tuple[list[dict], list[int], str]:
    """Follow rel="next"; return the members, the page sizes and the differences URL."""
    members: list[dict] = []
    sizes: list[int] = []
    response = get(url, token, **params)
    while True:
        assert response.status_code == 200, response.text
        assert response.headers["Content-Type"] == MEDIA
        page = response.json()["members"]
        members += page
        sizes.append(len(page))
        if "next" not in response.links:
            return members, sizes, response.links["differences"]["url"]
        response = get(response.links["next"]["url"], token)


@pytest.fixture(scope="module")
def tokens(fake_tool: FakeTool, registered) -> dict[str, str]:
    return {f: fake_tool.access_token(f, r.client_id, (SCOPE_NRPS,)) for f, r in registered.items()}


def test_a_bearer_token_with_the_nrps_scope_is_required(
    lms_url, fake_tool, registered, course60
) -> None:
    url = members_url(lms_url, "spec", course60)
    missing = requests.get(url, timeout=10)
    assert missing.status_code == 401 and "Bearer" in missing.headers["WWW-Authenticate"]
    assert get(url, "not-a-token").status_code == 401
    score_only = fake_tool.access_token("spec", registered["spec"].client_id, (SCOPE_SCORE,))
    assert get(url, score_only).status_code == 403


def test_paging_with_next_links(lms_url, tokens, course60) -> None:
    members, sizes, _ = read_all(members_url(lms_url, "spec", course60), tokens["spec"], limit=7)
    assert len(members) == 61  # 60 learners + the designer
    assert len({m["user_id"] for m in members}) == 61
    assert sizes == [7] * 8 + [5]


def test_spec_without_limit_returns_everyone(lms_url, tokens, course60) -> None:
    _, sizes, _ = read_all(members_url(lms_url, "spec", course60), tokens["spec"])
    assert sizes == [61]


def test_canvas_pages_at_most_50(lms_url, tokens, course60) -> None:
    url = members_url(lms_url, "canvas", course60)
    _, sizes, _ = read_all(url, tokens["canvas"], limit=500)
    assert sizes == [50, 11]
    _, default_sizes, _ = read_all(url, tokens["canvas"])
    assert default_sizes[0] == 10


def test_canvas_refuses_requests_without_user_agent(lms_url, tokens, course60) -> None:
    response = requests.get(
        members_url(lms_url, "canvas", course60),
        timeout=10,
        headers={"Authorization": f"Bearer {tokens['canvas']}", "User-Agent": SKIP_HEADER},
    )
    assert response.status_code == 403


def test_moodle_members_have_short_roles(lms_url, tokens, pilot_course_id) -> None:
    members, _, _ = read_all(members_url(lms_url, "moodle", pilot_course_id), tokens["moodle"])
    by_user = {m["ext_user_username"]: m for m in members}
    assert by_user["dana.whitfield"]["roles"] == ["Instructor"]
    assert by_user["amara.okafor"]["roles"] == ["Learner"]
    assert by_user["amara.okafor"]["user_id"].isdigit()
    assert by_user["amara.okafor"]["email"] == "amara.okafor@northwind.example"
    assert "email" not in by_user["mateo.rossi"]
    assert by_user["guest.observer"]["name"] == "Alex (guest)"
    assert all(m["status"] == "Active" for m in members)


def test_role_filter(lms_url, tokens, pilot_course_id) -> None:
    url = members_url(lms_url, "spec", pilot_course_id)
    short, _, _ = read_all(url, tokens["spec"], role="Instructor")
    full, _, _ = read_all(
        url, tokens["spec"], role="http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"
    )
    assert [m["name"] for m in short] == [m["name"] for m in full] == ["Dana Whitfield"]
    assert full[0]["roles"] == ["http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"]


def test_bad_paging_is_a_400(lms_url, tokens, course60) -> None:
    assert get(members_url(lms_url, "spec", course60), tokens["spec"], limit="x").status_code == 400


def test_differences_list_only_changes_including_leavers(
    app: Flask, lms_url, tokens, course60
) -> None:
    url = members_url(lms_url, "moodle", course60)
    before, _, differences = read_all(url, tokens["moodle"], limit=25)
    assert "since=" in differences
    nothing, _, _ = read_all(differences, tokens["moodle"])
    assert nothing == []
    with app.app_context():
        rows = db.session.scalars(
            sa.select(DemoEnrollment)
            .where(DemoEnrollment.course_id == course60)
            .order_by(DemoEnrollment.id)
            .limit(3)
            .options(joinedload(DemoEnrollment.user))
        ).all()
        rows[1].status, rows[1].updated_at = "Deleted", utcnow()
        rows[2].status, rows[2].updated_at = "Inactive", utcnow()
        newcomer = DemoUser(
            username="nrps.newcomer",
            uuid="nrps-newcomer-uuid",
            given_name="New",
            family_name="Comer",
        )
        db.session.add(DemoEnrollment(course_id=course60, user=newcomer, roles=[ROLE_LEARNER]))
        db.session.commit()
        changed = {
            rows[1].user.username: "Deleted",
            rows[2].user.username: "Inactive",
            "nrps.newcomer": "Active",
        }
    diff, _, next_differences = read_all(differences, tokens["moodle"])
    assert {m["ext_user_username"]: m["status"] for m in diff} == changed
    assert next_differences != differences
    after, _, _ = read_all(url, tokens["moodle"])
    assert len(after) == len(before)  # one deleted, one joined; inactive still listed
    assert "Deleted" not in {m["status"] for m in after}


def test_launch_claim_points_at_the_memberships(lms_url, registered, fake_tool) -> None:
    answer = LtiBrowser(lms_url).launch(
        "spec", "amara.okafor", client_id=registered["spec"].client_id
    )
    assert answer.status_code == 200
