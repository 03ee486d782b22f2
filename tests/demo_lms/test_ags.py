"""AGS: line items, scores and results, with Moodle's and Canvas's quirks; gradebook page."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import requests
import sqlalchemy as sa
from flask import Flask

from lti_tool.demo_lms.flavours import FLAVOURS, SCOPE_LINEITEM_READONLY, SERVICE_SCOPES
from lti_tool.demo_lms.models import DemoResourceLink, DemoToolRegistration, DemoUser
from lti_tool.demo_lms.registration import RegistrationResult, register_tool
from lti_tool.extensions import db
from tests.demo_lms.fake_tool import FakeTool

CONTAINER = "application/vnd.ims.lis.v2.lineitemcontainer+json"
LINEITEM = "application/vnd.ims.lis.v2.lineitem+json"
SCORE = "application/vnd.ims.lis.v1.score+json"
RESULTS = "application/vnd.ims.lis.v2.resultcontainer+json"


class Ags:
    """A registration of the fake tool with an access token holding every service scope."""

    def __init__(
        self,
        lms_url: str,
        result: RegistrationResult,
        token: str,
        course_id: int,
        resource_link_id: str,
        subjects: dict[str, str],
    ) -> None:
        self.flavour = result.flavour
        self.result = result
        self.headers = {"Authorization": f"Bearer {token}"}
        suffix = f"?type_id={result.deployment_id}" if self.flavour == "moodle" else ""
        self.lineitems = f"{lms_url}/{self.flavour}/api/courses/{course_id}/lineitems{suffix}"
        self.resource_link_id = resource_link_id
        self.subjects = subjects

    def create(self, **doc: Any) -> requests.Response:
        return requests.post(
            self.lineitems,
            json={"label": "Check-in", "scoreMaximum": 10, **doc},
            timeout=10,
            headers={**self.headers, "Content-Type": LINEITEM},
        )

    def list(self, **params: Any) -> requests.Response:
        return requests.get(
            self.lineitems, params=params, timeout=10, headers={**self.headers, "Accept": CONTAINER}
        )

    def score(self, item_url: str, user: str, **doc: Any) -> requests.Response:
        base, _, query = item_url.partition("?")
        body = {
            "userId": self.subjects[user],
            "scoreGiven": 8,
            "scoreMaximum": 10,
            "activityProgress": "Completed",
            "gradingProgress": "FullyGraded",
            "timestamp": dt.datetime.now(dt.UTC).isoformat(),
            **doc,
        }
        return requests.post(
            f"{base}/scores" + (f"?{query}" if query else ""),
            json=body,
            headers={**self.headers, "Content-Type": SCORE},
            timeout=10,
        )

    def results(self, item_url: str, **params: Any) -> list[dict]:
        base, _, query = item_url.partition("?")
        response = requests.get(
            f"{base}/results" + (f"?{query}" if query else ""),
            params=params,
            headers={**self.headers, "Accept": RESULTS},
            timeout=10,
        )
        assert response.status_code == 200, response.text
        return response.json()


@pytest.fixture(scope="module")
def ags(app: Flask, lms_url: str, fake_tool: FakeTool, pilot_course_id_module: int):
    """A fresh registration per flavour, so line items of other tests do not show up."""
    out: dict[str, Ags] = {}
    for name in FLAVOURS:
        result = register_tool(lms_url, name, f"{fake_tool.url}/register")
        token = fake_tool.access_token(name, result.client_id, SERVICE_SCOPES)
        with app.app_context():
            registration = db.session.scalars(
                sa.select(DemoToolRegistration).where(
                    DemoToolRegistration.client_id == result.client_id
                )
            ).one()
            link = db.session.scalars(
                sa.select(DemoResourceLink).where(
                    DemoResourceLink.registration_id == registration.id,
                    DemoResourceLink.course_id == pilot_course_id_module,
                )
            ).first()
            subjects = {
                u.username: (str(u.id) if name == "moodle" else u.uuid)
                for u in db.session.scalars(sa.select(DemoUser))
            }
        out[name] = Ags(
            lms_url, result, token, pilot_course_id_module, link.resource_link_id, subjects
        )
    return out


@pytest.fixture(scope="module")
def pilot_course_id_module(app: Flask, lms_url: str) -> int:
    from lti_tool.demo_lms.directory import get_course

    with app.app_context():
        return get_course().id


@pytest.mark.parametrize("flavour", list(FLAVOURS))
def test_line_item_lifecycle(ags: dict[str, Ags], flavour: str) -> None:
    a = ags[flavour]
    created = a.create(
        label="Orientation",
        scoreMaximum=5,
        resourceId="orientation",
        tag="rm-step",
        resourceLinkId=a.resource_link_id,
    )
    assert created.status_code == 201, created.text
    item = created.json()
    assert item["label"] == "Orientation" and item["scoreMaximum"] == 5
    assert created.headers["Location"] == item["id"]
    if flavour == "moodle":
        assert item["id"].endswith(f"?type_id={a.result.deployment_id}")
    got = requests.get(item["id"], headers={**a.headers, "Accept": LINEITEM}, timeout=10)
    assert got.json()["resourceId"] == "orientation"
    updated = requests.put(
        item["id"],
        json={**item, "label": "Orientation (v2)"},
        headers={**a.headers, "Content-Type": LINEITEM},
        timeout=10,
    )
    assert updated.status_code == 200 and updated.json()["label"] == "Orientation (v2)"
    deleted = requests.delete(item["id"], headers=a.headers, timeout=10)
    assert deleted.status_code == 204
    assert requests.get(item["id"], headers=a.headers, timeout=10).status_code == 404


@pytest.mark.parametrize(
    ("doc", "reason"),
    [
        ({"label": ""}, "label"),
        ({"scoreMaximum": 0}, "scoreMaximum"),
        ({"resourceLinkId": "not-a-link"}, "resourceLinkId"),
    ],
)
def test_invalid_line_items_are_400(ags, doc, reason) -> None:
    response = ags["spec"].create(**doc)
    assert response.status_code == 400 and reason in response.json()["error_description"]


def test_filters(ags) -> None:
    a = ags["spec"]
    a.create(label="Filter A", tag="filter-tag", resourceId="filter-a")
    a.create(label="Filter B", tag="filter-tag", resourceLinkId=a.resource_link_id)
    assert {i["label"] for i in a.list(tag="filter-tag").json()} == {"Filter A", "Filter B"}
    assert [i["label"] for i in a.list(resource_id="filter-a").json()] == ["Filter A"]
    linked = a.list(resource_link_id=a.resource_link_id).json()
    assert "Filter B" in {i["label"] for i in linked}
    assert all(i["resourceLinkId"] == a.resource_link_id for i in linked)


def test_moodle_needs_the_container_accept_header(ags) -> None:
    a = ags["moodle"]
    bare = requests.get(a.lineitems, headers=a.headers, timeout=10)
    assert (bare.status_code, bare.text) == (400, "No context or unsupported content type")
    assert a.list().status_code == 200


def test_moodle_hides_resource_link_of_api_created_items(ags) -> None:
    a = ags["moodle"]
    a.create(label="Moodle linked", resourceLinkId=a.resource_link_id)
    listed = {i["label"]: i for i in a.list().json()}
    assert "resourceLinkId" not in listed["Moodle linked"]


@pytest.mark.parametrize("flavour", ["spec", "moodle"])
def test_paging_link_headers(ags, flavour: str) -> None:
    a = ags[flavour]
    for n in range(3):
        a.create(label=f"Paged {n}", tag=f"paged-{flavour}")
    first = a.list(tag=f"paged-{flavour}", limit=2)
    assert len(first.json()) == 2
    header = first.headers["Link"]
    if flavour == "spec":
        assert first.links["next"]["url"].endswith("from=2")
        second = requests.get(
            first.links["next"]["url"], timeout=10, headers={**a.headers, "Accept": CONTAINER}
        )
        assert len(second.json()) == 1 and "next" not in second.links
    else:
        header = header.encode("latin-1").decode("utf-8")  # the raw bytes were UTF-8
        assert "&amp;" in header and "rel=\u201cnext\u201d" in header
        assert "from=3" in header.split("rel=\u201clast\u201d")[0].rsplit("<", 1)[-1]


def test_score_replies_per_flavour(ags) -> None:
    for flavour, status, body in (
        ("moodle", 200, ""),
        ("spec", 204, ""),
        ("canvas", 200, "resultUrl"),
    ):
        a = ags[flavour]
        item = a.create(label="Agreement", scoreMaximum=100).json()
        response = a.score(item["id"], "amara.okafor")
        assert response.status_code == status, (flavour, response.text)
        assert body in response.text if body else response.text == ""


def test_results_follow_fully_graded_scores_only(ags) -> None:
    a = ags["moodle"]
    item = a.create(label="Reflection", scoreMaximum=20).json()
    earlier = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    assert a.score(item["id"], "liam.nguyen", scoreGiven=3, scoreMaximum=4).status_code == 200
    a.score(item["id"], "liam.nguyen", scoreGiven=1, gradingProgress="Pending")
    a.score(item["id"], "liam.nguyen", scoreGiven=0, timestamp=earlier.isoformat())
    a.score(item["id"], "zoe.andersson", activityProgress="Started", gradingProgress="Pending")
    results = a.results(item["id"])
    assert [(r["userId"], r["resultScore"], r["resultMaximum"]) for r in results] == [
        (a.subjects["liam.nguyen"], 15.0, 20.0)
    ]  # 3/4 scaled to the item's 20
    assert results[0]["scoreOf"] == item["id"]
    only = a.results(item["id"], user_id=a.subjects["zoe.andersson"])
    assert only == []


@pytest.mark.parametrize(
    ("doc", "reason"),
    [
        ({"userId": "nobody"}, "userId"),
        ({"activityProgress": "Done"}, "activityProgress"),
        ({"gradingProgress": "Graded"}, "gradingProgress"),
        ({"timestamp": "yesterday"}, "timestamp"),
        ({"scoreGiven": 5, "scoreMaximum": None}, "scoreMaximum"),
    ],
)
def test_invalid_scores_are_400(ags, doc, reason) -> None:
    a = ags["spec"]
    item = a.create(label="Invalid scores").json()
    base = item["id"].partition("?")[0]
    body = {
        "userId": a.subjects["amara.okafor"],
        "activityProgress": "Completed",
        "gradingProgress": "FullyGraded",
        "timestamp": "2026-01-01T00:00:00Z",
        **doc,
    }
    response = requests.post(
        f"{base}/scores", json=body, timeout=10, headers={**a.headers, "Content-Type": SCORE}
    )
    assert response.status_code == 400 and reason in response.json()["error_description"]


def test_scope_checks(ags, fake_tool) -> None:
    a = ags["spec"]
    readonly = fake_tool.access_token("spec", a.result.client_id, (SCOPE_LINEITEM_READONLY,))
    headers = {"Authorization": f"Bearer {readonly}"}
    assert requests.get(a.lineitems, headers=headers, timeout=10).status_code == 200
    created = requests.post(
        a.lineitems,
        json={"label": "x", "scoreMaximum": 1},
        headers={**headers, "Content-Type": LINEITEM},
        timeout=10,
    )
    assert created.status_code == 403
    item = a.create(label="Scope").json()
    score = requests.post(
        item["id"].partition("?")[0] + "/scores",
        json={},
        timeout=10,
        headers={**headers, "Content-Type": SCORE},
    )
    assert score.status_code == 403


def test_other_tools_cannot_touch_a_line_item(ags, registered, fake_tool) -> None:
    item = ags["spec"].create(label="Private").json()
    other = fake_tool.access_token("spec", registered["spec"].client_id, SERVICE_SCOPES)
    response = requests.get(item["id"], headers={"Authorization": f"Bearer {other}"}, timeout=10)
    assert response.status_code == 404


def test_gradebook_page_shows_scores(ags, lms_url, pilot_course_id_module) -> None:
    a = ags["canvas"]
    item = a.create(label="Gradebook column", scoreMaximum=10).json()
    a.score(item["id"], "priya.sharma", scoreGiven=7)
    page = requests.get(f"{lms_url}/canvas/courses/{pilot_course_id_module}/gradebook", timeout=10)
    assert page.status_code == 200
    assert "Gradebook column" in page.text and ">7<" in page.text
